package ui

import (
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"sort"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// apply takes in what the feed collected: flows go in the list's order
// (the selection stays on its flow), findings mark their flows.
func (m *Model) apply(b batch) tea.Cmd {
	// Findings first: a flow that arrives with its findings is marked, and
	// has:finding sees them.
	// Everything here costs the batch, not the flows so far.
	var stale []*row // flows the filter judged before their findings came
	if m.filter.usesFindings() {
		for _, fd := range b.findings {
			if r := m.store.row(fd.Flow); r != nil && (len(stale) == 0 || stale[len(stale)-1] != r) {
				stale = append(stale, r)
			}
		}
	}
	m.store.addFindings(b.findings)
	if b.zone != nil && b.zone != m.list.zone {
		m.opts.Zone, m.list.zone, m.detail.zone = b.zone, b.zone, b.zone
	}
	for _, fed := range b.flows {
		if r := m.store.addFlow(fed.f, fed.loc); r != nil {
			var whole *capture.Flow
			if fed.whole {
				whole = fed.f
			}
			m.showArrived(r, whole)
		}
	}
	for _, r := range stale {
		m.rejudge(r)
	}
	if b.recErr != nil {
		m.recErr = b.recErr
	}
	if b.note != nil {
		m.note = *b.note
	}
	if b.closed && !m.closed && m.opts.SelectWorst && !m.touched {
		m.selectWorst()
	}
	m.closed = b.closed
	m.list.clamp()
	if id := m.awaitReplay; id != 0 && m.store.row(id) != nil {
		m.awaitReplay = 0
		m.jumpTo(id, "")
	}
	m.syncDetail()
	return nil
}

// selectWorst selects the worst problem's first flow (`provtap open`,
// once every flow is in).
func (m *Model) selectWorst() {
	if ps := m.store.fnd.problems(); len(ps) > 0 && len(ps[0].Flows) > 0 {
		m.list.selectID(ps[0].First().Flow)
	}
}

// syncDetail shows the selected flow in the detail pane when it changed (or
// got new findings).
func (m *Model) syncDetail() {
	r := m.list.selected()
	if r == nil {
		if m.detail.flow != nil {
			m.detail.show(nil, nil, nil)
		}
		return
	}
	own, ev := m.findingsOn(r.id)
	f := r.meta(m.store.texts)
	fixable := m.canFix(f)
	if m.detail.flow != nil && m.detail.flow.ID == r.id && len(own) == len(m.detail.own) && len(ev) == len(m.detail.evidence) && fixable == m.detail.fixable {
		return
	}
	m.detail.fixable = fixable
	m.detail.show(f, own, ev)
}

// findingsOn is a flow's own findings (worst first) and those it is
// evidence for.
func (m *Model) findingsOn(id int) (own, evidence []shownFinding) {
	return m.store.findingsOn(id)
}

// findingOf is a flow's finding of one problem, for the findings pane.
func (m *Model) findingOf(id int, p *analyze.Problem) (shownFinding, bool) {
	own, _ := m.findingsOn(id)
	for _, fd := range own {
		if m.store.fnd.problem(fd.problem) == p {
			return fd, true
		}
	}
	return shownFinding{}, false
}

// full is f with its headers and bodies, read back from the capture file
// when the UI holds only its row, else f itself.
func (m *Model) full(f *capture.Flow) (*capture.Flow, error) { return m.store.full(f) }

// fullOrSame is full without the error: f as it is when it cannot be read.
func (m *Model) fullOrSame(f *capture.Flow) *capture.Flow {
	g, _ := m.full(f)
	return g
}

// flowByID is the flow's metadata (row.meta); full reads the rest.
func (m *Model) flowByID(id int) *capture.Flow { return m.store.flow(id) }

// fullByID is the whole flow (nil when there is none).
func (m *Model) fullByID(id int) *capture.Flow {
	if f := m.store.flow(id); f != nil {
		return m.fullOrSame(f)
	}
	return nil
}

// describe is a one-line summary of a flow for the findings pane.
func (m *Model) describe(id int) string {
	r := m.store.row(id)
	if r == nil {
		return fmt.Sprintf("#%d", id)
	}
	// Evidence in the findings pane: credential parameters masked, as in
	// the finding texts.
	return oneLine(fmt.Sprintf("#%d %s %s → %s", id, r.methodText(), analyze.MaskTarget(m.store.texts.text(r.path)), r.statusText()))
}

// jumpTo selects a flow in the list, clearing a filter that hides it.
func (m *Model) jumpTo(id int, note string) tea.Cmd {
	m.focus = focusList
	m.layout()
	if !m.list.selectID(id) {
		r := m.store.row(id)
		if r == nil {
			return m.flash(true, "flow #%d is not in this capture", id)
		}
		var why []string
		if m.filter.active() {
			m.filter, why = filter{}, append(why, "filter cleared")
		}
		if int(r.seq) < m.clearSeq {
			m.clearSeq, why = 0, append(why, "cleared flows shown again")
		}
		m.refresh()
		m.list.selectID(id)
		note = strings.TrimSpace(note + " (" + strings.Join(why, ", ") + " to show it)")
	}
	m.syncDetail()
	if note != "" {
		return m.flash(false, "#%d: %s", id, note)
	}
	return nil
}

// related goes to the evidence of the finding at hand: in the findings pane
// the selected finding's; elsewhere the worst finding on (or evidenced by)
// the selected flow's. It steps to the next flow (after the selected one)
// among the finding's flow and its related flows. A finding whose text was
// not kept (findstore.go) has no evidence of its own: v goes to the flow
// whose finding explains the problem.
func (m *Model) related() tea.Cmd {
	var fd shownFinding
	var ok bool
	cur := m.list.selectedID()
	if m.focus == focusFindings {
		fd, ok = m.fpane.selected()
		cur = fd.Flow
	} else if own, ev := m.findingsOn(cur); len(own) > 0 {
		fd, ok = own[0], true
	} else if len(ev) > 0 {
		fd, ok = ev[0], true
	}
	if !ok {
		return m.flash(true, "no finding here, so no related flows")
	}
	if fd.same != 0 {
		return m.jumpTo(fd.same, fmt.Sprintf("explains the problem of #%d (%s): its evidence is kept here (v: next related)", fd.Flow, fd.Kind))
	}
	ids := append([]int{fd.Flow}, fd.Related...)
	sort.Ints(ids)
	next := ids[0]
	for _, id := range ids {
		if id > cur {
			next = id
			break
		}
	}
	what := "evidence for"
	if next == fd.Flow {
		what = "where it shows:"
	}
	return m.jumpTo(next, fmt.Sprintf("%s #%d %s (v: next related)", what, fd.Flow, fd.Kind))
}

// hasEvidence: the flow has a finding or is evidence for one (v goes somewhere).
func (m *Model) hasEvidence(id int) bool { return m.store.hasEvidence(id) }

// nextMarked selects the next (dir 1) or previous (-1) shown flow with a finding.
func (m *Model) nextMarked(dir int) {
	rows := m.list.rows
	for i := m.list.cursor + dir; i >= 0 && i < len(rows); i += dir {
		if rows[i].sev() > analyze.None {
			m.list.selectID(rows[i].id)
			m.syncDetail()
			return
		}
	}
	m.flash(false, "no more flows with findings that way")
}

// targetFlow is the flow the keys act on (c copies, r replays): the
// selected line's in the findings pane, else the selected flow.
func (m *Model) targetFlow() *capture.Flow {
	if m.focus == focusFindings {
		if id := m.fpane.targetID(); id != 0 {
			return m.flowByID(id)
		}
	}
	if r := m.list.selected(); r != nil {
		if d := m.detail.flow; d != nil && d.ID == r.id {
			return d // read back already
		}
		return r.meta(m.store.texts)
	}
	return nil
}

func (m *Model) captureDir() string {
	if m.opts.CapturePath != "" {
		return filepath.Dir(m.opts.CapturePath)
	}
	return ""
}

// flowsToSave is what `s` writes: the flows shown (every flow, unless a
// filter hides some), as they are now, read back one at a time while the
// file is written. What the rows say is taken here, on the UI goroutine
// (the store is its own); the sequence only reads the capture file, so a
// 10⁶-flow capture is saved without holding it or freezing the screen.
// failed says, once the sequence was read, which flow could not be read
// back (the file changed since): the sequence stopped there.
func (m *Model) flowsToSave() (n int, flows iter.Seq[*capture.Flow], failed func() error) {
	type item struct {
		f   *capture.Flow // kept whole, or all there is of it
		loc har.Loc
		id  int
	}
	items := make([]item, len(m.list.rows))
	for i, r := range m.list.rows {
		items[i].f, items[i].loc = m.store.source(r)
		items[i].id = r.id
	}
	files := m.store.files
	var readErr error
	return len(items), func(yield func(*capture.Flow) bool) {
		for _, it := range items {
			f := it.f
			if f == nil {
				g, err := files.Load(it.loc)
				if err != nil {
					readErr = fmt.Errorf("flow %d could not be read back from the capture file: %w", it.id, err)
					return
				}
				g.ID, f = it.id, g
			}
			if !yield(f) {
				return
			}
		}
	}, func() error { return readErr }
}

// defaultSavePath is beside the capture file: <name>-saved.har, numbered
// when it exists.
func (m *Model) defaultSavePath() string {
	dir, stem := m.captureDir(), "provtap"
	if m.opts.CapturePath != "" {
		stem = strings.TrimSuffix(filepath.Base(m.opts.CapturePath), filepath.Ext(m.opts.CapturePath))
	}
	if dir == "" {
		dir, _ = os.Getwd()
	}
	p := filepath.Join(dir, stem+"-saved.har")
	for i := 2; i < 1000; i++ {
		if _, err := os.Stat(p); os.IsNotExist(err) {
			break
		}
		p = filepath.Join(dir, fmt.Sprintf("%s-saved-%d.har", stem, i))
	}
	return p
}

func (m *Model) openSave() tea.Cmd {
	if m.scanning() {
		return m.flash(true, "not yet: the filter has read %d of %d flows; s saves what it shows when it is done", m.scan.read, m.store.len())
	}
	n := len(m.list.rows)
	label := fmt.Sprintf("save %d flows to: ", n)
	if m.filter.active() {
		label = fmt.Sprintf("save the %d flows matching /%s to: ", n, m.filter.text)
	}
	return m.openPrompt(promptSave, label, m.defaultSavePath())
}

// save writes the shown flows to path, off the UI goroutine.
func (m *Model) save(path string) tea.Cmd {
	path = strings.TrimSpace(path)
	if path == "" {
		return m.flash(true, "not saved: no file name")
	}
	if strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, path[2:])
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return m.flash(true, "not saved: %v", err)
	}
	if st, err := os.Stat(abs); err == nil && st.IsDir() {
		abs = filepath.Join(abs, filepath.Base(m.defaultSavePath()))
	}
	if m.opts.Live && m.opts.CapturePath != "" {
		if cp, err := filepath.Abs(m.opts.CapturePath); err == nil && cp == abs {
			return m.flash(true, "not saved: %s is the capture being recorded; choose another name", abs)
		}
	}
	n, flows, failed := m.flowsToSave()
	save := m.opts.Save
	return func() tea.Msg {
		err := save(abs, flows)
		if rerr := failed(); err == nil && rerr != nil {
			os.Remove(abs) // the copy it wrote lacks flows: not the capture asked for
			err = rerr
		}
		return savedMsg{path: abs, n: n, err: err}
	}
}
