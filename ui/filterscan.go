package ui

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/provtap/provtap/capture"
)

// What the list shows is the store's flows that pass the filter and were
// not cleared (z), in the list's order (o). Applying a filter reads every
// flow, and a term that needs headers or bodies reads each flow back from
// the capture file, so on a large capture it runs in chunks: the first
// chunk at once (a capture of a few thousand flows is done before the next
// frame), the rest as background commands that each report what matched
// and how far they got; the status line shows the progress. A new filter
// stops the scan that was running.

// Rows read per chunk: filters that read flows back from the capture file
// do fewer per chunk, so progress shows and a new filter stops them soon.
const (
	chunkMeta = 50_000
	chunkRead = 2_000
)

// scanState is the scan of the store for the current filter.
type scanState struct {
	gen  int          // which filter the scan is for
	next int          // flows with an ID below next have been read (0: not scanning)
	read int          // how many
	stop *atomic.Bool // set when the scan is no longer wanted
}

// scanMsg is what a background chunk found.
type scanMsg struct {
	gen  int
	hits []*row
	read int
}

func (m *Model) scanning() bool { return m.scan.next != 0 }

// plainView: the list is every flow in flow order (it shares the store's rows).
func (m *Model) plainView() bool {
	return !m.filter.active() && m.clearSeq == 0 && m.list.order == sortFlow
}

// subject is r as the current filter sees it.
func (m *Model) subject(r *row) subject { return m.subjectFor(m.filter, r) }

// subjectFor is r as the filter q sees it: the kinds of its findings only
// when q asks about findings.
func (m *Model) subjectFor(q filter, r *row) subject {
	st := m.store
	var kinds []string
	if q.usesFindings() {
		kinds = st.kinds(r)
	}
	return subject{r: r, texts: st.texts, kinds: kinds, load: func(r *row) *capture.Flow {
		f, _ := st.fullRow(r) // the same read-back as Model.full
		return f
	}}
}

// shown reports whether the list shows r.
func (m *Model) shown(r *row) bool {
	if int(r.seq) < m.clearSeq {
		return false
	}
	if !m.filter.active() {
		return true
	}
	s := m.subject(r)
	return m.filter.match(&s)
}

// setFilter applies the `/` expression. A bad one leaves the filter as it
// was; the prompt shows what is wrong with it.
func (m *Model) setFilter(text string) tea.Cmd {
	q, err := parseFilter(text)
	m.prompt.err = ""
	if err != nil {
		m.prompt.err = err.Error()
		return nil
	}
	if q.text == m.filter.text {
		return nil
	}
	m.filter = q
	return m.refresh()
}

// refresh recomputes what the list shows from the store: the first chunk
// now, the rest in the background.
func (m *Model) refresh() tea.Cmd {
	if m.scan.stop != nil {
		m.scan.stop.Store(true)
	}
	m.scan = scanState{gen: m.scan.gen + 1}
	if m.plainView() {
		m.list.setRows(m.store.all)
		m.syncDetail()
		return nil
	}
	budget := len(m.store.all)
	if m.filter.needsFlow() {
		budget = chunkRead
	} else if m.filter.active() {
		budget = chunkMeta
	}
	var rows rowsByID
	all := m.store.all
	n := min(budget, len(all))
	for _, r := range all[:n] {
		if m.shown(r) {
			rows = append(rows, r)
		}
	}
	m.list.setRows(m.list.order.sorted(m.store.texts, rows))
	m.syncDetail()
	if n == len(all) {
		return nil
	}
	m.scan.next, m.scan.read, m.scan.stop = all[n].id, n, &atomic.Bool{}
	return m.scanChunk()
}

