package gctune

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

// unsetenv removes key for the test, restoring it after.
func unsetenv(t *testing.T, key string) {
	if v, ok := os.LookupEnv(key); ok {
		t.Cleanup(func() { os.Setenv(key, v) })
	}
	os.Unsetenv(key)
}

// restoreGC puts the collector's settings back after the test.
func restoreGC(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })
}

func TestSetWithoutEnvironment(t *testing.T) {
	restoreGC(t)
	unsetenv(t, "GOGC")
	unsetenv(t, "GOMEMLIMIT")
	Set(400, 256<<20)
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("GOGC %d, want 400", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 256<<20 {
		t.Errorf("memory limit %d, want %d", got, 256<<20)
	}
}

// Each variable in the environment wins on its own: GOGC keeps the
// percentage, the limit is still set; GOMEMLIMIT keeps the limit.
func TestSetEnvironmentWins(t *testing.T) {
	restoreGC(t)
	t.Setenv("GOGC", "50")
	unsetenv(t, "GOMEMLIMIT")
	debug.SetGCPercent(50)
	Set(400, 256<<20)
	if got := debug.SetGCPercent(100); got != 50 {
		t.Errorf("with GOGC=50: GOGC %d, want 50", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 256<<20 {
		t.Errorf("with GOGC=50: memory limit %d, want %d", got, 256<<20)
	}

	unsetenv(t, "GOGC")
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	Set(400, 256<<20)
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("with GOMEMLIMIT=1GiB: memory limit %d, want %d", got, 1<<30)
	}
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("with GOMEMLIMIT=1GiB: GOGC %d, want 400", got)
	}
}
