package capturetest

import (
	"os/exec"
	"testing"
)

// RequireTool fails the test at once, loudly, when a program it drives is
// not installed: the end-to-end tests use real clients, and a test that
// skips when its client is missing proves nothing. .ci/run installs them.
func RequireTool(tb testing.TB, names ...string) {
	tb.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			tb.Fatalf("%s is required for this test and is not installed (bash .ci/run installs it): %v", n, err)
		}
	}
}
