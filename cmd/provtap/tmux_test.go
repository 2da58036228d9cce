package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/capturetest"

	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/har"

	"github.com/provtap/provtap/capture"
)

// These tests drive the real binary in tmux as a person would: start it in
// a terminal, read the screen (capture-pane), press keys (send-keys), and
// copy by OSC 52 into tmux's buffer (set -g set-clipboard on). They fail
// when tmux is missing: .ci/run installs it.

// tmuxSession is one provtap running in its own tmux server.
type tmuxSession struct {
	t    *testing.T
	sock string
}

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// TestMain removes the binary the tmux tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// provtapBinary builds provtap once per test run.
func provtapBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "provtap-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir, binPath = dir, filepath.Join(dir, "provtap")
		if runtime.GOOS == "windows" {
			binPath += ".exe" // else Windows looks for provtap.exe and finds nothing
		}
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func requireTmux(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("tmux does not run on Windows")
	}
	capturetest.RequireTool(t, "tmux")
}

// startTmux runs argv in a w×h tmux window with a clean environment: no X
// or Wayland display (so there is no system clipboard and copy must go by
// OSC 52, as over SSH), a fixed TERM and locale.
func startTmux(t *testing.T, w, h int, dir string, argv ...string) *tmuxSession {
	t.Helper()
	requireTmux(t)
	conf := filepath.Join(dir, "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g set-clipboard on\nset -g default-terminal screen-256color\nset -g status off\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &tmuxSession{t: t, sock: filepath.Join(dir, "tmux.sock")}
	cmd := []string{"env", "-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", "-u", "NO_COLOR", "LANG=C.UTF-8", "LC_ALL=C.UTF-8",
		"PROVTAP_HOME=" + filepath.Join(dir, "home"), "HOME=" + dir}
	cmd = append(cmd, argv...)
	args := append([]string{"-f", conf, "new-session", "-d", "-s", "provtap", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "--"}, cmd...)
	if out, err := s.tmux(args...); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() { s.tmux("kill-server") })
	return s
}

func (s *tmuxSession) tmux(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", s.sock}, args...)...).CombinedOutput()
	return string(out), err
}

// screen is what the terminal shows now.
func (s *tmuxSession) screen() string {
	out, _ := s.tmux("capture-pane", "-p", "-t", "provtap")
	return out
}

// waitScreen waits until every one of subs is on screen, and returns it.
func (s *tmuxSession) waitScreen(subs ...string) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var scr string
	for time.Now().Before(deadline) {
		scr = s.screen()
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(scr, sub)
		}
		if ok {
			return scr
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed %q; it shows:\n%s", subs, scr)
	return ""
}

