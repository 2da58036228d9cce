package capturetest_test

import (
	"context"
	"testing"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/internal/scenario"
)

// The Target scenarios on python-requests (Debian's python3-requests,
// /usr/bin/python3; python/provision.py), through the proxy by proxies=,
// trusting its CA by verify=.

// Four processes, each with its own requests.Session (its own cookie jar),
// the same account, staggered by 200 ms: each keeps its own session. Quiet.
func TestPythonProcessesWithTheirOwnSessionsAreQuiet(t *testing.T) {
	capturetest.RequireTool(t, capturetest.DebianPython)
	expectThreadsQuiet(t, func(ctx context.Context, rp *capturetest.RunningProxy, base, account string) error {
		return capturetest.Python{Proxy: rp.URL, CAFile: rp.CAFile, Session: true}.Provision(ctx, base, svcUser, svcPass, account)
	})
}

// One process without a Session (requests.post/patch/get: no cookie kept)
// against seed 1's one-session server: the PATCH is refused, with
// dropped-cookie and concurrent-session errors, the POST as evidence.
func TestPythonWithoutASessionAgainstAOneSessionServer(t *testing.T) {
	capturetest.RequireTool(t, capturetest.DebianPython)
	for _, tls := range []bool{false, true} {
		t.Run(schemeOf(tls), func(t *testing.T) {
			base, rp, _ := startTarget(t, tls, nil, func(tg *scenario.Target) { tg.OneSession = true })
			py := capturetest.Python{Proxy: rp.URL, CAFile: rp.CAFile}
			expectRefusedStep(t, py.Provision(clientContext(t), base, svcUser, svcPass, scenario.NewAccountName()), "PATCH ")
			flows, got := settle(t, rp, 2)
			expectSessionRefused(t, got, flows[1].ID, flows[0].ID)
			logFlows(t, flows, got)
		})
	}
}
