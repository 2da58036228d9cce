package capturetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture/capturetest"
)

// TestRedirectThroughProxy: a connector configured with the old base URL,
// curl -L and Go's client, through the proxy. A redirect to another host
// (127.0.0.1 → localhost) loses Authorization and the follow-up is refused;
// a redirect on the same host keeps it (the quiet twin).
func TestRedirectThroughProxy(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clients := map[string]func(rp *capturetest.RunningProxy, base string) error{
		"curl -L": func(rp *capturetest.RunningProxy, base string) error {
			return capturetest.Curl{Proxy: rp.URL, CAFile: rp.CAFile}.RunMoved(ctx, base)
		},
		"go": func(rp *capturetest.RunningProxy, base string) error { return scenario.RunMoved(rp.Client(), base) },
	}
	for _, tls := range []bool{false, true} {
		for name, run := range clients {
			t.Run(fmt.Sprintf("%s/%s/other host", schemeOf(tls), name), func(t *testing.T) {
				moved := scenario.Serve(&scenario.MovedAPI{}, tls)
				defer moved.Close()
				newBase := strings.Replace(moved.URL, "127.0.0.1", "localhost", 1)
				old := scenario.Serve(&scenario.MovedAPI{NewBase: newBase}, tls)
				defer old.Close()
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				var step *scenario.StepError
				if err := run(rp, old.URL); !errors.As(err, &step) || step.Status != 401 {
					t.Fatalf("want the redirected call refused with 401, got %v", err)
				}
				flows := rp.Flows(2, 20*time.Second)
				got := expectProtocol(t, flows, want(analyze.KindAuthStrippedRedirect, 2, analyze.Error))
				f := findingFor(t, got, analyze.KindAuthStrippedRedirect)
				if !strings.Contains(f.Detail, "another host (127.0.0.1 → localhost)") || len(f.Missing) != 1 ||
					f.Missing[0].Value != flows[0].RequestHeader("Authorization") || !strings.Contains(f.Fix, newBase) {
					t.Errorf("finding: %+v", f)
				}
			})
			t.Run(fmt.Sprintf("%s/%s/same host", schemeOf(tls), name), func(t *testing.T) {
				srv := scenario.Serve(&scenario.MovedAPI{}, tls)
				defer srv.Close()
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				if err := run(rp, srv.URL); err != nil {
					t.Fatalf("the same-host redirect failed: %v", err)
				}
				flows := rp.Flows(2, 20*time.Second)
				if len(flows) != 2 || flows[1].RequestHeader("Authorization") == "" || flows[1].Status != 200 {
					t.Fatalf("want the credentials kept on the same host:\n  %s", flowLines(flows))
				}
				expectProtocol(t, flows)
			})
		}
	}
}