// keys types tmux key names (j, Enter, Escape, …) one at a time.
func (s *tmuxSession) keys(keys ...string) {
	s.t.Helper()
	for _, k := range keys {
		if out, err := s.tmux("send-keys", "-t", "provtap", k); err != nil {
			s.t.Fatalf("send-keys %s: %v %s", k, err, out)
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// typeText types literal text.
func (s *tmuxSession) typeText(text string) {
	s.t.Helper()
	if out, err := s.tmux("send-keys", "-t", "provtap", "-l", text); err != nil {
		s.t.Fatalf("send-keys -l: %v %s", err, out)
	}
}

// buffer is tmux's newest paste buffer ("" when there is none).
func (s *tmuxSession) buffer() string {
	out, err := s.tmux("show-buffer")
	if err != nil {
		return ""
	}
	return out
}

func (s *tmuxSession) waitBuffer(want string) {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		if got = s.buffer(); got == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("tmux buffer:\n%s\nwant exactly:\n%s\nscreen:\n%s", got, want, s.screen())
}

// waitExit waits for the program (and so the session) to end.
func (s *tmuxSession) waitExit() {
	s.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := s.tmux("has-session", "-t", "provtap"); err != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("provtap did not exit; screen:\n%s", s.screen())
}

// selectedRow is the screen line of the selected flow (it starts with ▶).
func selectedRow(scr string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(l, "▶") {
			return l
		}
	}
	return ""
}

// bothSeedsHAR is a capture of both seed failures (the gateway key, then the
// session).
func bothSeedsHAR(t *testing.T, dir string) (string, []*capture.Flow) {
	t.Helper()
	start := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	mk := func(i int, method, url string, status int, req, resp []string, body string) *capture.Flow {
		f := &capture.Flow{Method: method, URL: url, Proto: "HTTP/1.1", Status: status, ResponseProto: "HTTP/1.1",
			Start: start.Add(time.Duration(i) * time.Second), ClientAddr: "127.0.0.1:50000",
			ResponseBody: capture.Body{Bytes: []byte(body), Size: int64(len(body)), Decoded: true}}
		f.End = f.Start.Add(30 * time.Millisecond)
		for j := 0; j+1 < len(req); j += 2 {
			f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: req[j], Value: req[j+1]})
		}
		for j := 0; j+1 < len(resp); j += 2 {
			f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: resp[j], Value: resp[j+1]})
		}
		return f
	}
	const key = "6c1f0a8e3b2d4f79a5c8e0d1b2a3f4e5"
	gw := "https://gw.example.test/scim/v2"
	read := []string{"Host", "gw.example.test", "Authorization", "Basic c2NpbTpz", "Ocp-Apim-Subscription-Key", key, "Accept", "application/scim+json"}
	ok := []string{"Content-Type", "application/scim+json"}
	patch := mk(3, "PATCH", gw+"/Groups/g1", 401, []string{"Host", "gw.example.test", "Authorization", "Basic c2NpbTpz", "Accept", "application/scim+json", "Content-Type", "application/scim+json"},
		[]string{"Content-Type", "application/json"}, `{"statusCode":401,"message":"Access denied due to missing subscription key."}`)
	patch.RequestBody = capture.Body{Bytes: []byte(`{"Operations":[{"op":"add","path":"members","value":[{"value":"u2"}]}]}`), Size: 70}
	flows := []*capture.Flow{
		mk(0, "GET", gw+"/Users?subscription-key="+key, 200, read, ok, `{"totalResults":0}`),
		mk(1, "GET", gw+"/Groups?subscription-key="+key, 200, read, ok, `{"totalResults":1}`),
		mk(2, "GET", gw+"/Groups/g1?subscription-key="+key, 200, read, ok, `{"id":"g1"}`),
		patch,
		mk(4, "POST", "http://127.0.0.1:8081/admin/users", 201, []string{"Host", "127.0.0.1:8081", "Authorization", "Basic cDpx", "Content-Type", "application/json"},
			[]string{"Set-Cookie", "JSESSIONID=S1; Path=/; HttpOnly", "Content-Type", "application/json"}, `{"uuid":"u2"}`),
		mk(5, "PATCH", "http://127.0.0.1:8081/admin/usergroups/g1", 401, []string{"Host", "127.0.0.1:8081", "Authorization", "Basic cDpx", "Content-Type", "application/json"},
			[]string{"WWW-Authenticate", `Token Basic realm="IdentityAdmin"`, "Content-Type", "application/json"}, `{"code":401,"description":"The request requires user authentication"}`),
	}
	path := filepath.Join(dir, "seeds.har")
	if err := har.WriteHAR(path, flows); err != nil {
		t.Fatal(err)
	}
	c, err := har.LoadHAR(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, c.Flows
}

// provtap open in tmux: move, filter, findings, copy by OSC 52, help, quit.
func TestTmuxOpen(t *testing.T) {
	t.Parallel()
	requireTmux(t)
	bin := provtapBinary(t)
	dir := t.TempDir()
	har, flows := bothSeedsHAR(t, dir)
	s := startTmux(t, 100, 30, dir, bin, "open", har)

	scr := s.waitScreen("file: seeds.har", "6 flows", "4 findings")
	// It opens on the worst finding's flow, with the lost header in place.
	if row := selectedRow(scr); !strings.Contains(row, "✖") || !strings.Contains(row, "PATCH") || !strings.Contains(row, "/scim/v2/Groups/g1") {
		t.Errorf("selected row %q, want the refused SCIM PATCH", row)
	}
	s.waitScreen("− Ocp-Apim-Subscription-Key — sent on GET #3")

	s.keys("k")
	if row := selectedRow(s.waitScreen("#3 GET 200")); !strings.Contains(row, "  3 ") {
		t.Errorf("after k: %q", row)
	}
	s.keys("j", "j")
	s.waitScreen("#5 POST 201")

	s.keys("/")
	s.typeText("admin 401")
	s.keys("Enter")
	scr = s.waitScreen("1 of 6 flows match /admin 401")
	if row := selectedRow(scr); !strings.Contains(row, "/admin/usergroups/g1") {
		t.Errorf("filtered selection %q", row)
	}
	s.keys("Escape")
	s.waitScreen("│ 6 flows │")

	s.keys("f")
	s.waitScreen("Problems (4, from 4 findings), worst first", "concurrent-session", "dropped-cookie", "lost-header", "lost-query-param")
	if row := selectedRow(s.waitScreen("concurrent-session")); !strings.Contains(row, "concurrent-session") {
		t.Errorf("f on #6 selected %q, want #6's worst problem", row)
	}
	s.keys("Enter") // opens it to its requests
	s.waitScreen("▾✖ error   concurrent-session")
	s.keys("j", "Enter")
	s.waitScreen("− Cookie JSESSIONID — set by #5", "#6 PATCH 401")

	s.keys("c")
	s.waitScreen("#6 as curl: copied into tmux's paste buffer (tmux accepted it")
	s.waitBuffer(export.Curl(flows[5]))

	s.keys("?")
	s.waitScreen("provtap keys", "copy request as curl", "save the capture")
	s.keys("Escape", "q")
	s.waitExit()
}
