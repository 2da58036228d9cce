package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A capture cut off mid-entry opens with every whole flow and says so.
func TestTmuxOpenTruncated(t *testing.T) {
	t.Parallel()
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
