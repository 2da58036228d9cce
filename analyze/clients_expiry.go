package analyze

import (
	"sort"
	"time"
)

// Forgetting idle stores. Every sweepEvery flows the tracker forgets the
// map entries whose store was idle since before that flow's start minus
// storeIdle, and the cookie values made ambiguous: a sweep. Visiting the
// three maps whole that often cost more than the rest of the tracker at
// 10^6 flows (an hour of clients is ~10^5 keys, and most sweeps delete
// little), so a sweep is now only counted and its cut remembered; every
// lookup asks whether the sweeps since its entry was written would have
// deleted it; and the maps are really swept (compact) only once enough
// flows have passed to pay for visiting every key. Which store a flow
// resolves to therefore does not depend on when compact runs.

// sweepEvery is how many flows pass between two sweeps.
const sweepEvery = 4096

// storeRef is a map entry: its store, and how many sweeps had run when it
// was written (the sweeps after it may have deleted it).
type storeRef struct {
	s     *Store // nil: a cookie value two stores received
	epoch int
}

// sweepCut is sweep number epoch and the cut it applied.
type sweepCut struct {
	epoch int
	cut   time.Time
}

// expiry is the tracker's record of its sweeps.
type expiry struct {
	sweeps int // sweeps so far
	// cuts are the sweeps whose cut is later than every later sweep's, in
	// order (so their cuts decrease): the latest cut among the sweeps
	// after any one is the first of these after it. Cuts follow the
	// capture's clock, so this is one or a few sweeps long.
	cuts []sweepCut
	// sinceCompact is how many flows passed since the maps were swept.
	sinceCompact int
}

// sweep counts one sweep with the given cut: from now on, an entry
// written before it whose store was idle since before cut is absent.
func (t *clientTracker) sweep(cut time.Time) {
	t.sweeps++
	n := len(t.cuts)
	for n > 0 && !cut.Before(t.cuts[n-1].cut) {
		n--
	}
	t.cuts = append(t.cuts[:n], sweepCut{t.sweeps, cut})
}

// after is the index in cuts of the first sweep after sweep epoch (there is
// one when epoch < t.sweeps: the last sweep is always in cuts).
func (t *clientTracker) after(epoch int) int {
	if t.cuts[0].epoch > epoch {
		return 0
	}
	return sort.Search(len(t.cuts), func(i int) bool { return t.cuts[i].epoch > epoch })
}

// alive reports whether the sweeps since r was written would have kept it.
func (t *clientTracker) alive(r storeRef) bool {
	s := r.s
	if s == nil {
		return r.epoch == t.sweeps // an ambiguous value is forgotten by the next sweep
	}
	if s.diedAt > r.epoch {
		return false // a sweep after r and before s's last use found s idle
	}
	from := max(r.epoch, s.touchedAt)
	return from == t.sweeps || !s.lastAt.Before(t.cuts[t.after(from)].cut)
}

// storeOf is r's store, or nil when r is absent, ambiguous or swept.
func (t *clientTracker) storeOf(r storeRef) *Store {
	if r.s == nil || !t.alive(r) {
		return nil
	}
	return r.s
}

// ref is an entry for s written now.
func (t *clientTracker) ref(s *Store) storeRef { return storeRef{s, t.sweeps} }

// touch records that s was used at: first, whether a sweep since its last
// use found it idle (the latest such sweep deleted every entry for s
// written before it).
func (t *clientTracker) touch(s *Store, at time.Time) {
	if s.touchedAt < t.sweeps {
		cuts := t.cuts[t.after(s.touchedAt):]
		// The sweeps that found s idle are a prefix of cuts (cuts decrease).
		if n := sort.Search(len(cuts), func(i int) bool { return !s.lastAt.Before(cuts[i].cut) }); n > 0 {
			s.diedAt = cuts[n-1].epoch
		}
	}
	s.lastAt, s.touchedAt = at, t.sweeps
}

// compact deletes the entries the sweeps made absent, once the flows since
// it last did number half the entries or more: a sweep's cost is spread
// over as many flows as it visits keys, and the maps hold at most about
// twice the entries that are alive.
func (t *clientTracker) compact(flows int) {
	t.sinceCompact += flows
	if t.sinceCompact < (len(t.owner)+len(t.byConn)+len(t.byAccount))/2 {
		return
	}
	t.sinceCompact = 0
	for k, r := range t.owner {
		if !t.alive(r) {
			delete(t.owner, k)
		}
	}
	for k, r := range t.byConn {
		if !t.alive(r) {
			delete(t.byConn, k)
		}
	}
	for k, r := range t.byAccount {
		if !t.alive(r) {
			delete(t.byAccount, k)
		}
	}
}

// storeIdle is how long a store unused on the capture's clock is kept: a
// night's run opens millions of sessions, and servers time theirs out long
// before this.
const storeIdle = time.Hour

// expire forgets stores idle since before now-storeIdle, every few thousand
// flows, so memory follows the live clients, not the length of the capture.
func (t *clientTracker) expire(now time.Time) {
	t.seen++
	if t.seen%sweepEvery != 0 {
		return
	}
	t.sweep(now.Add(-storeIdle))
	t.compact(sweepEvery)
}
