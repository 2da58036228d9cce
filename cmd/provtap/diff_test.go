package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// provtap diff prints the two requests side by side: the subscription key
// only the GET sent is marked <, without escape codes when not on a terminal.
func TestDiffCommand(t *testing.T) {
	dir := t.TempDir()
	har, _ := bothSeedsHAR(t, dir)
	code, out, stderr := runCaptured(t, "diff", har, "3", "4", "--width", "100")
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
	if code, out2, _ := runCaptured(t, "diff", "--width", "100", har, "3", "4"); code != 0 || out2 != out {
		t.Errorf("--width before the file: exit %d, other output", code)
	}
}

func TestDiffCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	har, _ := bothSeedsHAR(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", har, "3"}, "want a capture file and two flow numbers, got 2 arguments"},
		{[]string{"diff", har, "3", "9"}, "no flow 9: " + har + " has 6 flows (1-6)"},
		{[]string{"diff", har, "0", "2"}, "no flow 0"},
		{[]string{"diff", har, "x", "2"}, `"x" is not a flow number`},
		{[]string{"diff", filepath.Join(dir, "missing.har"), "1", "2"}, "no such file"},
		{[]string{"diff", har, "1", "2", "--width"}, "flag needs an argument"},
	} {
		code, out, stderr := runCaptured(t, c.args...)
		if code != 2 || out != "" || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args[1:], code, stderr, c.want)
		}
	}
}
