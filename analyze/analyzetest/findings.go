// Package analyzetest asserts what the analyzers say, for the tests of
// every package, as net/http/httptest serves net/http's: the findings of a
// capture are exactly these, or nothing reaches warning. (It lives beside
// analyze, not in capture/capturetest, so that nothing under capture
// imports analyze.)
package analyzetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

// Want is one expected finding: its kind, the flow it names and its severity.
type Want struct {
	Kind string
	Flow int
	Sev  analyze.Severity
}

func (w Want) String() string { return fmt.Sprintf("%s #%d %s", w.Kind, w.Flow, w.Sev) }

// ExpectExactly asserts the findings are exactly these (in any order) and
// reports whether they were.
func ExpectExactly(tb testing.TB, got []analyze.Finding, wants ...Want) bool {
	tb.Helper()
	return ExpectAmong(tb, got, nil, wants...)
}

// ExpectAmong is ExpectExactly for the findings of the given kinds only (nil:
// every kind); when no finding is wanted, the others must stay below warning.
func ExpectAmong(tb testing.TB, got []analyze.Finding, kinds []string, wants ...Want) bool {
	tb.Helper()
	judged := func(k string) bool {
		if kinds == nil {
			return true
		}
		for _, x := range kinds {
			if x == k {
				return true
			}
		}
		return false
	}
	left := append([]Want{}, wants...)
	var extra []string
	for _, g := range got {
		if !judged(g.Kind) {
			if len(wants) == 0 && g.Severity >= analyze.Warning {
				extra = append(extra, g.Line())
			}
			continue
		}
		found := false
		for i, w := range left {
			if w.Kind == g.Kind && w.Flow == g.Flow && w.Sev == g.Severity {
				left = append(left[:i], left[i+1:]...)
				found = true
				break
			}
		}
		if !found {
			extra = append(extra, g.Line())
		}
	}
	if len(left) > 0 || len(extra) > 0 {
		tb.Errorf("findings differ\nmissing: %v\nunexpected:\n  %s\nall:\n  %s", left, strings.Join(extra, "\n  "), Lines(got))
		return false
	}
	return true
}

// ExpectQuiet asserts nothing reaches warning: what a correct client's
// traffic must give.
func ExpectQuiet(tb testing.TB, got []analyze.Finding) {
	tb.Helper()
	for _, g := range got {
		if g.Severity >= analyze.Warning {
			tb.Errorf("want nothing of warning or above, got:\n  %s", Lines(got))
			return
		}
	}
}

// ExpectNone asserts no finding at all of the given kinds (not even info).
func ExpectNone(tb testing.TB, got []analyze.Finding, kinds ...string) {
	tb.Helper()
	for _, g := range got {
		for _, k := range kinds {
			if g.Kind == k {
				tb.Errorf("want no %s finding, got:\n  %s", k, Lines(got))
				return
			}
		}
	}
}

// ExpectNoErrorUnlessRefused asserts the severity rule: an error only on a
// request that was refused (refused reports, by flow ID, which were).
func ExpectNoErrorUnlessRefused(tb testing.TB, got []analyze.Finding, refused func(id int) bool) {
	tb.Helper()
	for _, g := range got {
		if g.Severity == analyze.Error && !refused(g.Flow) {
			tb.Errorf("error on #%d, which was not refused: %s", g.Flow, g.Line())
		}
	}
}

// FindingOf is the finding of kind on flow; the test fails without one.
func FindingOf(tb testing.TB, got []analyze.Finding, kind string, flow int) analyze.Finding {
	tb.Helper()
	for _, g := range got {
		if g.Kind == kind && g.Flow == flow {
			return g
		}
	}
	tb.Fatalf("no %s finding on #%d; got:\n  %s", kind, flow, Lines(got))
	return analyze.Finding{}
}

// Lines is the findings one per line, for failure messages.
func Lines(fs []analyze.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Line())
	}
	return strings.Join(out, "\n  ")
}