// scanChunk hands the next chunk of flows to a background command.
func (m *Model) scanChunk() tea.Cmd {
	all := m.store.all
	i := all.search(m.scan.next)
	size := chunkMeta
	if m.filter.needsFlow() {
		size = chunkRead
	}
	end := min(i+size, len(all))
	items := make([]subject, 0, end-i)
	for _, r := range all[i:end] {
		items = append(items, m.subject(r))
	}
	m.scan.next = m.store.lastID() + 1
	if end < len(all) {
		m.scan.next = all[end].id
	}
	q, gen, stop, cleared := m.filter, m.scan.gen, m.scan.stop, m.clearSeq
	parts := 1
	if q.needsFlow() {
		parts = runtime.GOMAXPROCS(0) // reading flows back is CPU-bound decoding
	}
	return func() tea.Msg {
		hits := make([][]*row, parts)
		var wg sync.WaitGroup
		for p := range parts {
			wg.Go(func() {
				for k := p * len(items) / parts; k < (p+1)*len(items)/parts; k++ {
					if stop.Load() {
						return
					}
					if int(items[k].r.seq) >= cleared && q.match(&items[k]) {
						hits[p] = append(hits[p], items[k].r)
					}
				}
			})
		}
		wg.Wait()
		if stop.Load() {
			return nil
		}
		return scanMsg{gen: gen, hits: slices.Concat(hits...), read: len(items)}
	}
}

// scanned takes in a chunk's matches and asks for the next chunk.
func (m *Model) scanned(msg scanMsg) tea.Cmd {
	if msg.gen != m.scan.gen || !m.scanning() {
		return nil // a filter that is no longer wanted
	}
	for _, r := range msg.hits {
		m.list.add(r)
	}
	m.scan.read += msg.read
	m.syncDetail()
	if m.scan.next > m.store.lastID() {
		m.scan = scanState{gen: m.scan.gen}
		return nil
	}
	return m.scanChunk()
}

// showArrived puts a flow that just arrived in the list when it is shown;
// whole, when not nil, is the flow with its headers and bodies, which the
// filter then need not read back.
func (m *Model) showArrived(r *row, whole *capture.Flow) {
	switch {
	case m.plainView():
		m.list.rows = m.store.all
		m.list.inserted(m.store.all.find(r.id))
	case m.scanning() && r.id >= m.scan.next:
		// the scan gets to it
	case int(r.seq) < m.clearSeq:
	case !m.filter.active():
		m.list.add(r)
	default:
		s := m.subject(r)
		s.full = whole
		if m.filter.match(&s) {
			m.list.add(r)
		}
	}
}

// rejudge shows or hides a flow the filter had judged before new findings
// on it came (has:, kind:).
func (m *Model) rejudge(r *row) {
	if m.plainView() || m.scanning() && r.id >= m.scan.next {
		return // shown anyway, or the scan gets to it
	}
	i := m.list.indexOf(r.id)
	switch show := m.shown(r); {
	case show && i < 0:
		m.list.add(r)
	case !show && i >= 0:
		m.list.remove(i)
	}
}

// resort puts the shown rows in the list's order (o).
func (m *Model) resort() {
	if m.plainView() {
		m.list.setRows(m.store.all)
	} else {
		m.list.setRows(m.list.order.sorted(m.store.texts, m.list.rows))
	}
	m.syncDetail()
}

// clearView (z) hides every flow seen so far; new flows appear as they
// come. The store and the capture file keep everything: Z shows it again.
func (m *Model) clearView() tea.Cmd {
	n := m.store.added - m.clearSeq
	if n == 0 {
		return m.flash(false, "nothing to clear: no flow shown")
	}
	m.clearSeq = m.store.added
	cmd := m.refresh()
	m.flash(false, "view cleared: %s hidden (the capture file keeps them) · Z shows them again", plural(m.clearSeq, "flow"))
	return cmd
}

// unclearView (Z) shows the cleared flows again.
func (m *Model) unclearView() tea.Cmd {
	if m.clearSeq == 0 {
		return m.flash(false, "nothing was cleared (z clears the view)")
	}
	n := m.clearSeq
	m.clearSeq = 0
	cmd := m.refresh()
	m.flash(false, "the %s cleared are shown again", plural(n, "flow"))
	return cmd
}

// filterStatus is the status line's flow count.
func (m *Model) filterStatus() string {
	n := m.store.len() - m.clearSeq
	switch {
	case m.scanning():
		return fmt.Sprintf("filtering /%s: %d match in %d of %d flows read…", m.filter.text, len(m.list.rows), m.scan.read, m.store.len())
	case m.filter.active():
		return fmt.Sprintf("%d of %d flows match /%s", len(m.list.rows), n, m.filter.text)
	}
	return plural(n, "flow")
}
