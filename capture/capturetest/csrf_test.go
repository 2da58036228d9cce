package capturetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture/capturetest"
)

var csrfAccount atomic.Int64

func newCSRFAccount() string { return fmt.Sprintf("JDOE%d", csrfAccount.Add(1)) }

// csrfCases are the connector configurations and what provtap must say.
var csrfCases = []struct {
	name    string
	cfg     scenario.CSRFClient
	flows   int
	want    []analyzetest.Want
	missing string // the Where of the finding's first Missing
}{
	{"token echoed with its session", scenario.CSRFCorrect, 2, nil, ""},
	{"token not sent", scenario.CSRFNoToken, 2, []analyzetest.Want{want(analyze.KindCSRFToken, 2, analyze.Error)}, "header"},
	{"session cookie not kept", scenario.CSRFNoCookies, 2, []analyzetest.Want{want(analyze.KindCSRFToken, 2, analyze.Error)}, "cookie"},
	{"stale token", scenario.CSRFStale, 3, []analyzetest.Want{want(analyze.KindCSRFToken, 3, analyze.Error)}, "header"},
}

// TestCSRFThroughProxy drives the JDK connector (and Go's client over plain
// http) against the CSRF server through the proxy.
func TestCSRFThroughProxy(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	type runner func(rp *capturetest.RunningProxy, base string, c scenario.CSRFClient) error
	runners := []struct {
		name string
		tls  bool
		run  runner
	}{
		{"jdk", true, func(rp *capturetest.RunningProxy, base string, c scenario.CSRFClient) error {
			return capturetest.JDK{Proxy: rp.URL, CAFile: rp.CAFile}.RunCSRF(ctx, base, c, newCSRFAccount())
		}},
		{"go", false, func(rp *capturetest.RunningProxy, base string, c scenario.CSRFClient) error {
			client := rp.Client()
			if c.KeepCookies {
				client.Jar, _ = cookiejar.New(nil)
			}
			return scenario.RunCSRF(client, base, c, newCSRFAccount())
		}},
	}
	for _, r := range runners {
		for _, c := range csrfCases {
			t.Run(fmt.Sprintf("%s/%s/%s", schemeOf(r.tls), r.name, c.name), func(t *testing.T) {
				api := scenario.NewCSRFAPI()
				srv := scenario.Serve(api, r.tls)
				defer srv.Close()
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				err := r.run(rp, srv.URL, c.cfg)
				if c.want == nil {
					if err != nil || len(api.Users()) != 1 {
						t.Fatalf("the correct connector failed: %v", err)
					}
				} else if step := (*scenario.StepError)(nil); !errors.As(err, &step) || step.Status != http.StatusForbidden ||
					!strings.HasPrefix(step.Step, "POST ") {
					t.Fatalf("want the POST refused with 403, got %v", err)
				}
				flows := rp.Flows(c.flows, 30*time.Second)
				got := expectProtocol(t, flows, c.want...)
				t.Logf("findings:\n  %s", analyzetest.Lines(got))
				if c.want == nil {
					return
				}
				f := findingFor(t, got, analyze.KindCSRFToken)
				if len(f.Missing) == 0 || f.Missing[0].Where != c.missing {
					t.Errorf("missing %+v, want a %s first", f.Missing, c.missing)
				}
				if !strings.Contains(strings.ToLower(f.Detail), "x-csrf-token: required") || len(f.Related) == 0 || f.Related[0] != 1 {
					t.Errorf("detail %s related %v", f.Detail, f.Related)
				}
			})
		}
	}
}
