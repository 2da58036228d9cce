package capturetest_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture/capturetest"
)

// TestBearerThroughProxy: a SCIM connector with OAuth client credentials on
// the JDK (over https) and on Go (over http), through the proxy. Tokens live
// 1 s (exp up to 2 s away); the connector waits past that before its write.
// Keeping the token of start-up is refused as expired; refreshing it in time
// is the quiet twin; sending Basic to the Bearer-only API is a scheme
// mismatch. Not parallel: the token lives 1 s.
func TestBearerThroughProxy(t *testing.T) {
	capturetest.RequireTool(t, "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	const ttl = time.Second
	wait := ttl + time.Second + 300*time.Millisecond // past exp, whole seconds rounded up
	cases := []struct {
		name  string
		cfg   scenario.BearerClient
		flows int
		want  []analyzetest.Want
	}{
		{"token kept past exp", scenario.BearerClient{Wait: wait}, 3, []analyzetest.Want{want(analyze.KindExpiredToken, 3, analyze.Error)}},
		{"token refreshed in time", scenario.BearerClient{Wait: wait, Refresh: true}, 4, nil},
		// The first call's Basic answers no challenge; the write after the
		// Bearer challenge answers it with the wrong scheme.
		{"Basic to a Bearer API", scenario.BearerClient{Basic: true}, 2, []analyzetest.Want{want(analyze.KindAuthSchemeMismatch, 2, analyze.Error)}},
	}
	runners := []struct {
		name string
		tls  bool
		run  func(rp *capturetest.RunningProxy, base string, c scenario.BearerClient) error
	}{
		{"jdk", true, func(rp *capturetest.RunningProxy, base string, c scenario.BearerClient) error {
			return capturetest.JDK{Proxy: rp.URL, CAFile: rp.CAFile}.RunBearer(ctx, base, c)
		}},
		{"go", false, func(rp *capturetest.RunningProxy, base string, c scenario.BearerClient) error {
			return scenario.RunBearer(rp.Client(), base, c)
		}},
	}
	for _, r := range runners {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%s/%s", schemeOf(r.tls), r.name, c.name), func(t *testing.T) {
				api := scenario.NewTokenAPI(ttl)
				srv := scenario.Serve(api, r.tls)
				defer srv.Close()
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				err := r.run(rp, srv.URL, c.cfg)
				var step *scenario.StepError
				switch {
				case c.want == nil:
					if err != nil || !api.IsMember(scenario.TokenNewMember) {
						t.Fatalf("the connector that refreshes its token failed: %v", err)
					}
				case !errors.As(err, &step) || step.Status != 401:
					t.Fatalf("want a call refused with 401, got %v", err)
				}
				flows := rp.Flows(c.flows, 30*time.Second)
				got := expectProtocol(t, flows, c.want...)
				t.Logf("findings:\n  %s", analyzetest.Lines(got))
				if c.want == nil || c.want[0].Kind != analyze.KindExpiredToken {
					return
				}
				f := findingFor(t, got, analyze.KindExpiredToken)
				for _, s := range []string{"whose exp is", "before the request", "#1 (POST /oauth2/token) issued it",
					"#2 (GET /scim/v2/Users) was the last request that got through with it", `error="invalid_token"`} {
					if !strings.Contains(f.Detail, s) {
						t.Errorf("detail lacks %q:\n%s", s, f.Detail)
					}
				}
				if fmt.Sprint(f.Related) != "[1 2]" {
					t.Errorf("related %v", f.Related)
				}
			})
		}
	}
}

// TestBasicChallengeAnsweredWithBasic is auth-scheme-mismatch's quiet twin
// with a real client: curl --anyauth sends nothing, reads the Basic
// challenge, and answers it with Basic.
func TestBasicChallengeAnsweredWithBasic(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	for _, tls := range []bool{false, true} {
		t.Run(schemeOf(tls), func(t *testing.T) {
			srv := scenario.Serve(&scenario.MovedAPI{}, tls)
			defer srv.Close()
			rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
			out, err := exec.Command("curl", "-sS", "--fail", "--anyauth", "-u", scenario.MovedUser+":"+scenario.MovedPassword,
				"--proxy", rp.URL, "--noproxy", "", "--cacert", rp.CAFile, srv.URL+"/v2/Users").CombinedOutput()
			if err != nil {
				t.Fatalf("curl --anyauth: %v %s", err, out)
			}
			flows := rp.Flows(2, 20*time.Second)
			if len(flows) != 2 || flows[0].Status != 401 || flows[0].RequestHeader("Authorization") != "" ||
				!strings.HasPrefix(flows[1].RequestHeader("Authorization"), "Basic ") || flows[1].Status != 200 {
				t.Fatalf("want a 401 challenge answered with Basic:\n  %s", flowLines(flows))
			}
			expectProtocol(t, flows)
		})
	}
}
