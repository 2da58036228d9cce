package capturetest_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/internal/scenario"
)

// Traffic as provisioning engines really send it, through the real proxy:
// threads with their own cookie stores, a shared pool, two accounts in one
// process, clients without a jar, load-balancer affinity, clients that wait for the
// challenge, single sign-on. Correct clients must stay below warning; the
// refusals must be explained on the right flows.

const (
	svcUser, svcPass = "svc-iiq", "Thr3ads-4ll-0ne!"
	hrUser, hrPass   = "svc-hr-feed", "S3c0nd-Acc0unt"
)

// run starts a proxy and a Target (configured by setup) and returns a
// factory of proxied clients and a function that collects the flows.
func run(t *testing.T, tls bool, setup func(*scenario.Target)) (base string, client func(jar bool) *http.Client,
	rp *capturetest.RunningProxy, target *scenario.Target) {
	t.Helper()
	base, rp, target = startTarget(t, tls, nil, setup)
	client = func(jar bool) *http.Client {
		c := rp.Client()
		if jar {
			c.Jar, _ = cookiejar.New(nil)
		}
		return scenario.NoRedirects(c)
	}
	return base, client, rp, target
}

// settle waits for n flows and analyzes them as a saved capture would be.
func settle(t *testing.T, rp *capturetest.RunningProxy, n int) ([]*capture.Flow, []analyze.Finding) {
	t.Helper()
	flows := rp.Flows(n, 30*time.Second)
	if len(flows) < n {
		t.Fatalf("got %d flows, want %d", len(flows), n)
	}
	return flows, analyze.Run(flows)
}

func refusedIDs(flows []*capture.Flow) func(int) bool {
	return func(id int) bool {
		for _, f := range flows {
			if f.ID == id {
				return analyze.FactsOf(f).Refusal.Refused
			}
		}
		return false
	}
}

func mustSucceed(t *testing.T, errs ...error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("connector %d: %v", i, err)
		}
	}
}

// Four threads, each with its own HTTP client and cookie store, the same
// service account, the same IP and User-Agent, staggered or together: each
// keeps its own session, and nothing reaches warning.
func TestThreadsWithTheirOwnStoresAreQuiet(t *testing.T) {
	for _, stagger := range []time.Duration{0, 200 * time.Millisecond} {
		for _, tls := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stagger=%v", schemeOf(tls), stagger), func(t *testing.T) {
				base, client, rp, target := run(t, tls, nil)
				errs := scenario.RunThreads(4, stagger, func(i int) error {
					return scenario.Provisioner{Client: client(true), Base: base, User: svcUser, Password: svcPass,
						UserAgent: "IdentityIQ/8.4 (ws-connector)"}.Provision(fmt.Sprintf("thread%d-%s", i, scenario.NewAccountName()))
				})
				mustSucceed(t, errs...)
				flows, got := settle(t, rp, 12)
				analyzetest.ExpectQuiet(t, got)
				if target.Sessions() != 4 {
					t.Errorf("the server opened %d sessions, want one per thread", target.Sessions())
				}
				logFlows(t, flows, got)
			})
		}
	}
}

// Threads sharing one connection pool, each with its own cookie store (a
// shared transport, a jar per thread): connections carry several stores.
func TestThreadsSharingAPoolWithTheirOwnStoresAreQuiet(t *testing.T) {
	base, client, rp, _ := run(t, true, nil)
	shared := client(false).Transport
	errs := scenario.RunThreads(4, 50*time.Millisecond, func(i int) error {
		jar, _ := cookiejar.New(nil)
		c := scenario.NoRedirects(&http.Client{Transport: shared, Jar: jar})
		var last error
		for k := 0; k < 2; k++ {
			if err := (scenario.Provisioner{Client: c, Base: base, User: svcUser, Password: svcPass}).Provision(
				fmt.Sprintf("pool%d-%d-%s", i, k, scenario.NewAccountName())); err != nil {
				last = err
			}
		}
		return last
	})
	mustSucceed(t, errs...)
	flows, got := settle(t, rp, 24)
	analyzetest.ExpectQuiet(t, got)
	logFlows(t, flows, got)
}

