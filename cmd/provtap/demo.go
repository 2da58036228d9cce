package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/internal/scenario"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/ui"
)

const demoAbout = `Reproduces both failures provtap was built for, on loopback, with nothing
to set up: a session API that refuses a second session (a JVM web-services
connector that keeps no cookies fails its second call), and a SCIM service
behind an API gateway that wants a subscription key on every call (a SCIM
connector sends it on reads only). Both connectors fail as they do in the
field, then the fixed connectors succeed. All of it goes through provtap, is
recorded, and opens in the TUI with the diagnoses on screen.

` + demoAllAbout

// Demo connectors tell themselves apart by User-Agent, as real ones do: the
// analyzers follow one client at a time.
const (
	uaSeed2Failing = "scim-connector/2.1 (key on reads only)"
	uaSeed1Failing = "ws-connector/1.4 (no cookie jar)"
	uaSeed1Fixed   = "ws-connector/1.4 (cookie jar)"
	uaSeed2Fixed   = "scim-connector/2.1 (key on every call)"
)

func cmdDemo(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap demo", "provtap demo [--all] [--no-tui] [--home DIR] [--utc | --zone ZONE]", demoAbout, stdout, stderr)
	all := c.fs.Bool("all", false, "after the two seeds, six more failures, each beside its fixed connector")
	noTUI := c.fs.Bool("no-tui", false, "print the flows and findings instead of opening the TUI")
	home := c.fs.String("home", "", "`DIR` for the demo's CA and capture (default: a new temporary directory)")
	clk := addClockFlags(c)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 0 {
		return c.usageError("takes no arguments, got %q", pos[0])
	}
	if err := clk.check(); err != nil {
		return c.fail("%v", err)
	}
	if !*noTUI && !canRunTUI(stdout) {
		instead := "provtap demo --no-tui"
		if *all {
			instead = "provtap demo --all --no-tui"
		}
		return c.fail("the TUI needs a terminal (stdin and stdout); without one run %s: the flows and findings on stdout", instead)
	}
	zone, _ := clk.location(nil)
	if *home == "" {
		dir, err := os.MkdirTemp("", "provtap-demo-")
		if err != nil {
			return c.fail("%v", err)
		}
		*home = dir
	} else if err := prepareHome(*home); err != nil {
		return c.fail("%v", err)
	}

	// The upstream servers of both seeds. The session API's clock can jump
	// ahead so the failed connector's session has expired when the fixed
	// one runs (the server keeps a session 15 minutes).
	var skew atomic.Int64
	api := scenario.NewSessionAPI()
	api.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	sessionSrv, err := scenario.NewServer(api, false)
	if err != nil {
		return c.fail("starting the session API: %v", err)
	}
	defer sessionSrv.Close()
	gatewaySrv, err := scenario.NewServer(scenario.NewGateway(), true)
	if err != nil {
		return c.fail("starting the SCIM gateway: %v", err)
	}
	defer gatewaySrv.Close()
	var failures []demoRun
	if *all {
		runs, stop, err := startDemoFailures()
		if err != nil {
			return c.fail("%v", err)
		}
		defer stop()
		failures = runs
	}

	dp, err := startDemoProxy(*home)
	if err != nil {
		return c.fail("starting the proxy: %v", err)
	}
	warnOpenHome(c, *home, dp.keyFile)
	rec, err := newDefaultRecorder(filepath.Join(*home, "captures"), "demo")
	if err != nil {
		dp.proxy.Close()
		return c.fail("%v", err)
	}
	steps := &demoSteps{
		client:    dp.client,
		session:   sessionSrv.URL,
		gateway:   gatewaySrv.URL,
		expire:    func() { skew.Store(int64(scenario.SessionTTL + time.Minute)) },
		failures:  failures,
		transport: dp.transport,
	}
	mode := "demo proxy " + dp.addr
	pl := newPipeline(rec, zone)
	if *noTUI {
		return demoHeadless(c, dp, pl, steps, mode)
	}
	go steps.run(io.Discard)
	return runLive(c, dp.proxy, pl, "", ui.Options{Mode: mode, ShowFindings: true})
}

// demoProxy is the running proxy and a client factory that goes through it.
type demoProxy struct {
	proxy     liveProxy
	addr      string
	client    func(userAgent string, jar bool) *http.Client
	transport func() *http.Transport // through the proxy, with connections of its own
	keyFile   string                 // the CA's private key
}

