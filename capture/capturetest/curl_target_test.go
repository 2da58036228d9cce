package capturetest_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/analyze/analyzetest"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/internal/scenario"
)

// The Target scenarios with the curl binary, one process per call as a
// shell-script connector runs it; a cookie jar is a file (-c/-b).

// curlThrough is curl through rp, with a jar file of its own when jar is set.
func curlThrough(t *testing.T, rp *capturetest.RunningProxy, jar bool) capturetest.Curl {
	c := capturetest.Curl{Proxy: rp.URL, CAFile: rp.CAFile}
	if jar {
		c.Jar = filepath.Join(t.TempDir(), "cookies.txt")
	}
	return c
}

// --anyauth with a jar: the first call goes without credentials, is
// challenged and answered; the later calls ride the session. Quiet.
func TestCurlAnyAuthIsQuiet(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	for _, tls := range []bool{false, true} {
		t.Run(schemeOf(tls), func(t *testing.T) {
			base, rp, target := startTarget(t, tls, nil, nil)
			c := curlThrough(t, rp, true)
			c.AnyAuth = true
			account := scenario.NewAccountName()
			mustSucceed(t, c.Provision(clientContext(t), base, svcUser, svcPass, account))
			flows, got := settle(t, rp, 4)
			analyzetest.ExpectQuiet(t, got)
			analyzetest.ExpectNone(t, got, analyze.KindLostHeader, analyze.KindAuthSchemeMismatch)
			expectProvisioned(t, target, 1, account)
			if flows[0].Status != 401 || flows[0].RequestHeader("Authorization") != "" || flows[1].RequestHeader("Authorization") == "" {
				t.Errorf("want the first POST challenged and answered")
			}
			logFlows(t, flows, got)
		})
	}
}

// Four curl "threads" (each a sequence of processes) with a jar file each,
// the same account, staggered by 200 ms: each keeps its own session; every
// call is on a new connection, so only the cookies tie a thread together.
func TestCurlThreadsWithTheirOwnJarsAreQuiet(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	expectThreadsQuiet(t, func(ctx context.Context, rp *capturetest.RunningProxy, base, account string) error {
		return curlThrough(t, rp, true).Provision(ctx, base, svcUser, svcPass, account)
	})
}

// curl without a jar against a server that opens a session per call and
// never refuses: no error, one dropped-cookie warning problem.
func TestCurlNoJarAgainstASessionPerCallServer(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	for _, tls := range []bool{false, true} {
		t.Run(schemeOf(tls), func(t *testing.T) {
			base, rp, target := startTarget(t, tls, nil, nil)
			c, ctx := curlThrough(t, rp, false), clientContext(t)
			a, b := scenario.NewAccountName(), scenario.NewAccountName()
			mustSucceed(t, c.Provision(ctx, base, svcUser, svcPass, a), c.Provision(ctx, base, svcUser, svcPass, b))
			flows, got := settle(t, rp, 6)
			expectWastedSessions(t, flows, got)
			expectProvisioned(t, target, 6, a, b)
			logFlows(t, flows, got)
		})
	}
}

// curl without a jar against seed 1's one-session server: the PATCH is
// refused; dropped-cookie and concurrent-session errors on it, with the
// POST that opened the session as evidence.
func TestCurlNoJarAgainstAOneSessionServer(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	for _, tls := range []bool{false, true} {
		t.Run(schemeOf(tls), func(t *testing.T) {
			base, rp, _ := startTarget(t, tls, nil, func(tg *scenario.Target) { tg.OneSession = true })
			err := curlThrough(t, rp, false).Provision(clientContext(t), base, svcUser, svcPass, scenario.NewAccountName())
			expectRefusedStep(t, err, "PATCH ")
			flows, got := settle(t, rp, 2)
			expectSessionRefused(t, got, flows[1].ID, flows[0].ID)
			logFlows(t, flows, got)
		})
	}
}

// --anyauth without a jar against seed 1's server: the PATCH goes without
// the session, is challenged, answered and refused — diagnosed on the
// answer, with the POST's session as evidence.
func TestCurlAnyAuthWithoutAJarAgainstAOneSessionServer(t *testing.T) {
	capturetest.RequireTool(t, "curl")
	base, rp, _ := startTarget(t, true, nil, func(tg *scenario.Target) { tg.OneSession = true })
	c := curlThrough(t, rp, false)
	c.AnyAuth = true
	expectRefusedStep(t, c.Provision(clientContext(t), base, svcUser, svcPass, scenario.NewAccountName()), "PATCH ")
	flows, got := settle(t, rp, 4)
	expectAnsweredAndRefused(t, flows, got)
	logFlows(t, flows, got)
}

// expectRefusedStep asserts the connector stopped at a 401 on step.
func expectRefusedStep(t *testing.T, err error, step string) {
	t.Helper()
	var se *scenario.StepError
	if !errors.As(err, &se) || se.Status != 401 || !strings.HasPrefix(se.Step, step) {
		t.Fatalf("want %s… refused with 401, got %v", step, err)
	}
}
