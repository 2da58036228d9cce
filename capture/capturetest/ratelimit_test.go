package capturetest_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// End-to-end tests of rate-limited and lookup-create-conflict: the
// scenario servers that really limit and really disagree with themselves,
// driven through the proxy by Go's net/http, the curl binary and the JDK's
// HttpClient (capturetest.Callers).

// rateKinds are the analyzers these tests judge exactly; every other
// finding must stay below warning when none is wanted.
var rateKinds = []string{analyze.KindRateLimited, analyze.KindLookupCreateConflict}

var rateRun atomic.Int64

// callerNames are capturetest.Callers' clients, in order.
var callerNames = []string{"go", "curl", "jdk"}

// callerOf is the i-th of capturetest.Callers(rp).
func callerOf(t *testing.T, rp *capturetest.RunningProxy, i int) scenario.Caller {
	switch callerNames[i] {
	case "curl":
		capturetest.RequireTool(t, "curl")
	case "jdk":
		capturetest.RequireTool(t, "java", "keytool")
	}
	return capturetest.Callers(rp)[i]
}

func statusLine(rs []scenario.Reply) string {
	var out []string
	for _, r := range rs {
		out = append(out, strconv.Itoa(r.Status))
	}
	return strings.Join(out, " ")
}

// expectRate analyzes flows and asserts the findings of rateKinds are
// exactly wants (with none: nothing at all of them, and nothing else at
// warning or above).
func expectRate(t *testing.T, flows []*capture.Flow, wants ...analyzetest.Want) []analyze.Finding {
	t.Helper()
	got := analyze.Run(flows)
	if !analyzetest.ExpectAmong(t, got, rateKinds, wants...) {
		t.Logf("flows:\n  %s", flowLines(flows))
	}
	t.Logf("findings:\n  %s", analyzetest.Lines(got))
	return got
}

func detailHas(t *testing.T, f analyze.Finding, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(f.Detail, p) {
			t.Errorf("%s #%d: detail lacks %q:\n%s", f.Kind, f.Flow, p, f.Detail)
		}
	}
}

// TestRateLimitedThroughProxy: a connector that waits Retry-After is quiet;
// one that retries at once gets an error on its refused retry; one that
// gives up gets the 429 named (a warning when the capture ends before
// provtap's window, an error live once the window passed). Not parallel,
// like TestBearerThroughProxy: its margins are a second or two
// (Retry-After: 2), which two JVMs starting beside it can eat.
func TestRateLimitedThroughProxy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cases := []struct {
		name     string
		client   scenario.RateClient
		wait     time.Duration
		statuses string
		want     []analyzetest.Want
	}{
		{"waits Retry-After", scenario.RateWaits, time.Second, "201 201 429 201", nil},
		// Retry-After 2 s: a curl process starts well within it on a busy machine.
		{"retries at once", scenario.RateAtOnce, 2 * time.Second, "201 201 429 429 201",
			[]analyzetest.Want{want(analyze.KindRateLimited, 4, analyze.Error)}},
		{"gives up", scenario.RateGivesUp, time.Second, "201 201 429 200",
			[]analyzetest.Want{want(analyze.KindRateLimited, 3, analyze.Warning)}},
	}
	for i, client := range callerNames {
		for _, c := range cases {
			t.Run(client+"/"+c.name, func(t *testing.T) {
				api := scenario.NewRateLimitAPI(2, c.wait)
				srv := scenario.Serve(api, true)
				defer srv.Close()
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				caller := callerOf(t, rp, i)
				steps := scenario.RateSteps(c.client, fmt.Sprint("-", rateRun.Add(1)), c.wait, 300*time.Millisecond)
				replies, err := caller.Call(ctx, srv.URL, steps)
				if err != nil || statusLine(replies) != c.statuses {
					t.Fatalf("%s: replies %q (want %q), %v", caller.Name(), statusLine(replies), c.statuses, err)
				}
				flows := rp.Flows(len(steps), 30*time.Second)
				got := expectRate(t, flows, c.want...)
				if c.want == nil {
					analyzetest.ExpectQuiet(t, got)
					return
				}
				f := analyzetest.FindingOf(t, got, analyze.KindRateLimited, c.want[0].Flow)
				switch c.client {
				case scenario.RateAtOnce:
					// #2 had said RateLimit-Remaining: 0, #3 was the 429.
					if fmt.Sprint(f.Related) != "[2 3]" || !strings.Contains(f.Title, "after a 429 that said Retry-After: 2") {
						t.Errorf("title %q related %v", f.Title, f.Related)
					}
					detailHas(t, f, "#3 (POST /scim/v2/Users) was answered 429 Too Many Requests", "RateLimit-Remaining: 0",
						"wait 2 s (Retry-After: 2)", "too early", "The server limited it again",
						"Before the first 429 (#3) this client sent 3 requests to the API",
						"#2 had already answered RateLimit-Remaining: 0")
				case scenario.RateGivesUp:
					detailHas(t, f, "wait 1 s (Retry-After: 1)", "The capture ends", "the client may have given up")
					// Live, provtap settles the 429 once its window has passed without a retry.
					e := analyze.NewEngine()
					var live []analyze.Finding
					for _, fl := range flows {
						live = append(live, e.Add(fl)...)
					}
					live = append(live, e.Tick(flows[len(flows)-1].End.Add(40*time.Second), 0)...)
					g := analyzetest.FindingOf(t, live, analyze.KindRateLimited, 3)
					if g.Severity != analyze.Error || !strings.Contains(g.Detail, "it gave up, and the POST was never done") {
						t.Errorf("live: %s\n%s", g.Line(), g.Detail)
					}
				}
				if !strings.Contains(f.Fix, "Retry-After") {
					t.Errorf("fix %q", f.Fix)
				}
			})
		}
	}
}

