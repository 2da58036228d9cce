package capturetest_test

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

// TestUntrustedCAThroughProxy: clients that were pointed at the proxy but
// never told to trust its CA — Go with the system roots, curl without
// --cacert, the JDK with its own cacerts — abort the handshake; provtap says
// which client, what its TLS stack answered, and how to trust the CA. A
// client that trusts the CA is the quiet twin.
func TestUntrustedCAThroughProxy(t *testing.T) {
	capturetest.RequireTool(t, "curl", "java")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clients := []struct {
		name  string
		run   func(rp *capturetest.RunningProxy, base string) error
		stack string // what the finding says about the client's TLS stack
	}{
		{"go", func(rp *capturetest.RunningProxy, base string) error {
			u, _ := url.Parse(rp.URL)
			return scenario.RunSeed1(&http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}}, base)
		}, "Go clients"},
		{"curl", func(rp *capturetest.RunningProxy, base string) error {
			return capturetest.Curl{Proxy: rp.URL}.RunSeed1(ctx, base)
		}, "OpenSSL"},
		{"curl --tls-max 1.2", func(rp *capturetest.RunningProxy, base string) error {
			return exec.CommandContext(ctx, "curl", "-sS", "--tls-max", "1.2", "--proxy", rp.URL, "--noproxy", "", base+"/admin/users/x").Run()
		}, "OpenSSL-based clients"},
		{"jdk", func(rp *capturetest.RunningProxy, base string) error {
			return capturetest.JDK{Proxy: rp.URL}.RunSeed1(ctx, base)
		}, "JVM"},
	}
	for _, c := range clients {
		t.Run(c.name, func(t *testing.T) {
			srv := scenario.Serve(scenario.NewSessionAPI(), true)
			defer srv.Close()
			rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
			if err := c.run(rp, srv.URL); err == nil {
				t.Fatal("a client that does not trust the CA got through")
			}
			rp.Flows(1, 20*time.Second)
			time.Sleep(300 * time.Millisecond) // any retry the client makes
			flows := rp.Flows(1, 0)
			var wants []analyzetest.Want
			for _, f := range flows {
				if f.Kind != capture.KindTLSFailure {
					t.Fatalf("want only failed handshakes:\n  %s", flowLines(flows))
				}
				wants = append(wants, want(analyze.KindTLSUntrusted, f.ID, analyze.Error))
			}
			got := expectProtocol(t, flows, wants...)
			f := findingFor(t, got, analyze.KindTLSUntrusted)
			host, _, _ := strings.Cut(strings.TrimPrefix(srv.URL, "https://"), ":")
			for _, s := range []string{"The client at 127.0.0.1 ", "trust provtap's CA", host} {
				if !strings.Contains(f.Title, s) {
					t.Errorf("title lacks %q: %s", s, f.Title)
				}
			}
			if !strings.Contains(f.Detail, c.stack) || !strings.Contains(f.Detail, flows[0].ClientAddr) {
				t.Errorf("detail should name the client %s and its TLS stack (%s): %s", flows[0].ClientAddr, c.stack, f.Detail)
			}
			for _, s := range []string{"keytool -importcert", "cacerts", "certutil -addstore Root", "provtap ca --hints"} {
				if !strings.Contains(f.Fix, s) {
					t.Errorf("fix lacks %q", s)
				}
			}
		})
	}
	t.Run("trusting client", func(t *testing.T) {
		srv := scenario.Serve(scenario.NewSessionAPI(), true)
		defer srv.Close()
		rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
		if err := scenario.RunSeed1(rp.Client(), srv.URL); err == nil {
			t.Fatal("seed 1 without a cookie jar should fail on the PATCH")
		}
		got := analyze.Run(rp.Flows(2, 20*time.Second))
		for _, f := range got {
			if f.Kind == analyze.KindTLSUntrusted || f.Kind == analyze.KindAuthSchemeMismatch {
				t.Errorf("unexpected %s", f.Line())
			}
		}
	})
}
