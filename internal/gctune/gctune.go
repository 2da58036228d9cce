// Package gctune sets the garbage collector for one of provtap's
// commands: how often it collects, and the soft memory limit it keeps
// under. GOGC and GOMEMLIMIT in the environment win, each on its own.
package gctune

import (
	"os"
	"runtime/debug"
)

// Set makes the collector run when the heap has grown percent per cent
// past what the last collection kept, and sooner once the heap nears
// limit bytes (0: no limit). A command whose kept memory is small next to
// what it allocates (flows decoded, analyzed and dropped) collects less
// often at 400 than at Go's 100; the limit keeps it within its memory goal.
func Set(percent int, limit int64) {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(percent)
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok && limit > 0 {
		debug.SetMemoryLimit(limit)
	}
}
