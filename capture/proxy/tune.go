package proxy

import (
	"os"
	"runtime/debug"
)

// TuneRuntime sets the garbage collector for a long-running proxy: collect
// less often (the live heap is small: flows are handed on, bodies capped)
// but stay under a soft memory limit, so a debugging proxy on a shared
// server stays small. GOGC or GOMEMLIMIT in the environment win.
func TuneRuntime() {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	if gogc || limit {
		return
	}
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(192 << 20)
}
