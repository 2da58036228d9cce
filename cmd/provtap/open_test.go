package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenBadInput(t *testing.T) {
	dir := t.TempDir()
	notHAR := filepath.Join(dir, "notes.txt")
	os.WriteFile(notHAR, []byte("hello"), 0o600)
	good, _ := bothSeedsHAR(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"open"}, "want exactly one capture file"},
		{[]string{"open", filepath.Join(dir, "missing.har")}, "no such file"},
		{[]string{"open", notHAR}, "not a HAR capture"},
		{[]string{"open", dir}, "is a directory"},
		// Tests have no terminal: the TUI says so instead of drawing garbage.
		{[]string{"open", good}, "needs a terminal"},
	} {
		code, _, stderr := runCaptured(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and one line with %q", c.args, code, stderr, c.want)
		}
	}
}

// A capture cut off mid-entry opens with every whole flow and says so.
func TestTmuxOpenTruncated(t *testing.T) {
	requireTmux(t)
	bin := provtapBinary(t)
	dir := t.TempDir()
	har, _ := bothSeedsHAR(t, dir)
	b, _ := os.ReadFile(har)
	cut := filepath.Join(dir, "cut.har")
	i := strings.LastIndex(string(b), `"startedDateTime"`) // inside the last entry
	os.WriteFile(cut, b[:i+10], 0o600)
	s := startTmux(t, 120, 30, dir, bin, "open", cut)
	s.waitScreen("5 flows", "file cut off: showing the 5 whole flows before the cut")
	s.keys("q")
	s.waitExit()
}