// TestRateLimited503ThroughProxy: a gateway shedding load with 503 and an
// HTTP-date Retry-After; the Go connector that retries at once is named, the
// one that waits is quiet.
func TestRateLimited503ThroughProxy(t *testing.T) {
	for _, c := range []struct {
		client   scenario.RateClient
		statuses string
		want     []analyzetest.Want
	}{
		{scenario.RateWaits, "201 201 503 201", nil},
		{scenario.RateAtOnce, "201 201 503 503 201", []analyzetest.Want{want(analyze.KindRateLimited, 4, analyze.Error)}},
	} {
		t.Run(fmt.Sprint(c.client), func(t *testing.T) {
			api := scenario.NewRateLimitAPI(2, 2*time.Second)
			api.Unavailable, api.HTTPDate = true, true
			srv := scenario.Serve(api, false)
			defer srv.Close()
			rp := capturetest.StartProxy(t, proxy.Options{})
			steps := scenario.RateSteps(c.client, fmt.Sprint("-", rateRun.Add(1)), 2*time.Second, 300*time.Millisecond)
			replies, err := scenario.GoCaller{Client: rp.Client()}.Call(context.Background(), srv.URL, steps)
			if err != nil || statusLine(replies) != c.statuses {
				t.Fatalf("replies %q, %v", statusLine(replies), err)
			}
			got := expectRate(t, rp.Flows(len(steps), 30*time.Second), c.want...)
			if c.want == nil {
				analyzetest.ExpectQuiet(t, got)
				return
			}
			f := analyzetest.FindingOf(t, got, analyze.KindRateLimited, 4)
			detailHas(t, f, "503 Service Unavailable", "(Retry-After: "+replies[2].Header.Get("Retry-After")+")")
		})
	}
}

