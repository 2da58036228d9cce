package analyze

import (
	"github.com/provtap/provtap/capture"
)

// Engine runs analyzers over flows in flow-ID order. Live, flows complete out
// of order; Add buffers them and releases each once every lower ID has been
// seen, so live and offline analysis agree.
type Engine struct {
	analyzers []Analyzer
	next      int                   // next flow ID to release
	pending   map[int]*capture.Flow // completed, waiting for a lower ID
}

// NewEngine runs the given analyzers; with none, all of provtap's.
func NewEngine(as ...Analyzer) *Engine {
	if len(as) == 0 {
		as = All()
	}
	return &Engine{analyzers: as, next: 1, pending: map[int]*capture.Flow{}}
}

// maxPending bounds the reorder buffer: if a flow with a low ID never
// completes (a stuck download), analysis moves on without it.
const maxPending = 256

// Add hands one completed flow to the engine and returns the findings that
// flow (and any it released) produced, in flow order.
func (e *Engine) Add(f *capture.Flow) []Finding {
	if f.ID < e.next {
		// Arrived after analysis moved past it: analyze it alone, late.
		return e.observe(f, nil)
	}
	e.pending[f.ID] = f
	var out []Finding
	for {
		g, ok := e.pending[e.next]
		if !ok {
			if len(e.pending) < maxPending {
				break
			}
			e.next = e.lowestPending()
			continue
		}
		delete(e.pending, e.next)
		e.next++
		out = e.observe(g, out)
	}
	return out
}

// Flush analyzes every flow still waiting for a lower ID that never came
// (end of a capture, or a flow missing from it), in ID order.
func (e *Engine) Flush() []Finding {
	var out []Finding
	for len(e.pending) > 0 {
		e.next = e.lowestPending()
		g := e.pending[e.next]
		delete(e.pending, e.next)
		e.next++
		out = e.observe(g, out)
	}
	return out
}

func (e *Engine) lowestPending() int {
	low := 0
	for id := range e.pending {
		if low == 0 || id < low {
			low = id
		}
	}
	return low
}

func (e *Engine) observe(f *capture.Flow, out []Finding) []Finding {
	emit := func(fd Finding) {
		if fd.Flow == 0 {
			fd.Flow = f.ID
		}
		if fd.Related == nil {
			fd.Related = []int{}
		}
		out = append(out, fd)
	}
	for _, a := range e.analyzers {
		a.Observe(f, emit)
	}
	return out
}

// Run analyzes a whole capture (flows already numbered in order).
func Run(flows []*capture.Flow, as ...Analyzer) []Finding {
	e := NewEngine(as...)
	var out []Finding
	for _, f := range flows {
		out = append(out, e.Add(f)...)
	}
	return append(out, e.Flush()...)
}
