package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/internal/scenario"
)

// The kinds internal/scenario names without importing analyze are
// analyze's.
func TestFailureKindsAreAnalyzers(t *testing.T) {
	t.Parallel()
	for got, want := range map[string]string{
		scenario.KindSCIMPatchDialect:     analyze.KindSCIMPatchDialect,
		scenario.KindMediaType:            analyze.KindMediaType,
		scenario.KindClientRejectedCookie: analyze.KindClientRejectedCookie,
		scenario.KindUnresolvedTemplate:   analyze.KindUnresolvedTemplate,
		scenario.KindRateLimited:          analyze.KindRateLimited,
		scenario.KindLookupCreateConflict: analyze.KindLookupCreateConflict,
	} {
		if got != want {
			t.Errorf("scenario kind %q, analyze's %q", got, want)
		}
	}
}

// demoFinding is one finding as a line of the demo's "why" section, or of
// analyze --format json.
type demoFinding struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
	Flow     int    `json:"flow"`
}

func (f demoFinding) String() string { return fmt.Sprintf("%s %s #%d", f.Severity, f.Kind, f.Flow) }

var whyLine = regexp.MustCompile(`^  [✖!i] (error|warning|info)\s+(\S+)\s+#(\d+)\s`)

// provtap demo --all --no-tui: the two seeds' four kinds and the six
// failures' kinds at error on the request each failing connector had
// refused, nothing at warning or above on a fixed connector's requests,
// exit 0; and analyze on the recorded capture says the same.
func TestDemoAllHeadless(t *testing.T) {
	t.Parallel()
	code, out, errOut := runProvtap(t, "demo", "--all", "--no-tui", "--home", filepath.Join(t.TempDir(), "home"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q\n%s", code, errOut, out)
	}
	_, why, ok := strings.Cut(out, "\nwhy (worst first):\n")
	if !ok {
		t.Fatalf("no why section:\n%s", out)
	}
	var said []demoFinding
	for _, line := range strings.Split(why, "\n") {
		if m := whyLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[3])
			said = append(said, demoFinding{Kind: m[2], Severity: m[1], Flow: n})
		}
	}
	for _, want := range []string{"  and with --all:\n", "(Apache HttpClient emulated: Go's client with its User-Agent"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q", want)
		}
	}

	// Which flows each connector sent, by its User-Agent.
	m := regexp.MustCompile(`(?m)^capture: (.+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no capture line:\n%s", out)
	}
	c, err := har.LoadHAR(m[1])
	if err != nil || c.Truncated {
		t.Fatalf("the capture: %v", err)
	}
	sent := map[string][]int{}
	for _, f := range c.Flows {
		ua := f.RequestHeader("User-Agent")
		sent[ua] = append(sent[ua], f.ID)
	}
	flowOf := func(ua string, step int) int {
		if len(sent[ua]) < step {
			t.Fatalf("%q sent %v, no step %d", ua, sent[ua], step)
		}
		return sent[ua][step-1]
	}
	wants := []demoFinding{
		{analyze.KindConcurrentSession, "error", flowOf(uaSeed1Failing, 2)}, // the PATCH
		{analyze.KindDroppedCookie, "error", flowOf(uaSeed1Failing, 2)},
		{analyze.KindLostHeader, "error", flowOf(uaSeed2Failing, 5)}, // the PATCH after four reads
		{analyze.KindLostQueryParam, "error", flowOf(uaSeed2Failing, 5)},
	}
	quiet := []string{uaSeed1Fixed, uaSeed2Fixed}
	for _, f := range scenario.Failures() {
		wants = append(wants, demoFinding{f.Kind, "error", flowOf(f.Failing.UserAgent, f.Shows)})
		if f.Fixed != nil {
			quiet = append(quiet, f.Fixed.UserAgent)
			if len(sent[f.Fixed.UserAgent]) != len(f.Fixed.Statuses) {
				t.Errorf("%s sent %v", f.Fixed.Name, sent[f.Fixed.UserAgent])
			}
		}
	}
	kinds := map[string]bool{}
	for _, w := range wants {
		kinds[w.Kind] = true
		if !slices.Contains(said, w) {
			t.Errorf("the demo did not say %s", w)
		}
	}
	if len(kinds) != 4+6 { // the seeds show four kinds, the six failures one each
		t.Errorf("%d kinds: %v", len(kinds), kinds)
	}
	for _, ua := range quiet {
		for _, f := range said {
			if slices.Contains(sent[ua], f.Flow) && f.Severity != "info" {
				t.Errorf("fixed connector %q: %s", ua, f)
			}
		}
	}

	// open and analyze read the capture as the demo saw it live.
	code, js, errOut := runProvtap(t, "analyze", m[1], "--format", "json", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("analyze: exit %d, %s", code, errOut)
	}
	var report struct {
		Flows    int           `json:"flows"`
		Findings []demoFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(js), &report); err != nil {
		t.Fatal(err)
	}
	sortFindings := func(fs []demoFinding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.String())
		}
		slices.Sort(out)
		return out
	}
	if got, live := sortFindings(report.Findings), sortFindings(said); !slices.Equal(got, live) || report.Flows != len(c.Flows) {
		t.Errorf("analyze of %d flows:\n  %s\nthe demo live:\n  %s", report.Flows, strings.Join(got, "\n  "), strings.Join(live, "\n  "))
	}
}

// Without a terminal, demo --all names the command that works.
func TestDemoAllWithoutATerminal(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	code, _, errOut := runProvtap(t, "demo", "--all", "--home", home)
	if code != 2 || errOut != "provtap demo: the TUI needs a terminal (stdin and stdout); without one run provtap demo --all --no-tui: the flows and findings on stdout\n" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// provtap demo --all in tmux: the same live path as the seeds' demo, with
// every failure's problem on screen.
func TestTmuxDemoAll(t *testing.T) {
	t.Parallel()
	requireTmux(t)
	bin := provtapBinary(t)
	dir := t.TempDir()
	s := startTmux(t, 100, 30, dir, bin, "demo", "--all", "--home", filepath.Join(dir, "demo"))
	s.waitScreen("Problems (", "lost-header", "concurrent-session", scenario.KindSCIMPatchDialect, scenario.KindMediaType,
		scenario.KindClientRejectedCookie, scenario.KindUnresolvedTemplate, scenario.KindRateLimited, scenario.KindLookupCreateConflict)
	s.keys("G", "Enter", "j", "Enter") // the last problem (lookup-create-conflict), its first request
	s.waitScreen("[Request]", "409")
	s.keys("q")
	s.waitScreen("quit? the proxy stops")
	s.keys("y")
	s.waitExit()
}