// TestRateLimitedThreadsShareAccount: four threads of one connector, each
// with its own client and connections, the same account, against a limit
// per account: the threads that are refused wait Retry-After and retry;
// another thread's requests in the meantime are not retries. Quiet.
func TestRateLimitedThreadsShareAccount(t *testing.T) {
	api := scenario.NewRateLimitAPI(3, time.Second)
	srv := scenario.Serve(api, false)
	defer srv.Close()
	rp := capturetest.StartProxy(t, proxy.Options{})
	run := rateRun.Add(1)
	var wg sync.WaitGroup
	var sent atomic.Int64
	errs := make(chan error, 4)
	for th := 0; th < 3; th++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			caller := scenario.GoCaller{Client: rp.Client()}
			for u := 0; u < 2; u++ {
				step := scenario.RateSteps(scenario.RateWaits, fmt.Sprintf("-%d-t%d-%d", run, th, u), 0, 0)[0]
				for attempt := 0; ; attempt++ {
					rs, err := caller.Call(context.Background(), srv.URL, []scenario.Step{step})
					sent.Add(1)
					if err != nil || attempt > 5 {
						errs <- fmt.Errorf("thread %d: %v (attempt %d)", th, err, attempt)
						return
					}
					if rs[0].Status != http.StatusTooManyRequests {
						break
					}
					secs, _ := strconv.Atoi(rs[0].Header.Get("Retry-After"))
					step.Pause = time.Duration(secs)*time.Second + 200*time.Millisecond
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(api.UserNames()) != 6 || api.Limited() == 0 {
		t.Fatalf("users %v, %d limited", api.UserNames(), api.Limited())
	}
	got := expectRate(t, rp.Flows(int(sent.Load()), 30*time.Second))
	analyzetest.ExpectQuiet(t, got)
}

// TestLookupCreateConflictThroughProxy: the connector correlates by a
// userName lookup and creates what it did not find.
func TestLookupCreateConflictThroughProxy(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cases := []struct {
		name     string
		mode     scenario.LookupMode
		user     string
		statuses string
		want     []analyzetest.Want
		detail   []string
	}{
		{"case-sensitive filter", scenario.LookupCaseSensitive, "JDoe", "200 409",
			[]analyzetest.Want{want(analyze.KindLookupCreateConflict, 2, analyze.Error)},
			[]string{`#1 (GET /scim/v2/Users) looked the resource up with filter=userName eq "JDoe" (as sent: filter=userName%20eq%20%22JDoe%22)`,
				"totalResults 0 and no Resources (a conformant ListResponse)", "409 “User with userName jdoe already exists” (scimType uniqueness)",
				`The server holds it as "jdoe", the lookup asked for "JDoe"`, "caseExact=false"}},
		{"filter ignored", scenario.LookupIgnoresFilter, "jdoe", "200 409",
			[]analyzetest.Want{want(analyze.KindLookupCreateConflict, 2, analyze.Error)},
			[]string{`with 1 resources none of which has userName "jdoe" ("asmith"…): the server ignored the filter`, "invalidFilter"}},
		{"correct server finds the user", scenario.LookupCorrect, "JDoe", "200 200", nil, nil},
		{"new user created", scenario.LookupCaseSensitive, "mnew", "200 201", nil, nil},
	}
	for i, client := range callerNames {
		for _, c := range cases {
			t.Run(client+"/"+c.name, func(t *testing.T) {
				api := scenario.NewLookupAPI(c.mode)
				srv := scenario.Serve(api, true)
				defer srv.Close()
				rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
				replies, err := scenario.ProvisionByLookup(ctx, callerOf(t, rp, i), srv.URL, c.user)
				if err != nil || statusLine(replies) != c.statuses {
					t.Fatalf("replies %q (want %q), %v", statusLine(replies), c.statuses, err)
				}
				got := expectRate(t, rp.Flows(2, 30*time.Second), c.want...)
				if c.want == nil {
					analyzetest.ExpectQuiet(t, got)
					return
				}
				f := analyzetest.FindingOf(t, got, analyze.KindLookupCreateConflict, 2)
				if fmt.Sprint(f.Related) != "[1]" || !strings.Contains(f.Title, "got 409 for") {
					t.Errorf("title %q related %v", f.Title, f.Related)
				}
				detailHas(t, f, c.detail...)
			})
		}
	}
}

// TestLookupCreateConflictQuietThroughProxy: two threads racing to create
// the same user (both looked up, one created, the other got 409) is a race,
// told at info; a 409 with no lookup before it is not this kind.
func TestLookupCreateConflictQuietThroughProxy(t *testing.T) {
	ctx := context.Background()
	t.Run("two threads race", func(t *testing.T) {
		srv := scenario.Serve(scenario.NewLookupAPI(scenario.LookupCorrect), false)
		defer srv.Close()
		rp := capturetest.StartProxy(t, proxy.Options{})
		a, b := scenario.GoCaller{Client: rp.Client()}, scenario.GoCaller{Client: rp.Client()}
		lookup, create := scenario.LookupSteps("kwong")
		var all []scenario.Reply
		for _, s := range []struct {
			c    scenario.Caller
			step scenario.Step
		}{{a, lookup}, {b, lookup}, {b, create}, {a, create}} {
			rs, err := s.c.Call(ctx, srv.URL, []scenario.Step{s.step})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, rs...)
		}
		if statusLine(all) != "200 200 201 409" {
			t.Fatalf("replies %q", statusLine(all))
		}
		got := analyze.Run(rp.Flows(4, 30*time.Second))
		analyzetest.ExpectAmong(t, got, rateKinds, want(analyze.KindLookupCreateConflict, 4, analyze.Info))
		analyzetest.ExpectQuiet(t, got)
		if f := analyzetest.FindingOf(t, got, analyze.KindLookupCreateConflict, 4); fmt.Sprint(f.Related) != "[2 3]" {
			t.Errorf("related %v: %s", f.Related, f.Detail)
		}
	})
	t.Run("409 without a lookup", func(t *testing.T) {
		srv := scenario.Serve(scenario.NewLookupAPI(scenario.LookupCaseSensitive), false)
		defer srv.Close()
		rp := capturetest.StartProxy(t, proxy.Options{})
		_, create := scenario.LookupSteps("JDoe")
		rs, err := scenario.GoCaller{Client: rp.Client()}.Call(ctx, srv.URL, []scenario.Step{create})
		if err != nil || statusLine(rs) != "409" {
			t.Fatalf("%q %v", statusLine(rs), err)
		}
		got := expectRate(t, rp.Flows(1, 30*time.Second))
		analyzetest.ExpectNone(t, got, rateKinds...)
	})
}
