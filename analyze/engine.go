package analyze

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/provtap/provtap/capture"
)

// Engine runs analyzers over flows in flow-ID order, with each flow's facts
// computed once. The same engine runs live, in `provtap open` and in
// `provtap analyze`, so they agree:
//
//   - Live, flows complete out of order; Add buffers them and releases each
//     once every lower ID has been seen.
//   - A 401 challenge the client may still answer (a request without
//     credentials, a Negotiate/NTLM leg) waits until the client's next
//     request on that connection shows whether it answered, or until
//     challengeWait has passed on the capture's clock (Tick, live).
//   - Analyzers that hold findings until later traffic settles them
//     (Settler) release them on the capture's clock too.
type Engine struct {
	analyzers []Analyzer
	clients   *clientTracker

	next    int            // next flow ID to release from the reorder buffer
	pending map[int]*Facts // completed, waiting for a lower ID
	window  []held         // released in order, waiting for a challenge to settle
	last    time.Time      // latest start seen: the capture's clock
	// outbuf holds findings until no earlier flow can get one: the engine
	// hands findings on in flow order.
	outbuf  []Finding
	outHead int // outbuf[:outHead] were released already
	// late holds, in flow order, the findings that came after one of a
	// later flow in outbuf (a held finding released): each is below
	// outbuf's last, and after outbuf's findings of its own flow.
	late    []Finding
	current int           // the flow being observed (0: settling)
	emitFn  func(Finding) // appends to outbuf; made once
}

// held is a flow in the lookahead window, kept by value: one allocation
// less per flow.
type held struct {
	fx       *Facts
	waiting  bool      // an unanswered challenge
	deadline time.Time // when it counts as unanswered
}

// Settler is an Analyzer that holds findings until later traffic settles
// them (did this thread go on to keep its own session?). Settle releases
// those whose horizon passed by t on the capture's clock; the engine calls
// it as flows arrive, from Tick, and with the end of time from Flush.
// Holding is the lowest flow a held finding names (0: none held).
type Settler interface {
	Settle(t time.Time, emit func(Finding))
	Holding() int
}

// NewEngine runs the given analyzers; with none, all of provtap's.
func NewEngine(as ...Analyzer) *Engine {
	if len(as) == 0 {
		as = All()
	}
	e := &Engine{analyzers: as, clients: newClientTracker(), next: 1, pending: map[int]*Facts{}}
	e.emitFn = func(fd Finding) { e.push(normalize(fd, e.current)) }
	return e
}

// maxPending bounds the reorder buffer: if a flow with a low ID never
// completes (a stuck download), analysis moves on without it.
const maxPending = 256

// challengeWait is how long an unanswered 401 challenge waits for the
// client's answer: clients answer at once (HttpClient, curl --anyauth,
// .NET, the JDK); a request that was simply refused is judged after it.
const challengeWait = 5 * time.Second

// maxWindow bounds the lookahead window.
const maxWindow = 4096

// Add hands one completed flow to the engine and returns the findings that
// became final with it, in flow order.
func (e *Engine) Add(f *capture.Flow) []Finding { return e.AddFacts(FactsOf(f)) }

// AddFacts is Add for a flow whose facts were computed already (FactsOf,
// on another goroutine: they depend on the flow alone).
func (e *Engine) AddFacts(fx *Facts) []Finding {
	var out []Finding
	if fx.Flow.ID < e.next {
		// Arrived after analysis moved past it: analyze it alone, late.
		return e.release(e.admit(fx, out), false)
	}
	e.pending[fx.Flow.ID] = fx
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
		out = e.admit(g, out)
	}
	return e.release(out, false)
}

// release hands on, in flow order, the findings no earlier flow can
// precede any more: not while a flow before them is unobserved or an
// analyzer holds a finding on one (all, at the end).
func (e *Engine) release(out []Finding, all bool) []Finding {
	for _, fd := range out {
		e.push(fd)
	}
	if len(e.outbuf) == e.outHead && len(e.late) == 0 {
		return nil
	}
	low := math.MaxInt
	if !all {
		low = e.next
		if len(e.window) > 0 {
			low = min(low, e.window[0].fx.Flow.ID)
		}
		for _, a := range e.analyzers {
			if s, ok := a.(Settler); ok {
				if h := s.Holding(); h != 0 {
					low = min(low, h)
				}
			}
		}
	}
	return e.take(low)
}