// demoSteps is the demo's traffic: both failing connectors, then both
// fixed ones; with --all, then the failures' connectors (demo_all.go).
type demoSteps struct {
	client           func(userAgent string, jar bool) *http.Client
	session, gateway string
	expire           func()
	failures         []demoRun
	transport        func() *http.Transport
}

func (s *demoSteps) run(log io.Writer) error {
	var refused []string
	step := func(what string, err error, wantRefused bool) error {
		var se *scenario.StepError
		switch {
		case err == nil && !wantRefused:
			fmt.Fprintf(log, "  ✔ %s: works\n", what)
		case errors.As(err, &se) && wantRefused:
			refused = append(refused, se.Step)
			fmt.Fprintf(log, "  ✖ %s: %s refused with %d, as in the field\n", what, se.Step, se.Status)
		case err == nil:
			return fmt.Errorf("%s: expected a refusal, but every call worked", what)
		default:
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	if err := step("SCIM connector, key on reads only", scenario.RunSeed2(s.client(uaSeed2Failing, false), s.gateway, scenario.Seed2ReadsOnly), true); err != nil {
		return err
	}
	if err := step("web-services connector, no cookie jar", scenario.RunSeed1(s.client(uaSeed1Failing, false), s.session), true); err != nil {
		return err
	}
	s.expire()
	if err := step("web-services connector, with a cookie jar", scenario.RunSeed1(s.client(uaSeed1Fixed, true), s.session), false); err != nil {
		return err
	}
	if err := step("SCIM connector, key on every call", scenario.RunSeed2(s.client(uaSeed2Fixed, false), s.gateway, scenario.Seed2Correct), false); err != nil {
		return err
	}
	return s.runFailures(log, step)
}

// demoClient makes a client through the proxy with a fixed User-Agent.
func demoClient(base http.RoundTripper) func(string, bool) *http.Client {
	return func(ua string, withJar bool) *http.Client {
		c := &http.Client{Transport: uaTransport{ua: ua, base: base}, Timeout: 30 * time.Second}
		if withJar {
			c.Jar, _ = cookiejar.New(nil)
		}
		return c
	}
}

type uaTransport struct {
	ua   string
	base http.RoundTripper
}

func (t uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", t.ua)
	return t.base.RoundTrip(r)
}

// demoHeadless runs the demo's traffic through the pipeline and prints
// every flow and finding, then the findings worst first.
func demoHeadless(c *cli, dp *demoProxy, pl *pipeline, steps *demoSteps, mode string) int {
	out := c.stdout
	fmt.Fprintf(out, "provtap demo — %s, recording to %s\n\n", mode, pl.rec.Path())
	stepLog := &strings.Builder{}
	done := make(chan error, 1)
	go func() {
		err := steps.run(stepLog)
		dp.proxy.Close()
		done <- err
	}()
	var all []analyze.Finding
	reported := false
	rest := pl.run(dp.proxy.Flows(), func(f *capture.Flow, _ har.Loc, findings []analyze.Finding, recErr error) {
		if recErr != nil && !reported {
			reported = true
			fmt.Fprintf(out, "recording stopped: %v\n", recErr)
		}
		fmt.Fprintln(out, flowLine(f, pl.zone))
		for _, fd := range findings {
			fmt.Fprintf(out, "     %s %s\n", severityMarkText(fd.Severity), fd.Line())
		}
		all = append(all, findings...)
	}, nil)
	all = append(all, rest...)
	stepErr := <-done
	path := pl.rec.Path()
	recCode := pl.finish(c)
	fmt.Fprintf(out, "\nwhat the connectors saw:\n%s", stepLog.String())
	if stepErr != nil {
		c.warn("%v", stepErr)
		return 1
	}
	if len(all) > 0 {
		fmt.Fprintln(out, "\nwhy (worst first):")
		analyze.SortFindings(all)
		for _, fd := range all {
			fmt.Fprintf(out, "  %s %s\n      fix: %s\n", severityMarkText(fd.Severity), fd.Line(), oneLineText(fd.Fix))
		}
	}
	fmt.Fprintf(out, "\ncapture: %s\n  provtap open %s\n  provtap analyze %s\n", path, path, path)
	return recCode
}

func severityMarkText(s analyze.Severity) string {
	switch s {
	case analyze.Error:
		return "✖"
	case analyze.Warning:
		return "!"
	}
	return "i"
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }
