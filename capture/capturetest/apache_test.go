package capturetest_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// The Target scenarios on Apache HttpClient 4.5 (Debian's
// libhttpclient-java; ApacheConnector.java), all in one JVM, over http and
// https. Every thread has a BasicCookieStore and a
// BasicCredentialsProvider, without preemptive authentication: a request
// goes first without credentials, gets 401 with a Basic challenge, and is
// repeated with them — the HTTP authentication protocol, not a lost header.
func TestApacheHttpClientAgainstTheTarget(t *testing.T) {
	capturetest.RequireTool(t, "java", "keytool")
	if err := capturetest.ApacheInstalled(); err != nil {
		t.Fatal(err)
	}
	ca := sharedCA(t)
	var scs, system []*jvmScenario
	for _, tls := range []bool{false, true} {
		s := schemeOf(tls)
		sys := &jvmScenario{name: s + "/createSystem", tls: tls, flows: 4, sessions: 1, challenged: true,
			run: capturetest.TargetRun{Client: capturetest.ApacheSystem, Threads: capturetest.SameAccount(1, 1, svcUser, svcPass)},
			// The proxy comes from -Dhttp(s).proxyHost, and it alone: this
			// proxy saw the scenario's calls and no others (createDefault's).
			check: func(t *testing.T, flows []*capture.Flow, _ []analyze.Finding) {
				if len(flows) != 4 {
					t.Errorf("the system proxy saw %d flows, want this scenario's 4", len(flows))
				}
			}}
		system = append(system, sys)
		scs = append(scs,
			// One client, the store and credentials its defaults, two identities.
			&jvmScenario{name: s + "/credentials provider", tls: tls, flows: 7, sessions: 1, challenged: true,
				run: capturetest.TargetRun{Client: capturetest.ApacheOwnClient, Threads: capturetest.SameAccount(1, 2, svcUser, svcPass)}},
			// One client and connection pool for four threads, each with its
			// own HttpClientContext and BasicCookieStore: connections carry
			// several stores.
			&jvmScenario{name: s + "/threads sharing a pool", tls: tls, flows: 28, sessions: 4, challenged: true,
				run: capturetest.TargetRun{Client: capturetest.ApacheSharedPool, Stagger: 50 * time.Millisecond,
					Threads: capturetest.SameAccount(4, 2, svcUser, svcPass)}},
			sys,
			// Cookie management disabled, against seed 1's one-session
			// server: the PATCH goes without the session, is challenged,
			// answered and refused.
			&jvmScenario{name: s + "/no cookies against a one-session server", tls: tls, flows: 4, challenged: true, refused: true,
				setup: func(tg *scenario.Target) { tg.OneSession = true },
				run:   capturetest.TargetRun{Client: capturetest.ApacheNoCookies, Threads: capturetest.SameAccount(1, 1, svcUser, svcPass)},
				check: expectAnsweredAndRefused})
	}
	// createDefault() ignores -Dhttps.proxyHost and connects directly:
	// reverse mode (--target) is the way in.
	base, target := serveTarget(t, true, nil)
	u, _ := url.Parse(base)
	reverse := &jvmScenario{name: "reverse/createDefault", flows: 4, sessions: 1, challenged: true, target: target,
		rp:  capturetest.StartProxy(t, proxy.Options{Target: u, InsecureUpstream: true, CA: ca}),
		run: capturetest.TargetRun{Client: capturetest.ApacheDefault, Threads: capturetest.SameAccount(1, 1, svcUser, svcPass)}}
	reverse.run.Base = reverse.rp.URL
	scs = append(scs, reverse)
	runs := startJVMScenarios(t, ca, scs)
	begin := time.Now()
	err := capturetest.Apache{JDK: capturetest.JDK{CAFile: ca.CertFile},
		SystemHTTPProxy: system[0].rp.URL, SystemHTTPSProxy: system[1].rp.URL}.RunTargets(clientContext(t), runs...)
	expectRefusedStep(t, err, "PATCH ") // the connector without cookies; the others succeed (check)
	t.Logf("one JVM, %d scenarios: %v", len(runs), time.Since(begin).Round(time.Millisecond))
	checkJVMScenarios(t, scs)
}
