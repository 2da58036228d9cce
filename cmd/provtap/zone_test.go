package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// firefoxHAR is seed 1 as Firefox saves it on a machine at +02:00: the
// POST opens a session at 12:00:00.512, the PATCH without its cookie is
// refused at 12:00:01.038 (10:00:01.038 UTC).
func firefoxHAR(t *testing.T, dir string) string {
	t.Helper()
	entry := func(start, method, path string, status int, reqHeaders, respHeaders, body string) string {
		return `{"pageref":"page_1","startedDateTime":"` + start + `","time":38,
		 "request":{"bodySize":0,"method":"` + method + `","url":"https://idm.example.com` + path + `","httpVersion":"HTTP/1.1",
		   "headers":[{"name":"Host","value":"idm.example.com"},{"name":"User-Agent","value":"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},` + reqHeaders + `],
		   "cookies":[],"queryString":[],"headersSize":410},
		 "response":{"status":` + itoa(status) + `,"statusText":"","httpVersion":"HTTP/1.1","headers":[` + respHeaders + `],"cookies":[],
		   "content":{"mimeType":"application/json","size":` + itoa(len(body)) + `,"text":` + quote(body) + `},"redirectURL":"","headersSize":200,"bodySize":` + itoa(len(body)) + `},
		 "cache":{},"timings":{"blocked":0,"dns":0,"connect":0,"ssl":0,"send":0,"wait":37,"receive":1},"secureConnection":true}`
	}
	auth := `{"name":"Authorization","value":"Basic c3ZjOnMzY3JldA=="},{"name":"Content-Type","value":"application/json"}`
	harText := `{"log":{"version":"1.2","creator":{"name":"Firefox","version":"128.0"},"browser":{"name":"Firefox","version":"128.0"},
	 "pages":[{"startedDateTime":"2025-03-04T12:00:00.500+02:00","id":"page_1","title":"IdentityAdmin","pageTimings":{}}],"entries":[` +
		entry("2025-03-04T12:00:00.512+02:00", "POST", "/admin/users", 201, auth,
			`{"name":"Set-Cookie","value":"JSESSIONID=8F3A1C0E9B2D47A6B1C3D5E7F9A0B2C4; Path=/; Secure; HttpOnly"},{"name":"Content-Type","value":"application/json"}`, `{"uuid":"u1"}`) + "," +
		entry("2025-03-04T12:00:01.038+02:00", "PATCH", "/admin/usergroups/g1", 401, auth,
			`{"name":"WWW-Authenticate","value":"Token Basic realm=\"IdentityAdmin\""},{"name":"Content-Type","value":"application/json"}`,
			`{"code":401,"description":"The request requires user authentication"}`) + `]}}`
	path := filepath.Join(dir, "firefox.har")
	if err := os.WriteFile(path, []byte(harText), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A +02:00 capture shows one clock in the TUI and in analyze: local time
// by default, UTC with --utc, the capture's own offset with --zone capture.
func TestOneClockInTheTUIAndInAnalyze(t *testing.T) {
	t.Parallel()
	requireTmux(t)
	bin := provtapBinary(t)
	har := firefoxHAR(t, t.TempDir())
	for _, z := range []struct {
		name  string
		flags []string
		tz    string // the machine's local zone
		clock string // the PATCH's time
	}{
		{"local", nil, "Asia/Tokyo", "19:00:01"},
		{"--utc", []string{"--utc"}, "America/New_York", "10:00:01"},
		{"--zone capture", []string{"--zone", "capture"}, "America/New_York", "12:00:01"},
		{"--zone Europe/Berlin", []string{"--zone", "Europe/Berlin"}, "Asia/Tokyo", "11:00:01"},
	} {
		t.Run(z.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin, append([]string{"analyze", har}, z.flags...)...)
			cmd.Env = append(os.Environ(), "TZ="+z.tz, "NO_COLOR=1")
			out, _ := cmd.Output() // exit 1: the refusal is an error finding
			text := string(out)
			if !strings.Contains(text, "dropped-cookie") || !strings.Contains(text, "at "+z.clock+".038") {
				t.Errorf("analyze %v does not show the PATCH at %s:\n%s", z.flags, z.clock, text)
			}
			for _, other := range []string{"10:00:01", "12:00:01", "19:00:01", "11:00:01", "04:00:01", "05:00:01"} {
				if other != z.clock && strings.Contains(text, other) {
					t.Errorf("analyze %v also shows %s:\n%s", z.flags, other, text)
				}
			}
			dir := t.TempDir()
			s := startTmux(t, 120, 30, dir, append([]string{"TZ=" + z.tz, bin, "open", har}, z.flags...)...)
			scr := s.waitScreen("2 flows", "2025-03-04 "+z.clock+".038")
			if row := selectedRow(scr); !strings.Contains(row, z.clock) || !strings.Contains(row, "PATCH") {
				t.Errorf("TUI %v: the PATCH's row %q lacks %s", z.flags, row, z.clock)
			}
			s.keys("q")
			s.waitExit()
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func quote(s string) string { return strconv.Quote(s) }

// The JSON report is the same on every machine: its texts keep the
// capture's own clock unless --utc or --zone asks otherwise.
func TestAnalyzeJSONKeepsTheCapturesClock(t *testing.T) {
	t.Parallel()
	bin := provtapBinary(t)
	har := firefoxHAR(t, t.TempDir())
	var first string
	for _, tz := range []string{"Asia/Tokyo", "America/New_York", "UTC"} {
		cmd := exec.Command(bin, "analyze", "--format", "json", har)
		cmd.Env = append(os.Environ(), "TZ="+tz)
		out, _ := cmd.Output()
		if !strings.Contains(string(out), "12:00:01.038") {
			t.Errorf("TZ=%s: the JSON lacks the capture's 12:00:01.038:\n%s", tz, out)
		}
		if first == "" {
			first = string(out)
		} else if string(out) != first {
			t.Errorf("TZ=%s: the JSON differs from the first machine's", tz)
		}
	}
	cmd := exec.Command(bin, "analyze", "--format", "json", "--utc", har)
	if out, _ := cmd.Output(); !strings.Contains(string(out), "10:00:01.038") {
		t.Errorf("--utc: the JSON lacks 10:00:01.038:\n%s", out)
	}
}
