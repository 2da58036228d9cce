package main

import (
	"strings"
	"testing"
)

// provtap open takes the upstream settings replays use (their mistakes are
// in TestBadInput).
func TestOpenReplayFlags(t *testing.T) {
	t.Parallel()
	code, out, _ := runProvtap(t, "open", "--help")
	for _, want := range []string{"--insecure-upstream", "--upstream-proxy URL", "--upstream-ca FILE", "R replays it with the fix"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("open --help: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
}
