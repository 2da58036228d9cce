package capturetest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// End-to-end tests of client-rejected-cookie and unresolved-template: real
// servers (internal/scenario), real clients (Apache HttpClient 4.5 from
// Debian's libhttpclient-java, curl, the JDK, Go) through the real proxy,
// over https.

// callThrough runs steps with the caller made for a fresh proxy against h
// and returns the replies and the flows the proxy saw.
func callThrough(t *testing.T, mk func(rp *capturetest.RunningProxy) scenario.Caller, h http.Handler,
	steps []scenario.Step) ([]scenario.Reply, []*capture.Flow) {
	t.Helper()
	srv := scenario.Serve(h, true)
	defer srv.Close()
	rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	replies, err := mk(rp).Call(ctx, srv.URL, steps)
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != len(steps) {
		t.Fatalf("%d replies to %d steps", len(replies), len(steps))
	}
	return replies, rp.Flows(len(steps), 30*time.Second)
}

func apacheCaller(spec string) func(rp *capturetest.RunningProxy) scenario.Caller {
	return func(rp *capturetest.RunningProxy) scenario.Caller {
		return capturetest.ApacheCaller{Apache: capturetest.Apache{JDK: capturetest.JDK{CAFile: rp.CAFile}}, Proxy: rp.URL, CookieSpec: spec}
	}
}

// keepingCallers are Go, curl and the JDK, each keeping cookies.
func keepingCallers() []func(rp *capturetest.RunningProxy) scenario.Caller {
	var out []func(rp *capturetest.RunningProxy) scenario.Caller
	for i := 0; i < 3; i++ {
		out = append(out, func(rp *capturetest.RunningProxy) scenario.Caller { return capturetest.Callers(rp)[i] })
	}
	return out
}

func statuses(rs []scenario.Reply) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

var cookieTemplateKinds = []string{analyze.KindClientRejectedCookie, analyze.KindUnresolvedTemplate}

// TestClientRejectedCookieThroughProxy is seed 1 on an IdentityIQ-style
// connector built on Apache HttpClient 4.x: the server's session cookie
// has an RFC 1123 Expires, the default cookie spec drops it, the PATCH
// goes without the session and is refused.
func TestClientRejectedCookieThroughProxy(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "java", "keytool", "curl")
	if err := capturetest.ApacheInstalled(); err != nil {
		t.Fatal(err)
	}
	t.Run("apache default spec, RFC 1123 Expires: fires", func(t *testing.T) {
		replies, flows := callThrough(t, apacheCaller(""), scenario.NewCookieExpiresAPI(scenario.ExpiresRFC1123), scenario.Seed1Steps("jdoe"))
		if got := statuses(replies); got[0] != 201 || got[1] != 401 || got[2] != 401 {
			t.Fatalf("statuses %v, want 201 then the session refused twice", got)
		}
		got := analyze.Run(flows)
		want := []analyzetest.Want{{Kind: analyze.KindClientRejectedCookie, Flow: 2, Sev: analyze.Error},
			{Kind: analyze.KindClientRejectedCookie, Flow: 3, Sev: analyze.Error}}
		if !analyzetest.ExpectAmong(t, got, cookieTemplateKinds, want...) {
			t.Logf("flows:\n  %s", flowLines(flows))
		}
		analyzetest.FindingOf(t, got, analyze.KindDroppedCookie, 2) // kept: this one explains it
		f := analyzetest.FindingOf(t, got, analyze.KindClientRejectedCookie, 2)
		sc := flows[0].ResponseHeader("Set-Cookie")
		_, expires, _ := strings.Cut(sc, "Expires=")
		if len(f.Related) != 1 || f.Related[0] != 1 || expires == "" {
			t.Fatalf("related %v, Set-Cookie %q", f.Related, sc)
		}
		for _, s := range []string{"Apache-HttpClient/4.5", "Expires=" + expires, "Invalid 'expires' attribute",
			"CookieSpecs.DEFAULT", "The server refused the request: 401", "Max-Age=900"} {
			if !strings.Contains(f.Detail, s) {
				t.Errorf("detail lacks %q:\n%s", s, f.Detail)
			}
		}
		if !strings.Contains(f.Fix, "CookieSpecs.STANDARD") || !strings.Contains(f.Fix, "Max-Age=900") {
			t.Errorf("fix %s", f.Fix)
		}
		if v := strings.TrimPrefix(strings.Split(sc, ";")[0], "JSESSIONID="); strings.Contains(f.Detail+f.Fix+f.Title, v) {
			t.Errorf("the session id %s in clear", v)
		}
		t.Logf("%s\n%s\n%s", f.Title, f.Detail, f.Fix)
	})
	quiet := []struct {
		name   string
		caller func(rp *capturetest.RunningProxy) scenario.Caller
		format scenario.ExpiresFormat
	}{
		{"apache standard spec keeps the RFC 1123 cookie", apacheCaller("standard"), scenario.ExpiresRFC1123},
		{"apache default spec keeps the Netscape form", apacheCaller(""), scenario.ExpiresNetscape},
		{"apache default spec keeps Max-Age", apacheCaller(""), scenario.ExpiresMaxAge},
	}
	for i, mk := range keepingCallers() {
		quiet = append(quiet, struct {
			name   string
			caller func(rp *capturetest.RunningProxy) scenario.Caller
			format scenario.ExpiresFormat
		}{[]string{"go", "curl", "jdk"}[i] + " keeps the RFC 1123 cookie", mk, scenario.ExpiresRFC1123})
	}
	for _, q := range quiet {
		t.Run(q.name, func(t *testing.T) {
			api := scenario.NewCookieExpiresAPI(q.format)
			api.Affinity = true
			replies, flows := callThrough(t, q.caller, api, scenario.Seed1Steps("jdoe"))
			if got := statuses(replies); got[0] != 201 || got[1] != 200 || got[2] != 200 {
				t.Fatalf("statuses %v: the client did not keep its session", got)
			}
			got := analyze.Run(flows)
			analyzetest.ExpectNone(t, got, cookieTemplateKinds...)
			analyzetest.ExpectQuiet(t, got)
		})
	}
	// A load balancer's cookie, with an Expires Apache's default spec
	// drops, on a server that needs nothing back: served all the same.
	for _, mk := range []func(rp *capturetest.RunningProxy) scenario.Caller{apacheCaller(""),
		func(rp *capturetest.RunningProxy) scenario.Caller {
			return capturetest.CurlCaller{Curl: capturetest.Curl{Proxy: rp.URL, CAFile: rp.CAFile}}
		}} {
		t.Run("affinity cookie not kept, requests succeed", func(t *testing.T) {
			_, flows := callThrough(t, mk, scenario.AffinityAPI{}, scenario.Seed1Steps("jdoe"))
			got := analyze.Run(flows)
			analyzetest.ExpectAmong(t, got, cookieTemplateKinds)
			analyzetest.ExpectQuiet(t, got)
		})
	}
}

