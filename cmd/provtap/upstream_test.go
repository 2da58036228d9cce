package main

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
)

// A target on an internal PKI: without --upstream-ca the request fails
// with a 502 that names the flag; with it the request goes through, and
// --insecure-upstream is not needed.
func TestUpstreamCA(t *testing.T) {
	t.Parallel()
	pki := capturetest.NewInternalPKI(t)
	up := pki.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"totalResults":0}`)
	}))
	for _, c := range []struct {
		name   string
		flags  []string
		status int
		body   string
	}{
		{"without --upstream-ca", nil, 502, "--upstream-ca FILE"},
		{"with --upstream-ca", []string{"--upstream-ca", pki.CAFile}, 200, `{"totalResults":0}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			h := startHeadlessAt(t, filepath.Join(dir, "home"), filepath.Join(dir, "cap.har"), append([]string{"--target", up.URL}, c.flags...)...)
			status, body := capturetest.Get(t, http.DefaultClient, h.proxy.String()+"/scim/v2/Users")
			if status != c.status || !strings.Contains(body, c.body) {
				t.Errorf("got %d %q, want %d with %q", status, body, c.status, c.body)
			}
			line := <-h.lines
			if !strings.Contains(line, fmt.Sprintf(" %d ", c.status)) {
				t.Errorf("flow line %q", line)
			}
			h.stop(t)
		})
	}
}

var answeredLine = regexp.MustCompile(`^provtap: upstream proxy (\S+) answered \(connected in [0-9.]+[µm]?s\)$`)

// --upstream-proxy is checked once at start-up, in one line; when it does
// not answer, the 502s name it.
func TestUpstreamProxyCheckedAtStartUp(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	h := startHeadlessAt(t, filepath.Join(dir, "home"), filepath.Join(dir, "down.har"), "--upstream-proxy", dead)
	port := strings.TrimPrefix(dead, "http://")
	want := "provtap: upstream proxy " + dead + " did not answer (dial tcp " + port + ": connect: connection refused); " +
		"until it does every request fails with 502 — check --upstream-proxy"
	if h.startup[0] != want {
		t.Errorf("start-up line %q\nwant %q", h.startup[0], want)
	}
	status, body := capturetest.Get(t, &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(h.proxy)}}, "http://scim.corp.test/Users")
	if status != 502 || !strings.Contains(body, "the upstream proxy "+dead+" (--upstream-proxy) is unreachable") {
		t.Errorf("through the dead upstream proxy: %d %q", status, body)
	}
	h.stop(t)

	// A corporate proxy that answers (a second provtap proxy stands in for
	// it: it forwards what it gets).
	up := okUpstream(t)
	corp := capturetest.StartProxy(t, proxy.Options{})
	h = startHeadlessAt(t, filepath.Join(dir, "home"), filepath.Join(dir, "up.har"), "--upstream-proxy", corp.URL)
	if m := answeredLine.FindStringSubmatch(h.startup[0]); m == nil || m[1] != corp.URL {
		t.Errorf("start-up line %q", h.startup[0])
	}
	if status, body := capturetest.Get(t, &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(h.proxy)}}, up+"/Users"); status != 200 || body != `{"id":"1"}` {
		t.Errorf("through the upstream proxy: %d %q", status, body)
	}
	if fs := corp.Flows(1, 10*time.Second); len(fs) != 1 {
		t.Errorf("the upstream proxy saw %d flows", len(fs))
	}
	h.stop(t)
}
