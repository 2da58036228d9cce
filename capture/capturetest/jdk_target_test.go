package capturetest_test

import (
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// The Target scenarios on the JDK's java.net.http.HttpClient
// (TargetConnector.java), all in one JVM, over http and https: a JVM takes
// seconds to start, a scenario milliseconds.

// jvmScenario is one scenario of a JVM program: its own Target and proxy
// (every proxy of one JVM signing with one CA, its truststore's), and what
// the run must leave behind.
type jvmScenario struct {
	name     string
	tls      bool
	setup    func(*scenario.Target)
	run      capturetest.TargetRun // Base and Proxy are filled in by start
	flows    int                   // the flows it makes
	sessions int                   // the sessions the server opens
	// challenged: its clients wait for the challenge (the first request
	// goes without credentials).
	challenged bool
	// refused: a call is refused; check asserts what must fire, and
	// nothing is expected quiet.
	refused bool
	// check, when set, asserts more on the scenario's flows.
	check func(t *testing.T, flows []*capture.Flow, got []analyze.Finding)

	target *scenario.Target
	rp     *capturetest.RunningProxy
}

// startJVMScenarios starts every scenario's Target and proxy and returns their runs.
func startJVMScenarios(t *testing.T, ca *proxy.CA, scs []*jvmScenario) []capturetest.TargetRun {
	t.Helper()
	var runs []capturetest.TargetRun
	for _, sc := range scs {
		if sc.rp == nil { // else the scenario started its own (a reverse proxy)
			sc.run.Base, sc.rp, sc.target = startTarget(t, sc.tls, ca, sc.setup)
			sc.run.Proxy = sc.rp.URL
		}
		runs = append(runs, sc.run)
	}
	return runs
}

// checkJVMScenarios asserts, for each scenario in a subtest, what a user checks: the
// calls succeeded (every identity provisioned, one session per thread)
// and nothing reached warning — or, for a refused scenario, its check.
func checkJVMScenarios(t *testing.T, scs []*jvmScenario) {
	for _, sc := range scs {
		t.Run(sc.name, func(t *testing.T) {
			flows, got := settle(t, sc.rp, sc.flows)
			if !sc.refused {
				analyzetest.ExpectQuiet(t, got)
				expectProvisioned(t, sc.target, sc.sessions, sc.run.Accounts()...)
			}
			if sc.challenged {
				analyzetest.ExpectNone(t, got, analyze.KindLostHeader, analyze.KindAuthSchemeMismatch)
				if flows[0].Status != 401 || flows[0].RequestHeader("Authorization") != "" {
					t.Errorf("#%d: want the first request without credentials, challenged", flows[0].ID)
				}
			}
			if sc.check != nil {
				sc.check(t, flows, got)
			}
			logFlows(t, flows, got)
		})
	}
}

// A java.net.Authenticator (answers the 401 challenge) with a
// CookieManager; four threads with their own HttpClient and CookieManager,
// the same account, together and staggered; two accounts in one JVM, each
// with its own client and store. Every one quiet.
func TestJDKConnectorsAgainstTheTarget(t *testing.T) {
	capturetest.RequireTool(t, "java", "keytool")
	var scs []*jvmScenario
	for _, tls := range []bool{false, true} {
		s := schemeOf(tls)
		scs = append(scs,
			&jvmScenario{name: s + "/authenticator", tls: tls, flows: 7, sessions: 1, challenged: true,
				run: capturetest.TargetRun{Client: capturetest.JDKAuthenticator,
					Threads: capturetest.SameAccount(1, 2, svcUser, svcPass)}})
		// Together, each thread waiting for its challenge; staggered, each
		// sending its credentials.
		scs = append(scs,
			&jvmScenario{name: s + "/threads/stagger=0s", tls: tls, flows: 16, sessions: 4, challenged: true,
				run: capturetest.TargetRun{Client: capturetest.JDKAuthenticator,
					Threads: capturetest.SameAccount(4, 1, svcUser, svcPass)}},
			&jvmScenario{name: s + "/threads/stagger=200ms", tls: tls, flows: 12, sessions: 4,
				run: capturetest.TargetRun{Client: capturetest.JDKBasic, Stagger: 200 * time.Millisecond,
					Threads: capturetest.SameAccount(4, 1, svcUser, svcPass)}})
		two := append(capturetest.SameAccount(1, 2, svcUser, svcPass), capturetest.SameAccount(1, 2, hrUser, hrPass)...)
		scs = append(scs, &jvmScenario{name: s + "/two accounts", tls: tls, flows: 14, sessions: 2, challenged: true,
			run: capturetest.TargetRun{Client: capturetest.JDKAuthenticator, Stagger: 100 * time.Millisecond, Threads: two}})
	}
	ca := sharedCA(t)
	runs := startJVMScenarios(t, ca, scs)
	begin := time.Now()
	if err := (capturetest.JDK{CAFile: ca.CertFile}).RunTargets(clientContext(t), runs...); err != nil {
		t.Fatal(err)
	}
	t.Logf("one JVM, %d scenarios: %v", len(runs), time.Since(begin).Round(time.Millisecond))
	checkJVMScenarios(t, scs)
}