// Two connectors in one process, two service accounts, each with its own
// store.
func TestTwoAccountsInOneProcessAreQuiet(t *testing.T) {
	base, client, rp, _ := run(t, false, nil)
	errs := scenario.RunThreads(2, 100*time.Millisecond, func(i int) error {
		user, pass := svcUser, svcPass
		if i == 1 {
			user, pass = hrUser, hrPass
		}
		c := client(true)
		p := scenario.Provisioner{Client: c, Base: base, User: user, Password: pass, UserAgent: "Java-http-client/17.0.9"}
		if err := p.Provision("a" + scenario.NewAccountName()); err != nil {
			return err
		}
		return p.Provision("b" + scenario.NewAccountName())
	})
	mustSucceed(t, errs...)
	flows, got := settle(t, rp, 12)
	analyzetest.ExpectQuiet(t, got)
	logFlows(t, flows, got)
}

// Four threads with their own stores against seed 1's server, which allows
// one session per user: the first thread works, the others' first calls
// are refused while its session is live — concurrent-session, on each
// refused request, with the session's flow as evidence.
func TestThreadsAgainstAOneSessionServer(t *testing.T) {
	base, client, rp, _ := run(t, false, func(tg *scenario.Target) { tg.OneSession = true })
	errs := scenario.RunThreads(4, 300*time.Millisecond, func(i int) error {
		return scenario.Provisioner{Client: client(true), Base: base, User: svcUser, Password: svcPass}.Provision(
			fmt.Sprintf("t%d-%s", i, scenario.NewAccountName()))
	})
	if errs[0] != nil {
		t.Fatalf("the first thread: %v", errs[0])
	}
	for i, err := range errs[1:] {
		if err == nil {
			t.Fatalf("thread %d was not refused", i+1)
		}
	}
	flows, got := settle(t, rp, 6)
	analyzetest.ExpectNoErrorUnlessRefused(t, got, refusedIDs(flows))
	for _, f := range flows {
		if f.Status != 401 {
			continue
		}
		fd := analyzetest.FindingOf(t, got, analyze.KindConcurrentSession, f.ID)
		if fd.Severity != analyze.Error || len(fd.Related) != 1 || fd.Related[0] != flows[0].ID {
			t.Errorf("#%d: %s related %v, want error with #%d as evidence", f.ID, fd.Line(), fd.Related, flows[0].ID)
		}
	}
	logFlows(t, flows, got)
}

// A client without a cookie jar against a server that never refuses but
// opens a session on every call: nothing failed; the waste is a warning,
// one problem, never an error.
func TestNoJarAgainstASessionPerCallServer(t *testing.T) {
	base, client, rp, target := run(t, false, nil)
	p := scenario.Provisioner{Client: client(false), Base: base, User: svcUser, Password: svcPass}
	mustSucceed(t, p.Provision(scenario.NewAccountName()), p.Provision(scenario.NewAccountName()))
	flows, got := settle(t, rp, 6)
	expectWastedSessions(t, flows, got)
	if target.Sessions() != 6 {
		t.Errorf("sessions %d", target.Sessions())
	}
	logFlows(t, flows, got)
}

// A load balancer sets AWSALB with a new value on every response; a client
// without a jar is served anyway: at most info.
func TestAffinityCookiesOnSuccessAreQuiet(t *testing.T) {
	for _, jar := range []bool{false, true} {
		t.Run(fmt.Sprintf("jar=%v", jar), func(t *testing.T) {
			base, client, rp, _ := run(t, false, func(tg *scenario.Target) { tg.Affinity, tg.NoSessions = true, true })
			p := scenario.Provisioner{Client: client(jar), Base: base, User: svcUser, Password: svcPass}
			mustSucceed(t, p.Provision(scenario.NewAccountName()), p.Provision(scenario.NewAccountName()))
			flows, got := settle(t, rp, 6)
			analyzetest.ExpectQuiet(t, got)
			logFlows(t, flows, got)
		})
	}
}

