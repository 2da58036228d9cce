package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/har"
)

// recordingUpstream is an httptest server that keeps every byte it read.
type recordingUpstream struct {
	*httptest.Server
	mu  sync.Mutex
	got bytes.Buffer
}

type upListener struct {
	net.Listener
	u *recordingUpstream
}

type upConn struct {
	net.Conn
	u *recordingUpstream
}

func (l upListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	return upConn{c, l.u}, err
}

func (c upConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.u.mu.Lock()
	c.u.got.Write(p[:n])
	c.u.mu.Unlock()
	return n, err
}

func (u *recordingUpstream) received() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.got.String()
}

func startRecordingUpstream(t *testing.T) *recordingUpstream {
	u := &recordingUpstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"resent":true}`))
	}))
	u.Listener = upListener{u.Listener, u}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

// provtap open and the live proxy in tmux, as an afternoon of debugging
// goes: keys typed in one burst all act, a header: filter finds the
// request that carried the session cookie, e sends it again with the cookie
// changed by a scripted $EDITOR (the upstream receives exactly the edited
// bytes), and q asks before it stops a proxy that is serving.
func TestTmuxFilterEditResendQuit(t *testing.T) {
	requireTmux(t)
	bin := provtapBinary(t)
	dir := t.TempDir()
	up := startRecordingUpstream(t)
	start := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	mk := func(i int, method, path string, status int, req ...string) *capture.Flow {
		f := &capture.Flow{Method: method, URL: up.URL + path, Proto: "HTTP/1.1", Status: status, ResponseProto: "HTTP/1.1",
			Start: start.Add(time.Duration(i) * time.Second), ClientAddr: "127.0.0.1:50000"}
		f.End = f.Start.Add(20 * time.Millisecond)
		f.RequestHeaders = []capture.Header{{Name: "Host", Value: strings.TrimPrefix(up.URL, "http://")}}
		for j := 0; j+1 < len(req); j += 2 {
			f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: req[j], Value: req[j+1]})
		}
		return f
	}
	flows := []*capture.Flow{
		mk(0, "POST", "/admin/login", 200, "Authorization", "Basic cDpx"),
		mk(1, "GET", "/admin/users", 200, "Authorization", "Basic cDpx"),
		mk(2, "GET", "/admin/groups", 200, "Authorization", "Basic cDpx"),
		mk(3, "GET", "/admin/users/jdoe", 200, "Authorization", "Basic cDpx", "Cookie", "JSESSIONID=S1"),
		mk(4, "DELETE", "/admin/users/old", 204, "Authorization", "Basic cDpx"),
	}
	flows[0].ResponseHeaders = []capture.Header{{Name: "Set-Cookie", Value: "JSESSIONID=S1; Path=/"}}
	path := filepath.Join(dir, "afternoon.har")
	if err := har.WriteHAR(path, flows); err != nil {
		t.Fatal(err)
	}
	loaded, err := har.LoadHAR(path)
	if err != nil {
		t.Fatal(err)
	}
	editor := filepath.Join(dir, "editor.sh")
	os.WriteFile(editor, []byte("#!/bin/sh\nsed -i 's/^Cookie: JSESSIONID=S1/Cookie: JSESSIONID=S2/' \"$1\"\n"), 0o700)

	s := startTmux(t, 100, 30, dir, "EDITOR="+editor, "VISUAL=", bin, "open", path)
	s.waitScreen("5 flows") // on the worst finding's flow
	s.keys("g")
	s.waitScreen("#1 POST 200")
	if _, err := s.tmux("send-keys", "-t", "provtap", "jjj"); err != nil { // one write, three keys
		t.Fatal(err)
	}
	if row := selectedRow(s.waitScreen("#4 GET 200")); !strings.Contains(row, "/admin/users/jdoe") {
		t.Errorf("jjj in one write must move three rows: %q", row)
	}
	s.keys("g", "/")
	s.typeText("header:Cookie")
	s.keys("Enter")
	scr := s.waitScreen("1 of 5 flows match /header:Cookie")
	if row := selectedRow(scr); !strings.Contains(row, "/admin/users/jdoe") {
		t.Errorf("header:Cookie selected %q", row)
	}
	s.keys("e")
	s.waitScreen("[Send #4 as edited]", "- Cookie: JSESSIONID=S1", "+ Cookie: JSESSIONID=S2")
	if got := up.received(); got != "" {
		t.Fatalf("sent before y: %q", got)
	}
	s.keys("y")
	s.waitScreen("#6, edited resend of #4: 200 OK")
	want := strings.Replace(string(export.RawRequest(loaded.Flows[3])), "Cookie: JSESSIONID=S1\r\n", "Cookie: JSESSIONID=S2\r\n", 1)
	if got := up.received(); got != want {
		t.Errorf("the upstream received:\n%q\nwant exactly the edited bytes:\n%q", got, want)
	}
	s.keys("q") // a saved capture: nothing is serving, q quits at once
	s.waitExit()

	listen := freePort(t)
	live := startTmux(t, 100, 30, t.TempDir(), bin, "--home", filepath.Join(dir, "home"), "--listen", listen)
	live.waitScreen("HTTPS_PROXY=http://"+listen, "provtap ca --hints", filepath.Join(dir, "home", "ca.pem"))
	live.keys("q")
	live.waitScreen("quit? the proxy stops")
	live.keys("n")
	if scr := live.waitScreen("? help"); strings.Contains(scr, "quit?") {
		t.Errorf("n must keep the proxy running:\n%s", scr)
	}
	live.keys("q")
	live.waitScreen("quit? the proxy stops")
	live.keys("y")
	live.waitExit()
}

// provtap open --filter checks the expression before opening.
func TestOpenFilterFlag(t *testing.T) {
	path, _ := bothSeedsHAR(t, t.TempDir())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"open", path, "--filter", "stauts:401"}, `provtap open: --filter "stauts:401": there is no field "stauts:"`},
		{[]string{"open", "--filter", "status:4xx -method:GET header:Cookie", path}, "needs a terminal"},
	} {
		code, _, stderr := runProvtap(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args, code, stderr, c.want)
		}
	}
}