// TestUnresolvedTemplateThroughProxy is a connector creating users on a
// required-field API, with a template that left a placeholder or "null".
func TestUnresolvedTemplateThroughProxy(t *testing.T) {
	capturetest.RequireTool(t, "java", "keytool", "curl")
	filled := `{"userName":"alice","email":"alice@example.com","displayName":"Alice"}`
	for i, mk := range keepingCallers() {
		name := []string{"go", "curl", "jdk"}[i]
		t.Run(name+"/placeholder and null refused", func(t *testing.T) {
			api := scenario.NewRequiredFieldAPI()
			replies, flows := callThrough(t, mk, api, scenario.RequiredFieldSteps(filled,
				`{"userName":"bob","email":"$plan.email$","displayName":"Bob"}`,
				`{"userName":"carol","email":"null","displayName":"Carol"}`))
			if got := statuses(replies); got[0] != 201 || got[1] != 400 || got[2] != 400 {
				t.Fatalf("statuses %v", got)
			}
			got := analyze.Run(flows)
			if !analyzetest.ExpectAmong(t, got, cookieTemplateKinds,
				analyzetest.Want{Kind: analyze.KindUnresolvedTemplate, Flow: 2, Sev: analyze.Error},
				analyzetest.Want{Kind: analyze.KindUnresolvedTemplate, Flow: 3, Sev: analyze.Error}) {
				t.Logf("flows:\n  %s", flowLines(flows))
			}
			f := analyzetest.FindingOf(t, got, analyze.KindUnresolvedTemplate, 2)
			for _, s := range []string{`"$plan.email$"`, "/email", `400 “email is a required field”`, `(#1), which succeeded, sent "alice@example.com"`} {
				if !strings.Contains(f.Detail, s) {
					t.Errorf("detail lacks %q:\n%s", s, f.Detail)
				}
			}
			if len(f.Related) != 1 || f.Related[0] != 1 {
				t.Errorf("related %v", f.Related)
			}
			if n := analyzetest.FindingOf(t, got, analyze.KindUnresolvedTemplate, 3); !strings.Contains(n.Title, `"null"`) {
				t.Errorf("null: %s", n.Title)
			}
		})
		t.Run(name+"/filled template, legitimate dollars and braces: quiet", func(t *testing.T) {
			api := scenario.NewRequiredFieldAPI()
			replies, flows := callThrough(t, mk, api, scenario.RequiredFieldSteps(filled,
				`{"userName":"bob","email":"bob@example.com","displayName":"Bob","password":"Pa${ss$w0rd","note":"costs $5, 100%",`+
					`"manager":{"value":"2819c223","$ref":"https://apps.example.com/api/v1/users/2819c223"},"middleName":""}`))
			if got := statuses(replies); got[0] != 201 || got[1] != 201 {
				t.Fatalf("statuses %v", got)
			}
			got := analyze.Run(flows)
			analyzetest.ExpectNone(t, got, cookieTemplateKinds...)
			analyzetest.ExpectQuiet(t, got)
		})
	}
}
