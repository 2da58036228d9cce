package proxy_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
)

// An upstream on an internal PKI: refused, with the way out named, until
// its CA is among the upstream roots; then it works without
// InsecureUpstream. Replays use the same roots.
func TestUpstreamRoots(t *testing.T) {
	t.Parallel()
	pki := capturetest.NewInternalPKI(t)
	up := pki.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"ok":true}`) }))
	roots, err := proxy.LoadRoots(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(up.URL)
	without := capturetest.StartProxy(t, proxy.Options{Target: target})
	if status, body := capturetest.Get(t, http.DefaultClient, without.URL+"/Users"); status != 502 ||
		!strings.Contains(body, "not trusted") || !strings.Contains(body, "--upstream-ca FILE") {
		t.Errorf("without the CA: %d %q", status, body)
	}
	with := capturetest.StartProxy(t, proxy.Options{Target: target, UpstreamRoots: roots})
	if status, body := capturetest.Get(t, http.DefaultClient, with.URL+"/Users"); status != 200 || body != `{"ok":true}` {
		t.Errorf("with the CA: %d %q", status, body)
	}
	f := &capture.Flow{ID: 1, Method: "GET", URL: up.URL + "/Users", Target: "/Users", Scheme: "https",
		RequestHeaders: []capture.Header{{Name: "Host", Value: target.Host}}}
	if out, err := proxy.NewReplayer(proxy.Options{}, 1).Replay(context.Background(), f); err == nil || !strings.Contains(out.Error, "--upstream-ca") {
		t.Errorf("replay without the CA: %v", err)
	}
	if out, err := proxy.NewReplayer(proxy.Options{UpstreamRoots: roots}, 1).Replay(context.Background(), f); err != nil || out.Status != 200 {
		t.Errorf("replay with the CA: %v", err)
	}
}

func TestLoadRootsRefusesAFileWithoutACertificate(t *testing.T) {
	t.Parallel()
	pki := capturetest.NewInternalPKI(t)
	if _, err := proxy.LoadRoots(pki.CAFile, "/nonexistent.pem"); err == nil {
		t.Error("a missing file was accepted")
	}
	notPEM := t.TempDir() + "/x.pem"
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	if _, err := proxy.LoadRoots(notPEM); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("not PEM: %v", err)
	}
}

// An upstream proxy that is not there: the start-up check says so, and
// the 502s name --upstream-proxy.
func TestUpstreamProxyDown(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead, _ := url.Parse("http://" + ln.Addr().String())
	ln.Close()
	if _, err := proxy.CheckUpstreamProxy(dead, 5*time.Second); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("check of a dead proxy: %v", err)
	}
	rp := capturetest.StartProxy(t, proxy.Options{UpstreamProxy: dead})
	for _, u := range []string{"http://scim.corp.test/Users", "https://scim.corp.test/Users"} {
		status, body := capturetest.Get(t, rp.Client(), u)
		if status != 502 || !strings.Contains(body, "the upstream proxy "+dead.String()+" (--upstream-proxy) is unreachable") {
			t.Errorf("%s: %d %q", u, status, body)
		}
	}
	alive, _ := url.Parse(rp.URL)
	if _, err := proxy.CheckUpstreamProxy(alive, 5*time.Second); err != nil {
		t.Errorf("check of a live proxy: %v", err)
	}
}

// A continued capture numbers its new flows after the ones it holds.
func TestNumberAfter(t *testing.T) {
	t.Parallel()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(up.Close)
	rp := capturetest.StartProxy(t, proxy.Options{NumberAfter: 17})
	capturetest.Get(t, rp.Client(), up.URL+"/a")
	if fs := rp.Flows(1, 10*time.Second); len(fs) != 1 || fs[0].ID != 18 {
		t.Errorf("flows %v", fs)
	}
}
