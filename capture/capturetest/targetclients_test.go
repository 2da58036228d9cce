package capturetest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// The Target scenarios of clients_test.go, driven by real non-Go clients
// through the real proxy: curl (curl_target_test.go), the JDK's HttpClient
// (jdk_target_test.go), Apache HttpClient 4.5 (apache_test.go) and
// python-requests (python_test.go). Helpers shared by them are here.

// startTarget starts a Target (configured by setup) and a proxy for it
// whose certificates ca signs (a fresh CA when nil: one JVM trusts one
// truststore for all its runs).
func startTarget(t *testing.T, tls bool, ca *proxy.CA, setup func(*scenario.Target)) (base string,
	rp *capturetest.RunningProxy, target *scenario.Target) {
	t.Helper()
	base, target = serveTarget(t, tls, setup)
	return base, capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true, CA: ca}), target
}

// serveTarget starts a Target configured by setup, closed by the cleanup.
func serveTarget(t *testing.T, tls bool, setup func(*scenario.Target)) (string, *scenario.Target) {
	t.Helper()
	target := scenario.NewTarget(svcUser, svcPass, hrUser, hrPass)
	if setup != nil {
		setup(target)
	}
	srv := scenario.Serve(target, tls)
	t.Cleanup(srv.Close)
	return srv.URL, target
}

// sharedCA is a CA for several proxies.
func sharedCA(t *testing.T) *proxy.CA {
	t.Helper()
	ca, err := proxy.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func clientContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// expectProvisioned asserts what the engine's operator checks after a
// run: every identity is in the group, and the server opened the given
// number of sessions (one per thread that keeps its own).
func expectProvisioned(t *testing.T, target *scenario.Target, sessions int, accounts ...string) {
	t.Helper()
	for _, a := range accounts {
		if !target.IsMember(a) {
			t.Errorf("%s was not added to the group", a)
		}
	}
	if target.Sessions() != sessions {
		t.Errorf("the server opened %d sessions, want %d", target.Sessions(), sessions)
	}
}

// expectSessionRefused asserts seed 1's diagnosis on a client without a
// jar against a one-session server: on the refused request, dropped-cookie
// and concurrent-session errors, each with the request that opened the
// session as evidence, and nothing else.
func expectSessionRefused(t *testing.T, got []analyze.Finding, refused, opened int) {
	t.Helper()
	analyzetest.ExpectExactly(t, got,
		analyzetest.Want{Kind: analyze.KindDroppedCookie, Flow: refused, Sev: analyze.Error},
		analyzetest.Want{Kind: analyze.KindConcurrentSession, Flow: refused, Sev: analyze.Error})
	for _, kind := range []string{analyze.KindDroppedCookie, analyze.KindConcurrentSession} {
		if fd := analyzetest.FindingOf(t, got, kind, refused); !slices.Equal(fd.Related, []int{opened}) {
			t.Errorf("%s: evidence %v, want #%d (the session's)", fd.Line(), fd.Related, opened)
		}
	}
}

// expectAnsweredAndRefused asserts a client that waits for the challenge
// and keeps no cookie, against a one-session server: the POST challenged
// and answered (a session opened, #2); the PATCH, without that session,
// challenged (#3) and, answered, refused (#4). Seed 1's diagnosis on the
// answer; the challenge itself raises nothing.
func expectAnsweredAndRefused(t *testing.T, flows []*capture.Flow, got []analyze.Finding) {
	t.Helper()
	if len(flows) != 4 || flows[2].Status != 401 || flows[2].RequestHeader("Authorization") != "" ||
		flows[3].Status != 401 || flows[3].RequestHeader("Authorization") == "" {
		t.Fatalf("want the PATCH challenged, answered and refused")
	}
	expectSessionRefused(t, got, flows[3].ID, flows[1].ID)
}

// expectWastedSessions asserts a client without a jar against a server
// that opens a session per call: no error, one dropped-cookie warning
// problem on the calls after the first.
func expectWastedSessions(t *testing.T, flows []*capture.Flow, got []analyze.Finding) {
	t.Helper()
	analyzetest.ExpectNoErrorUnlessRefused(t, got, refusedIDs(flows))
	r := analyze.NewReport(len(flows), got)
	if len(r.Problems) != 1 || r.Problems[0].Kind != analyze.KindDroppedCookie || r.Problems[0].Severity != analyze.Warning ||
		r.Problems[0].Count != len(flows)-1 {
		t.Errorf("want one dropped-cookie warning problem on the %d later calls, got %+v", len(flows)-1, r.Problems)
	}
}

// expectThreadsQuiet runs four connector threads of one service account,
// staggered by 200 ms, each provisioning its own identity with thread (and
// its own cookie store) through a proxy to a Target, over http and https,
// and asserts what a user checks: every call succeeded, each thread kept
// its own session, nothing reached warning.
func expectThreadsQuiet(t *testing.T, thread func(ctx context.Context, rp *capturetest.RunningProxy, base, account string) error) {
	for _, tls := range []bool{false, true} {
		t.Run(schemeOf(tls), func(t *testing.T) {
			base, rp, target := startTarget(t, tls, nil, nil)
			accounts := capturetest.TargetRun{Threads: capturetest.SameAccount(4, 1, svcUser, svcPass)}.Accounts()
			ctx := clientContext(t)
			mustSucceed(t, scenario.RunThreads(4, 200*time.Millisecond, func(i int) error {
				return thread(ctx, rp, base, accounts[i])
			})...)
			flows, got := settle(t, rp, 12)
			analyzetest.ExpectQuiet(t, got)
			expectProvisioned(t, target, 4, accounts...)
			logFlows(t, flows, got)
		})
	}
}
