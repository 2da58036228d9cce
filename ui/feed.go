package ui

import (
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// Feed carries flows and findings from the producer (the proxy's reader
// goroutine, or a loaded file) to the UI. Producers never wait on the UI:
// Add appends under a mutex and pokes a channel without blocking; the UI
// drains everything that piled up at most every feedInterval, so a slow
// terminal drops frames, not requests.
type Feed struct {
	mu       sync.Mutex
	flows    []fedFlow
	findings []analyze.Finding
	recErr   error
	note     string
	noteSet  bool
	zone     *time.Location
	closed   bool
	spare    []fedFlow     // a taken batch's flows, emptied, for the next (recycle)
	notify   chan struct{} // capacity 1: "something is waiting"
	done     chan struct{} // closed by Close
	doneOnce sync.Once
}

// feedInterval is the longest a flow waits before the UI shows it; flows
// arriving faster are shown in batches of that period.
const feedInterval = 50 * time.Millisecond

// NewFeed returns an empty feed.
func NewFeed() *Feed {
	return &Feed{notify: make(chan struct{}, 1), done: make(chan struct{})}
}

// fedFlow is a flow and where the capture file keeps it whole.
type fedFlow struct {
	f     *capture.Flow
	loc   har.Loc
	whole bool // f has its headers and bodies (decoded from the file)
}

// Add hands the UI one completed flow (nil for none) and the findings the
// engine produced with it. It never blocks.
func (fd *Feed) Add(f *capture.Flow, findings []analyze.Finding) {
	fd.AddStored(f, har.Loc{}, findings)
}

// AddStored is Add for a flow the capture file holds at loc: the UI keeps
// f (usually without its bodies, har.WithoutBodies) and reads the whole
// flow back from Options.Store when it is shown, copied or replayed.
func (fd *Feed) AddStored(f *capture.Flow, loc har.Loc, findings []analyze.Finding) {
	fd.mu.Lock()
	if f != nil {
		fd.flows = append(fd.flows, fedFlow{f: f, loc: loc})
	}
	fd.findings = append(fd.findings, findings...)
	fd.mu.Unlock()
	fd.poke()
}

// AddWhole is AddStored for a flow decoded whole from the capture file at
// loc (`provtap open` streaming it): the filter judges it as it arrives
// without reading it back, and the UI keeps only its row.
func (fd *Feed) AddWhole(f *capture.Flow, loc har.Loc, findings []analyze.Finding) {
	fd.mu.Lock()
	fd.flows = append(fd.flows, fedFlow{f: f, loc: loc, whole: true})
	fd.findings = append(fd.findings, findings...)
	fd.mu.Unlock()
	fd.poke()
}

// Backlog is how many flows wait for the UI to take them: a producer that
// may wait (a file being read) waits while it is large.
func (fd *Feed) Backlog() int {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	return len(fd.flows)
}

// backlogRoom is how many flows a producer that may wait leaves waiting
// for the UI (WaitForRoom).
const backlogRoom = 20_000

// WaitForRoom is where a producer that may wait (a file being read) waits
// while the UI has many of its flows still to take (it takes a batch per
// frame), so decoded flows stay bounded; it returns early once stop is
// closed (nil: never).
func (fd *Feed) WaitForRoom(stop <-chan struct{}) {
	for fd.Backlog() > backlogRoom {
		select {
		case <-stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// SetZone sets the time zone flows are shown in, once the producer knows
// it (the capture's own, from its first flow).
func (fd *Feed) SetZone(z *time.Location) {
	fd.mu.Lock()
	fd.zone = z
	fd.mu.Unlock()
	fd.poke()
}

// AddAll hands the UI a whole capture at once (`provtap open`).
func (fd *Feed) AddAll(flows []*capture.Flow, findings []analyze.Finding) {
	fd.mu.Lock()
	for _, f := range flows {
		fd.flows = append(fd.flows, fedFlow{f: f})
	}
	fd.findings = append(fd.findings, findings...)
	fd.mu.Unlock()
	fd.poke()
}

// SetRecordingError shows on the status line why the capture file stopped
// growing (a full disk); the proxy keeps running.
func (fd *Feed) SetRecordingError(err error) {
	fd.mu.Lock()
	fd.recErr = err
	fd.mu.Unlock()
	fd.poke()
}

// SetNote replaces the status line's note (e.g. "proxy stopped: …").
func (fd *Feed) SetNote(s string) {
	fd.mu.Lock()
	fd.note, fd.noteSet = s, true
	fd.mu.Unlock()
	fd.poke()
}

// Close says the producer is done; the UI keeps showing what it has.
func (fd *Feed) Close() {
	fd.mu.Lock()
	fd.closed = true
	fd.mu.Unlock()
	fd.doneOnce.Do(func() { close(fd.done) })
}

func (fd *Feed) poke() {
	select {
	case fd.notify <- struct{}{}:
	default:
	}
}

// batch is what piled up since the UI last looked.
type batch struct {
	flows    []fedFlow
	findings []analyze.Finding
	recErr   error
	note     *string
	zone     *time.Location
	closed   bool
}

func (fd *Feed) take() batch {
	fd.mu.Lock()
	defer fd.mu.Unlock()
	b := batch{flows: fd.flows, findings: fd.findings, recErr: fd.recErr, closed: fd.closed, zone: fd.zone}
	if fd.noteSet {
		n := fd.note
		b.note = &n
		fd.noteSet = false
	}
	fd.flows, fd.findings, fd.spare = fd.spare, nil, nil
	return b
}

// recycle gives back the flows of a batch the UI has applied: the next
// batch fills the same array rather than growing a new one (a file opened
// fills one every frame with thousands of flows).
func (fd *Feed) recycle(flows []fedFlow) {
	clear(flows) // hold on to no flow
	fd.mu.Lock()
	switch {
	case len(fd.flows) == 0 && cap(fd.flows) < cap(flows):
		fd.flows = flows[:0] // nothing came since the batch was taken
	case fd.spare == nil:
		fd.spare = flows[:0]
	}
	fd.mu.Unlock()
}

// feedMsg tells the model to drain the feed.
type feedMsg struct{}

// wait is the command that sleeps until the feed has something, then lets a
// little more pile up so a burst becomes one frame.
func (fd *Feed) wait() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-fd.notify:
		case <-fd.done:
		}
		time.Sleep(feedInterval)
		return feedMsg{}
	}
}