// take removes from outbuf and late and returns the findings of flows
// before low, in flow order (outbuf's first where a flow has both).
// Findings wait behind a held one by the thousand: the rest is copied down
// only once the released ones fill half of outbuf, not at every release.
func (e *Engine) take(low int) []Finding {
	live := e.outbuf[e.outHead:]
	n := sort.Search(len(live), func(i int) bool { return live[i].Flow >= low })
	m := sort.Search(len(e.late), func(i int) bool { return e.late[i].Flow >= low })
	if n+m == 0 {
		return nil
	}
	done := make([]Finding, 0, n+m)
	a, b := live[:n], e.late[:m]
	for len(a) > 0 && len(b) > 0 {
		if b[0].Flow < a[0].Flow {
			done, b = append(done, b[0]), b[1:]
		} else {
			done, a = append(done, a[0]), a[1:]
		}
	}
	done = append(append(done, a...), b...)
	e.late = e.late[:copy(e.late, e.late[m:])]
	e.outHead += n
	if e.outHead >= len(e.outbuf)/2 {
		e.outbuf = e.outbuf[:copy(e.outbuf, e.outbuf[e.outHead:])]
		e.outHead = 0
	}
	return done
}

// push adds a finding in flow order: findings mostly arrive in order, so
// this is an append to outbuf; one for an earlier flow than outbuf's last
// goes into late, which is short, rather than moving outbuf's thousands.
func (e *Engine) push(fd Finding) {
	if n := len(e.outbuf); n == e.outHead || e.outbuf[n-1].Flow <= fd.Flow {
		e.outbuf = append(e.outbuf, fd)
		return
	}
	i := len(e.late)
	for i > 0 && e.late[i-1].Flow > fd.Flow {
		i--
	}
	e.late = slices.Insert(e.late, i, fd)
}

// Tick settles what waited for later traffic that did not come by now
// (wall-clock time, live): a challenge never answered, a held finding past
// its horizon. grace allows for requests that started before now but have
// not completed yet.
func (e *Engine) Tick(now time.Time, grace time.Duration) []Finding {
	return e.release(e.settle(now.Add(-grace), nil), false)
}

// Flush analyzes every flow still waiting (the end of a capture, or a flow
// missing from it) and releases every held finding.
func (e *Engine) Flush() []Finding {
	var out []Finding
	for len(e.pending) > 0 {
		e.next = e.lowestPending()
		g := e.pending[e.next]
		delete(e.pending, e.next)
		e.next++
		out = e.admit(g, out)
	}
	return e.release(e.settle(time.Unix(math.MaxInt32, 0), out), true)
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

// admit puts a flow, in ID order, into the lookahead window: it may answer
// a challenge waiting there, or be one itself.
func (e *Engine) admit(fx *Facts, out []Finding) []Finding {
	f := fx.Flow
	if f.Start.After(e.last) {
		e.last = f.Start
	}
	for i := range e.window {
		if h := &e.window[i]; h.waiting && answers(fx, h.fx) {
			h.waiting = false
			h.fx.Challenged, h.fx.Answered = true, f.ID
			fx.Answers = h.fx.Flow.ID
			break
		}
	}
	h := held{fx: fx}
	if awaitsAnswer(fx) {
		end := f.End
		if end.Before(f.Start) {
			end = f.Start
		}
		h.waiting, h.deadline = true, end.Add(challengeWait)
	}
	e.window = append(e.window, h)
	return e.settle(e.last, out)
}

// settle gives up on challenges whose deadline passed by t, releases the
// window's settled head to the analyzers, and lets Settlers release what
// they held until t.
func (e *Engine) settle(t time.Time, out []Finding) []Finding {
	for i := range e.window {
		if h := &e.window[i]; h.waiting && (!t.Before(h.deadline) || len(e.window)-i > maxWindow) {
			h.waiting = false
		}
	}
	n := 0
	for n < len(e.window) && !e.window[n].waiting {
		out = e.observe(e.window[n].fx, out)
		n++
	}
	if n > 0 {
		e.window = append(e.window[:0], e.window[n:]...)
	}
	// Held findings may be withdrawn by a flow still in the window: settle
	// only up to the first flow not yet observed.
	if len(e.window) > 0 && e.window[0].fx.Flow.Start.Before(t) {
		t = e.window[0].fx.Flow.Start
	}
	e.current = 0
	for _, a := range e.analyzers {
		if s, ok := a.(Settler); ok {
			s.Settle(t, e.emitFn)
		}
	}
	return out
}

// observe hands one flow, with its client resolved, to every analyzer, then
// stores its response's cookies.
func (e *Engine) observe(fx *Facts, out []Finding) []Finding {
	e.clients.resolve(fx)
	for _, a := range e.analyzers {
		if s, ok := a.(Settler); ok {
			e.current = 0
			s.Settle(fx.Flow.Start, e.emitFn) // what expired before this flow began
		}
		e.current = fx.Flow.ID
		a.Observe(fx, e.emitFn)
	}
	e.clients.record(fx)
	e.clients.expire(fx.Flow.Start)
	return out
}

func normalize(fd Finding, flow int) Finding {
	if fd.Flow == 0 {
		fd.Flow = flow
	}
	if fd.Related == nil {
		fd.Related = []int{}
	}
	if fd.group == "" {
		fd.group = fd.Kind + "\x00" + fd.Title
	}
	return fd
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
