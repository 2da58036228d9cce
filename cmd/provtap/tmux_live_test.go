package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture/capturetest"

	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/internal/scenario"
)

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).AddrPort().String()
}

// curlEnv is the environment without proxy settings of the machine.
func curlEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k := strings.ToLower(strings.SplitN(kv, "=", 2)[0])
		if !strings.HasSuffix(k, "_proxy") {
			env = append(env, kv)
		}
	}
	return env
}

// The live proxy in tmux: a connector's calls (curl) appear as they
// happen, the refused PATCH is diagnosed, c puts its curl in tmux's
// buffer, the copied command reproduces the 401, and q leaves a complete
// capture.
func TestTmuxLiveProxy(t *testing.T) {
	t.Parallel()
	requireTmux(t)
	capturetest.RequireTool(t, "curl")
	bin := provtapBinary(t)
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	srv := scenario.Serve(scenario.NewSessionAPI(), false)
	defer srv.Close()
	listen := freePort(t)
	s := startTmux(t, 120, 30, dir, bin, "--home", home, "--listen", listen)
	s.waitScreen(listen, "0 flows")

	curl := func(args ...string) string {
		cmd := exec.Command("curl", append([]string{"-sS", "-x", "http://" + listen, "-u", scenario.SessionAPIUser + ":" + scenario.SessionAPIPassword}, args...)...)
		cmd.Env = curlEnv()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	curl("-H", "Content-Type: application/json", "-d", `{"name":"jdoe","email":"jdoe@example.com"}`, srv.URL+"/admin/users")
	s.waitScreen("1 flow", "POST", "/admin/users")
	refused := curl("-X", "PATCH", "-H", "Content-Type: application/json", "-d", `{"addUsers":["x"]}`, srv.URL+"/admin/usergroups/"+scenario.SessionAPIGroup)
	if !strings.Contains(refused, `"code":401`) {
		t.Fatalf("the PATCH without the cookie was not refused: %s", refused)
	}
	scr := s.waitScreen("2 flows", "PATCH", "401", "✖")
	if row := selectedRow(scr); !strings.Contains(row, "PATCH") {
		t.Errorf("following the tail, the newest flow should be selected: %q", row)
	}
	s.waitScreen("− Cookie JSESSIONID — set by #1")
	s.keys("k")
	if row := selectedRow(s.waitScreen("#1 POST 201")); !strings.Contains(row, "/admin/users") {
		t.Errorf("after k: %q", row)
	}
	s.keys("j", "c")
	s.waitScreen("#2 as curl: copied into tmux's paste buffer (tmux accepted it")

	matches, _ := filepath.Glob(filepath.Join(home, "captures", "*.har"))
	if len(matches) != 1 {
		t.Fatalf("captures: %v", matches)
	}
	recorded, err := har.LoadHAR(matches[0])
	if err != nil || len(recorded.Flows) != 2 {
		t.Fatalf("the capture being recorded: %v, %d flows", err, len(recorded.Flows))
	}
	want := export.Curl(recorded.Flows[1])
	s.waitBuffer(want)

	// The copied command reproduces the refusal (the POST's session is live).
	replay := exec.Command("bash", "-c", s.buffer())
	replay.Env = curlEnv()
	if out, _ := replay.CombinedOutput(); !strings.Contains(string(out), `"code":401`) {
		t.Errorf("the copied curl did not reproduce the 401: %s", out)
	}

	s.keys("q") // the proxy is serving: q asks first
	s.waitScreen("quit? the proxy stops")
	s.keys("y")
	s.waitExit()
	final, err := har.LoadHAR(matches[0])
	if err != nil || final.Truncated || len(final.Flows) != 2 {
		t.Fatalf("after q the capture should be complete: %v, truncated %v, %d flows", err, final != nil && final.Truncated, len(final.Flows))
	}
}

// provtap demo in tmux: both diagnoses on screen within seconds.
func TestTmuxDemo(t *testing.T) {
	t.Parallel()
	requireTmux(t)
	bin := provtapBinary(t)
	dir := t.TempDir()
	s := startTmux(t, 100, 30, dir, bin, "demo", "--home", filepath.Join(dir, "demo"))
	s.waitScreen("Problems (", "concurrent-session", "dropped-cookie", "lost-header", "lost-query-param")
	s.keys("Enter", "j", "Enter") // the worst problem's first request
	s.waitScreen("[Request]", "✖")
	s.keys("q")
	s.waitScreen("quit? the proxy stops")
	s.keys("y")
	s.waitExit()
}

// provtap demo --no-tui prints both diagnoses.
func TestDemoHeadless(t *testing.T) {
	t.Parallel()
	bin := provtapBinary(t)
	out, err := exec.Command(bin, "demo", "--no-tui", "--home", t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("provtap demo --no-tui: %v\n%s", err, out)
	}
	for _, want := range []string{"concurrent-session", "dropped-cookie", "lost-header", "lost-query-param", "capture: "} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// Every flow it printed was recorded (the demo goes through the same
	// pipeline as the proxy), and the capture is closed.
	m := regexp.MustCompile(`(?m)^capture: (.+)$`).FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no capture line:\n%s", out)
	}
	c, err := har.LoadHAR(m[1])
	if err != nil {
		t.Fatal(err)
	}
	printed := len(regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{3} #\d+ `).FindAllString(string(out), -1))
	if c.Truncated || len(c.Flows) != printed || printed < 10 {
		t.Errorf("capture %s: truncated %v, %d flows, %d printed", m[1], c.Truncated, len(c.Flows), printed)
	}
}
