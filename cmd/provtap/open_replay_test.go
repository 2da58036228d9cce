package main

import (
	"strings"
	"testing"
)

// provtap open takes the upstream settings replays use.
func TestOpenReplayFlags(t *testing.T) {
	har, _ := bothSeedsHAR(t, t.TempDir())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"open", har, "--upstream-proxy", "not a url"}, "--upstream-proxy must be a URL"},
		// Accepted; then the test has no terminal.
		{[]string{"open", "--insecure-upstream", "--upstream-proxy", "http://proxy.corp:3128", har}, "needs a terminal"},
	} {
		code, _, stderr := runCaptured(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args[1:], code, stderr, c.want)
		}
	}
	if code, out, _ := runCaptured(t, "open", "--help"); code != 0 || !strings.Contains(out, "--insecure-upstream") || !strings.Contains(out, "R replays it with the fix") {
		t.Errorf("open --help: %d %q", code, out)
	}
}
