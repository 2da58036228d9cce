// The end-to-end tests drive real clients for seconds each; the slow ones
// without tight timing call t.Parallel, so they run beside each other rather
// than one after another (this package is CI's longest).
package capturetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
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

// The acceptance tests of issue 4: both seeds, driven by real clients
// through the real proxy over http and https; every finding's kind, flow and
// severity asserted, and nothing of warning or above for correct clients.

// want is one expected finding: kind, flow, severity.
func want(kind string, flow int, sev analyze.Severity) analyzetest.Want {
	return analyzetest.Want{Kind: kind, Flow: flow, Sev: sev}
}

// connector runs one seed connector through the proxy.
type connector struct {
	name string
	keep bool // keeps cookies (seed 1)
	run1 func(t *testing.T, rp *capturetest.RunningProxy, base string) error
	run2 func(t *testing.T, rp *capturetest.RunningProxy, base string, c scenario.Seed2Client) error
}

func connectors(ctx context.Context) []connector {
	goClient := func(t *testing.T, rp *capturetest.RunningProxy, jar bool) *http.Client {
		c := rp.Client()
		if jar {
			j, err := cookiejar.New(nil)
			if err != nil {
				t.Fatal(err)
			}
			c.Jar = j
		}
		return c
	}
	curl := func(t *testing.T, rp *capturetest.RunningProxy, jar bool) capturetest.Curl {
		c := capturetest.Curl{Proxy: rp.URL, CAFile: rp.CAFile}
		if jar {
			c.Jar = filepath.Join(t.TempDir(), "cookies.txt")
		}
		return c
	}
	jdk := func(rp *capturetest.RunningProxy, cm bool) capturetest.JDK {
		return capturetest.JDK{Proxy: rp.URL, CAFile: rp.CAFile, CookieManager: cm}
	}
	var out []connector
	for _, keep := range []bool{false, true} {
		keep := keep
		out = append(out,
			connector{"go", keep,
				func(t *testing.T, rp *capturetest.RunningProxy, base string) error {
					return scenario.RunSeed1(goClient(t, rp, keep), base)
				},
				func(t *testing.T, rp *capturetest.RunningProxy, base string, c scenario.Seed2Client) error {
					return scenario.RunSeed2(goClient(t, rp, keep), base, c)
				}},
			connector{"curl", keep,
				func(t *testing.T, rp *capturetest.RunningProxy, base string) error {
					return curl(t, rp, keep).RunSeed1(ctx, base)
				},
				func(t *testing.T, rp *capturetest.RunningProxy, base string, c scenario.Seed2Client) error {
					return curl(t, rp, keep).RunSeed2(ctx, base, c)
				}},
			connector{"jdk", keep,
				func(t *testing.T, rp *capturetest.RunningProxy, base string) error {
					return jdk(rp, keep).RunSeed1(ctx, base)
				},
				func(t *testing.T, rp *capturetest.RunningProxy, base string, c scenario.Seed2Client) error {
					return jdk(rp, keep).RunSeed2(ctx, base, c)
				}},
		)
	}
	return out
}

// expectFindings asserts exactly these findings, and shows the flows when
// they differ.
func expectFindings(t *testing.T, flows []*capture.Flow, wants ...analyzetest.Want) {
	t.Helper()
	if !analyzetest.ExpectExactly(t, analyze.Run(flows), wants...) {
		var fl []string
		for _, f := range flows {
			fl = append(fl, fmt.Sprintf("#%d %s %s %d cookie=%q", f.ID, f.Method, f.URL, f.Status, f.RequestHeader("Cookie")))
		}
		t.Logf("flows:\n  %s", strings.Join(fl, "\n  "))
	}
}

func TestSeed1ThroughProxy(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, tls := range []bool{false, true} {
		for _, c := range connectors(ctx) {
			t.Run(fmt.Sprintf("%s/%s/keep-cookies=%v", schemeOf(tls), c.name, c.keep), func(t *testing.T) {
				srv := scenario.Serve(scenario.NewSessionAPI(), tls)
				defer srv.Close()
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				err := c.run1(t, rp, srv.URL)
				if c.keep {
					if err != nil {
						t.Fatalf("the connector that keeps cookies failed: %v", err)
					}
					expectFindings(t, rp.Flows(3, 20*time.Second))
					return
				}
				var step *scenario.StepError
				if !errors.As(err, &step) || step.Status != 401 || !strings.HasPrefix(step.Step, "PATCH ") {
					t.Fatalf("want the PATCH refused, got %v", err)
				}
				expectFindings(t, rp.Flows(2, 20*time.Second),
					want(analyze.KindDroppedCookie, 2, analyze.Error),
					want(analyze.KindConcurrentSession, 2, analyze.Error))
			})
		}
	}
}

func TestSeed2ThroughProxy(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	configs := []struct {
		name  string
		cfg   scenario.Seed2Client
		flows int
		wants []analyzetest.Want
	}{
		{"key in header and query on reads only", scenario.Seed2ReadsOnly, 5, []analyzetest.Want{
			want(analyze.KindLostHeader, 5, analyze.Error), want(analyze.KindLostQueryParam, 5, analyze.Error)}},
		{"key in header on reads only, PUT", scenario.Seed2Client{KeyInHeader: true}, 4, []analyzetest.Want{
			want(analyze.KindLostHeader, 4, analyze.Error)}},
		{"key in query on reads only", scenario.Seed2Client{KeyInQuery: true, ReadConfig: true}, 5, []analyzetest.Want{
			want(analyze.KindLostQueryParam, 5, analyze.Error)}},
		{"key on every call", scenario.Seed2Correct, 5, nil},
	}
	for _, tls := range []bool{false, true} {
		for _, c := range connectors(ctx) {
			if c.keep {
				continue // cookies play no part in seed 2
			}
			for _, cfg := range configs {
				if c.name != "go" && cfg.name != configs[0].name && cfg.name != "key on every call" {
					continue // every configuration on Go; the seed and the fix on curl and the JDK
				}
				t.Run(fmt.Sprintf("%s/%s/%s", schemeOf(tls), c.name, cfg.name), func(t *testing.T) {
					srv := scenario.Serve(scenario.NewGateway(), tls)
					defer srv.Close()
					rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
					err := c.run2(t, rp, srv.URL, cfg.cfg)
					if cfg.wants == nil && err != nil {
						t.Fatalf("the correct connector failed: %v", err)
					}
					var step *scenario.StepError
					if cfg.wants != nil && (!errors.As(err, &step) || step.Status != 401) {
						t.Fatalf("want the write refused, got %v", err)
					}
					expectFindings(t, rp.Flows(cfg.flows, 20*time.Second), cfg.wants...)
				})
			}
		}
	}
}
