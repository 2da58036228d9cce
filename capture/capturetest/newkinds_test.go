package capturetest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture"
)

// Helpers of the end-to-end tests of the CSRF, redirect, bearer-token,
// scheme-mismatch and untrusted-CA analyzers, driven by real clients
// through the proxy.

// protocolKinds are the analyzers these tests judge exactly; the seed
// analyzers' findings are only required to stay below warning on correct
// traffic.
var protocolKinds = []string{analyze.KindCSRFToken, analyze.KindAuthStrippedRedirect, analyze.KindExpiredToken,
	analyze.KindAuthSchemeMismatch, analyze.KindTLSUntrusted}

// expectProtocol analyzes flows and asserts the findings of protocolKinds
// are exactly wants; with no wants, that nothing at all reaches warning. It
// returns every finding.
func expectProtocol(t *testing.T, flows []*capture.Flow, wants ...analyzetest.Want) []analyze.Finding {
	t.Helper()
	got := analyze.Run(flows)
	if !analyzetest.ExpectAmong(t, got, protocolKinds, wants...) {
		t.Logf("flows:\n  %s", flowLines(flows))
	}
	return got
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
	t.Fatalf("no %s finding in:\n  %s", kind, analyzetest.Lines(fs))
	return analyze.Finding{}
}

func schemeOf(tls bool) string {
	if tls {
		return "https"
	}
	return "http"
}
