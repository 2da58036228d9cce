package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
)

// headless is a `provtap --no-tui` process under test.
type headless struct {
	cmd     *exec.Cmd
	proxy   *url.URL
	lines   chan string // stdout, a line at a time
	record  string
	startup []string // stderr up to the line with the listen address
	rest    chan string
}

func startHeadless(t *testing.T, extra ...string) *headless {
	t.Helper()
	dir := t.TempDir()
	return startHeadlessAt(t, filepath.Join(dir, "home"), filepath.Join(dir, "cap.har"), extra...)
}

// startHeadlessAt runs provtap --no-tui with its home and capture file.
func startHeadlessAt(t *testing.T, home, record string, extra ...string) *headless {
	t.Helper()
	h := &headless{record: record, lines: make(chan string, 100), rest: make(chan string, 100)}
	args := append([]string{"--no-tui", "--home", home, "--listen", "127.0.0.1:0", "--record", h.record}, extra...)
	h.cmd = exec.Command(provtapBinary(t), args...)
	prepareInterrupt(h.cmd)
	stdout, _ := h.cmd.StdoutPipe()
	stderr, _ := h.cmd.StderrPipe()
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.cmd.Process.Kill(); h.cmd.Wait() })
	addr := regexp.MustCompile(`^provtap: (?:forward proxy|reverse) http://(127\.0\.0\.1:\d+)`)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		h.startup = append(h.startup, sc.Text())
		if m := addr.FindStringSubmatch(sc.Text()); m != nil {
			h.proxy, _ = url.Parse("http://" + m[1])
			break
		}
	}
	if h.proxy == nil {
		t.Fatalf("provtap did not report its listen address: %q", h.startup)
	}
	go func() {
		for sc.Scan() {
			h.rest <- sc.Text()
		}
		close(h.rest)
	}()
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	return h
}

// stop sends SIGINT and returns the exit error and what stderr said after
// start-up.
func (h *headless) stop(t *testing.T) (error, []string) {
	t.Helper()
	if err := interrupt(h.cmd.Process); err != nil {
		t.Errorf("interrupting provtap: %v", err)
		h.cmd.Process.Kill()
	}
	var rest []string
	for l := range h.rest {
		rest = append(rest, l)
	}
	return h.cmd.Wait(), rest
}

func (h *headless) send(t *testing.T, n int, upstream string) {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(h.proxy)}}
	for i := 0; i < n; i++ {
		res, err := client.Get(fmt.Sprintf("%s/Users/%d", upstream, i))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	for i := 0; i < n; i++ {
		select {
		case line := <-h.lines:
			if !strings.Contains(line, "GET") || !strings.Contains(line, "200") || !strings.Contains(line, "/Users/") {
				t.Errorf("headless line %q", line)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d flow lines printed", i)
		}
	}
}

func okUpstream(t *testing.T) string {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"id":"1"}`)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func TestKill9KeepsEveryFlowPrinted(t *testing.T) {
	t.Parallel()
	up := okUpstream(t)
	h := startHeadless(t)
	h.send(t, 3, up)
	h.cmd.Process.Signal(syscall.SIGKILL)
	h.cmd.Wait()
	c, err := har.LoadHAR(h.record)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Flows) != 3 || !c.Truncated {
		t.Fatalf("recovered %d flows (truncated %v), want the 3 printed", len(c.Flows), c.Truncated)
	}
	if c.Flows[2].URL != up+"/Users/2" || c.Flows[2].ID != 3 {
		t.Errorf("flow 3 is %s", c.Flows[2].URL)
	}
}

func TestSIGINTClosesValidPrivateHAR(t *testing.T) {
	t.Parallel()
	up := okUpstream(t)
	h := startHeadless(t)
	h.send(t, 2, up)
	if err := interrupt(h.cmd.Process); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v", err)
	}
	data, err := os.ReadFile(h.record)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Version string            `json:"version"`
			Entries []json.RawMessage `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Log.Version != "1.2" || len(doc.Log.Entries) != 2 {
		t.Fatalf("capture is not complete HAR 1.2 with 2 entries: %v %+v", err, doc.Log.Version)
	}
	capturetest.WantMode(t, h.record, 0o600)
}

func TestNonLoopbackListenNeedsProxyAuth(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(provtapBinary(t), "--no-tui", "--home", t.TempDir(), "--listen", "0.0.0.0:0").CombinedOutput()
	if code := exitCode(err); code != 2 || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "--proxy-auth") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
