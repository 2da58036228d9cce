package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/har"

	"github.com/provtap/provtap/capture"
)

// seed1HAR writes the session seed as a capture: POST opens a session, the PATCH
// without the cookie is refused (or, with a jar, carries it and succeeds).
func seed1HAR(t *testing.T, withJar bool) string {
	t.Helper()
	start := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	mk := func(i int, method, path string, status int, req, resp []capture.Header, body string) *capture.Flow {
		s := start.Add(time.Duration(i) * time.Second)
		return &capture.Flow{Method: method, URL: "http://127.0.0.1:8081" + path, Scheme: "http", Host: "127.0.0.1", Port: 8081,
			Target: path, Start: s, End: s.Add(40 * time.Millisecond), ClientAddr: "127.0.0.1:5000" + string(rune('0'+i)),
			Status: status, RequestHeaders: append([]capture.Header{{Name: "Authorization", Value: "Basic cDpx"}}, req...),
			ResponseHeaders: resp, ResponseBody: capture.Body{Bytes: []byte(body), Size: int64(len(body))}}
	}
	var cookie []capture.Header
	status, body := 401, `{"code":401,"description":"The request requires user authentication"}`
	if withJar {
		cookie, status, body = []capture.Header{{Name: "Cookie", Value: "JSESSIONID=S1"}}, 204, ""
	}
	flows := []*capture.Flow{
		mk(0, "POST", "/admin/users", 201, nil, []capture.Header{{Name: "Set-Cookie", Value: "JSESSIONID=S1; Path=/; HttpOnly"}}, `{}`),
		mk(1, "PATCH", "/admin/usergroups/g1", status, cookie, []capture.Header{{Name: "WWW-Authenticate", Value: `Token Basic realm="x"`}}, body),
	}
	if withJar {
		flows[1].ResponseHeaders = nil
	}
	path := filepath.Join(t.TempDir(), "seed1.harFile")
	if err := har.WriteHAR(path, flows); err != nil {
		t.Fatal(err)
	}
	return path
}

type jsonReport struct {
	Flows    int `json:"flows"`
	Findings []struct {
		Kind, Severity, Title, Detail, Fix string
		Flow                               int
		Related                            []int
	} `json:"findings"`
}

func TestAnalyzeJSON(t *testing.T) {
	t.Parallel()
	harFile := seed1HAR(t, false)
	code, out, errOut := runProvtap(t, "analyze", "--format", "json", harFile)
	if code != 1 || errOut != "" {
		t.Fatalf("exit %d (want 1), stderr %q", code, errOut)
	}
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if r.Flows != 2 || len(r.Findings) != 2 {
		t.Fatalf("report %+v", r)
	}
	kinds := map[string]bool{}
	for _, f := range r.Findings {
		kinds[f.Kind] = true
		if f.Flow != 2 || f.Severity != "error" || len(f.Related) != 1 || f.Related[0] != 1 || f.Fix == "" || f.Detail == "" {
			t.Errorf("finding %+v", f)
		}
	}
	if !kinds["dropped-cookie"] || !kinds["concurrent-session"] {
		t.Errorf("kinds %v", kinds)
	}
	// Flags after the file, and --fail-on none.
	if code, _, _ := runProvtap(t, "analyze", harFile, "--format=json", "--fail-on", "none"); code != 0 {
		t.Errorf("--fail-on none: exit %d", code)
	}
}

func TestAnalyzeCleanCapture(t *testing.T) {
	t.Parallel()
	code, out, _ := runProvtap(t, "analyze", "--fail-on", "info", "--format", "json", seed1HAR(t, true))
	if code != 0 || !strings.Contains(out, `"findings": []`) || !strings.Contains(out, `"flows": 2`) {
		t.Errorf("exit %d, output %s", code, out)
	}
}

func TestAnalyzeTextAndMarkdown(t *testing.T) {
	t.Parallel()
	harFile := seed1HAR(t, false)
	_, text, _ := runProvtap(t, "analyze", harFile)
	if !strings.Contains(text, "JSESSIONID set by #1 was not sent") || !strings.Contains(text, "Fix:") || strings.Contains(text, "\x1b[") {
		t.Errorf("text report:\n%s", text)
	}
	_, md, _ := runProvtap(t, "analyze", "--format", "markdown", harFile)
	if !strings.Contains(md, "| **error** | #2 | `dropped-cookie` |") || !strings.Contains(md, "**Fix:**") {
		t.Errorf("markdown report:\n%s", md)
	}
}

func TestAnalyzeTruncatedCapture(t *testing.T) {
	t.Parallel()
	harFile := seed1HAR(t, false)
	data, _ := os.ReadFile(harFile)
	cut := filepath.Join(t.TempDir(), "cut.harFile")
	// Drop the closing "]}}": a recorder that was killed.
	os.WriteFile(cut, data[:strings.LastIndex(string(data), "]")], 0o600)
	code, out, errOut := runProvtap(t, "analyze", "--format", "json", cut)
	if code != 1 || !strings.Contains(errOut, "cut off") || !strings.Contains(out, "dropped-cookie") {
		t.Errorf("exit %d stderr %q stdout %s", code, errOut, out)
	}
}
