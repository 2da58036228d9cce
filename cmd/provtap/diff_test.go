package main

import (
	"regexp"
	"strings"
	"testing"
)

// provtap diff prints the two requests side by side: the subscription key
// only the GET sent is marked <, without escape codes when not on a terminal.
func TestDiffCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	har, _ := bothSeedsHAR(t, dir)
	code, out, stderr := runProvtap(t, "diff", har, "3", "4", "--width", "100")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, re := range []string{
		`(?m)^< Ocp-Apim-Subscription-Key +6c1f0a8e3b2d4f79a5c8e0d1b2a3f4e5 +\(absent\)$`,
		`(?m)^< subscription-key +6c1f0a8e3b2d4f79a5c8e0d1b2a3f4e5 +\(absent\)$`,
		`(?m)^~ method +GET +PATCH$`,
		`(?m)^  Authorization +Basic c2NpbTpz +Basic c2NpbTpz$`,
		`(?m)^≈ Content-Type +\(absent\) +application/scim\+json$`,
		`#3 200 .*GET https://gw.example.test/scim/v2/Groups/g1`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("escape codes in output that is not a terminal")
	}
	for _, l := range strings.Split(out, "\n") {
		if len([]rune(l)) > 100 {
			t.Errorf("line wider than --width 100: %q", l)
		}
	}
	// Flags may come first.
	if code, out2, _ := runProvtap(t, "diff", "--width", "100", har, "3", "4"); code != 0 || out2 != out {
		t.Errorf("--width before the file: exit %d, other output", code)
	}
}
