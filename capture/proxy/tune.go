package proxy

import "github.com/provtap/provtap/internal/gctune"

// TuneRuntime sets the garbage collector for a long-running proxy: collect
// less often (the live heap is small: flows are handed on, bodies capped)
// but stay under a soft memory limit, so a debugging proxy on a shared
// server stays small. GOGC or GOMEMLIMIT in the environment win.
func TuneRuntime() { gctune.Set(400, 192<<20) }
