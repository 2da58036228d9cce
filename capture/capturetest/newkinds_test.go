package capturetest_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// Helpers of the issue-6 acceptance tests (CSRF, redirects, bearer tokens,
// scheme mismatch, untrusted CA), driven by real clients through the proxy.

// issue6Kinds are the analyzers these tests judge exactly; the seed
// analyzers' findings are only required to stay below warning on correct
// traffic.
var issue6Kinds = map[string]bool{
	analyze.KindCSRFToken: true, analyze.KindAuthStrippedRedirect: true, analyze.KindExpiredToken: true,
	analyze.KindAuthSchemeMismatch: true, analyze.KindTLSUntrusted: true,
}

type finding6 struct {
	kind string
	flow int
	sev  analyze.Severity
}

func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Fatalf("%s is required for this test and is not installed: %v", n, err)
		}
	}
}

// expectIssue6 analyzes flows and asserts the issue-6 findings are exactly
// wants; with no wants, that nothing at all reaches warning. It returns
// every finding.
func expectIssue6(t *testing.T, flows []*capture.Flow, wants ...finding6) []analyze.Finding {
	t.Helper()
	got := analyze.Run(flows)
	left := append([]finding6{}, wants...)
	var extra []string
	for _, g := range got {
		if !issue6Kinds[g.Kind] {
			if len(wants) == 0 && g.Severity >= analyze.Warning {
				extra = append(extra, g.Line())
			}
			continue
		}
		matched := false
		for i, w := range left {
			if w.kind == g.Kind && w.flow == g.Flow && w.sev == g.Severity {
				left = append(left[:i], left[i+1:]...)
				matched = true
				break
			}
		}
		if !matched {
			extra = append(extra, g.Line())
		}
	}
	if len(left) > 0 || len(extra) > 0 {
		t.Errorf("findings differ\nmissing: %v\nunexpected: %v\nall:\n  %s\nflows:\n  %s", left, extra, findingLines(got), flowLines(flows))
	}
	return got
}

func findingLines(fs []analyze.Finding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Line())
	}
	return strings.Join(out, "\n  ")
}

func flowLines(flows []*capture.Flow) string {
	var out []string
	for _, f := range flows {
		out = append(out, fmt.Sprintf("#%d %s %s %s → %d %s auth=%q cookie=%q csrf=%q",
			f.ID, f.Kind, f.Method, f.URL, f.Status, f.Error, shortAuth(f.RequestHeader("Authorization")),
			f.RequestHeader("Cookie"), f.RequestHeader("X-CSRF-Token")))
	}
	return strings.Join(out, "\n  ")
}

func shortAuth(v string) string {
	if len(v) > 24 {
		return v[:24] + "…"
	}
	return v
}

func findingFor(t *testing.T, fs []analyze.Finding, kind string) analyze.Finding {
	t.Helper()
	for _, f := range fs {
		if f.Kind == kind {
			return f
		}
	}
	t.Fatalf("no %s finding in:\n  %s", kind, findingLines(fs))
	return analyze.Finding{}
}

func schemeOf(tls bool) string {
	if tls {
		return "https"
	}
	return "http"
}