// Clients that wait for the challenge: every request goes once without
// credentials, gets 401 with WWW-Authenticate: Basic, and again with them.
// That is the HTTP authentication protocol, not a lost header.
func TestChallengeResponseIsQuiet(t *testing.T) {
	for _, tls := range []bool{false, true} {
		t.Run(schemeOf(tls), func(t *testing.T) {
			base, client, rp, _ := run(t, tls, nil)
			p := scenario.Provisioner{Client: client(true), Base: base, User: svcUser, Password: svcPass, Challenged: true}
			mustSucceed(t, p.Provision(scenario.NewAccountName()))
			flows, got := settle(t, rp, 4)
			analyzetest.ExpectQuiet(t, got)
			analyzetest.ExpectNone(t, got, analyze.KindLostHeader, analyze.KindAuthSchemeMismatch)
			logFlows(t, flows, got)
		})
	}
}

// A challenge answered with a scheme the server did not offer is still
// refused: diagnosed on the answer, not on the challenge.
func TestChallengeAnsweredWithTheWrongScheme(t *testing.T) {
	base, client, rp, _ := run(t, false, func(tg *scenario.Target) { tg.Scheme = "Bearer" })
	c := client(true)
	send := func(auth bool) {
		req, _ := http.NewRequest("GET", base+"/admin/users/x", nil)
		if auth {
			req.SetBasicAuth("svc-iiq", "wrong-scheme")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	send(false)
	send(true)
	flows, got := settle(t, rp, 2)
	analyzetest.ExpectExactly(t, got, analyzetest.Want{Kind: analyze.KindAuthSchemeMismatch, Flow: flows[1].ID, Sev: analyze.Error})
	logFlows(t, flows, got)
}

// Single sign-on answers a request without its session with a 302 to the
// sign-in page: a refusal. A client without a jar is bounced on every
// call, and each bounced request gets its dropped-cookie error.
func TestSSORedirectIsARefusal(t *testing.T) {
	t.Run("no jar", func(t *testing.T) {
		base, client, rp, _ := run(t, true, func(tg *scenario.Target) { tg.SSO = true })
		c := client(false)
		err := scenario.Provisioner{Client: c, Base: base, User: svcUser, Password: svcPass, SSO: true}.Provision(scenario.NewAccountName())
		if err == nil {
			t.Fatal("the connector without a jar must be bounced to the sign-in page")
		}
		// The engine goes on with the next identity: bounced again.
		_ = scenario.Provisioner{Client: c, Base: base, User: svcUser, Password: svcPass, SSO: true}.Provision(scenario.NewAccountName())
		flows, got := settle(t, rp, 4)
		analyzetest.ExpectNoErrorUnlessRefused(t, got, refusedIDs(flows))
		for _, f := range flows {
			if f.Status != http.StatusFound {
				continue
			}
			fd := analyzetest.FindingOf(t, got, analyze.KindDroppedCookie, f.ID)
			if fd.Severity != analyze.Error {
				t.Errorf("#%d bounced to sign-in: %s", f.ID, fd.Line())
			}
		}
		logFlows(t, flows, got)
	})
	t.Run("jar", func(t *testing.T) {
		base, client, rp, _ := run(t, true, func(tg *scenario.Target) { tg.SSO = true })
		p := scenario.Provisioner{Client: client(true), Base: base, User: svcUser, Password: svcPass, SSO: true}
		mustSucceed(t, p.Provision(scenario.NewAccountName()))
		flows, got := settle(t, rp, 4)
		analyzetest.ExpectQuiet(t, got)
		logFlows(t, flows, got)
	})
}

func logFlows(t *testing.T, flows []*capture.Flow, got []analyze.Finding) {
	t.Helper()
	for _, f := range flows {
		t.Logf("#%d conn %d %s %s → %d  cookie=%q set=%q", f.ID, f.ConnID, f.Method, f.Path(), f.Status,
			f.RequestHeader("Cookie"), f.ResponseHeader("Set-Cookie"))
	}
	t.Logf("findings:\n  %s", analyzetest.Lines(got))
}
