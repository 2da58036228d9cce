package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/provtap/provtap/internal/scenario"
)

// provtap demo --all: after the two seeds, the six failures of
// scenario.Failures, each failing connector beside its fixed twin, through
// the same proxy and pipeline. The default demo stays the two seeds: eight
// failures do not read in a terminal of 80×24.

const demoAllAbout = `With --all, six more follow, each failing connector beside its fixed twin: a
SCIM PATCH in Entra ID's dialect that a strict server refuses, application/json
where the server wants application/scim+json, a session cookie that Apache
HttpClient 4.x's default cookie spec throws away, a template's $plan.email$
sent unfilled, a 429 retried at once, and a lookup whose case the server's
filter does not match, so the create that follows gets 409. The Apache
HttpClient connector is emulated: Go's client, with that client's User-Agent
and a cookie jar that drops each cookie whose Expires the default spec cannot
read (the rule provtap's analyzers apply).`

// demoRun is one scripted connector of --all with its own server.
type demoRun struct {
	conn    scenario.Connector
	srv     *scenario.Server
	steps   []scenario.Step
	failing bool
	shows   int // the failing connector's refused step (1-based)
}

// startDemoFailures starts a server for every connector of
// scenario.Failures, in the order they run; stop closes them all.
func startDemoFailures() (runs []demoRun, stop func(), err error) {
	stop = func() {
		for _, r := range runs {
			r.srv.Close()
		}
	}
	for _, f := range scenario.Failures() {
		conns := []scenario.Connector{f.Failing}
		if f.Fixed != nil {
			conns = append(conns, *f.Fixed)
		}
		for i, c := range conns {
			h, steps := c.Start()
			srv, err := scenario.NewServer(h, f.TLS)
			if err != nil {
				stop()
				return nil, nil, fmt.Errorf("starting the server of %s: %w", c.Name, err)
			}
			runs = append(runs, demoRun{conn: c, srv: srv, steps: steps, failing: i == 0, shows: f.Shows})
		}
	}
	return runs, stop, nil
}

// runFailures sends every run's steps through the proxy, each connector
// with its own client (User-Agent, cookie store, connections), and reports
// each as the seeds are reported.
func (s *demoSteps) runFailures(log io.Writer, report func(what string, err error, wantRefused bool) error) error {
	if len(s.failures) > 0 {
		fmt.Fprintf(log, "  and with --all:\n")
	}
	for _, r := range s.failures {
		t := s.transport()
		client := &http.Client{Transport: uaTransport{ua: r.conn.UserAgent, base: t}, Jar: r.conn.Cookies.Jar(), Timeout: 30 * time.Second}
		replies, err := scenario.GoCaller{Client: client}.Call(context.Background(), r.srv.URL, r.steps)
		t.CloseIdleConnections()
		if err == nil {
			err = r.check(replies)
		}
		if err := report(r.conn.Name, err, r.failing); err != nil {
			return err
		}
		if r.failing && r.conn.Cookies == scenario.ApacheDefaultCookies {
			fmt.Fprintf(log, "      (Apache HttpClient emulated: Go's client with its User-Agent and a cookie\n"+
				"      jar that drops each cookie whose Expires its default cookie spec cannot read)\n")
		}
	}
	return nil
}

// check compares the answers with what the connector gets in the field:
// for a failing connector, a *scenario.StepError for its refused step.
func (r demoRun) check(replies []scenario.Reply) error {
	got := make([]int, len(replies))
	for i, rep := range replies {
		got[i] = rep.Status
	}
	if fmt.Sprint(got) != fmt.Sprint(r.conn.Statuses) {
		return fmt.Errorf("the server answered %v, expected %v", got, r.conn.Statuses)
	}
	if !r.failing {
		return nil
	}
	st := r.steps[r.shows-1]
	path, _, _ := strings.Cut(st.Path, "?")
	return &scenario.StepError{Step: st.Method + " " + path, Status: got[r.shows-1], Body: replies[r.shows-1].Body}
}
