package ui

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/httpx"
)

// store is every flow the UI was given and the analyzers' findings on them,
// indexed the ways the panes ask: a flow by ID, the findings on a flow, the
// findings a flow is evidence for, the problems worst first. It knows
// nothing of the terminal, so it is tested on its own (store_test.go).
//
// A flow is kept as a compact row (row.go); its headers and bodies are read
// back from the capture file (files) when a pane needs them. Findings are
// kept as findstore.go says. Adding a batch costs the batch, not the
// flows or findings so far.
type store struct {
	all    rowsByID // every flow, in ID order
	fnd    findingStore
	files  *har.Store         // reads flows back from the capture file (nil: none)
	added  int                // flows added so far: the next row's seq
	setBy  map[string][]int32 // cookie name → flows whose response set it (for the cookies tab)
	hostW  int                // the widest host:port, for the list's host column
	names  map[string]string
	slab   []row            // rows are allocated here, slabRows at a time
	texts  *rowTexts        // the rows' hosts and paths, and the flows kept whole
	more   map[int][]fref   // the findings of a flow after its first (row.f0)
	recent [4]*capture.Flow // the flows last read back, newest first
}

const slabRows = 1024

func newStore(files *har.Store) *store {
	return &store{fnd: newFindingStore(), setBy: map[string][]int32{}, files: files, names: map[string]string{},
		texts: newRowTexts(), more: map[int][]fref{}}
}

// intern is one copy of s for all the rows that share it (hosts, kinds).
func (s *store) intern(v string) string {
	if x, ok := s.names[v]; ok {
		return x
	}
	v = strings.Clone(v)
	s.names[v] = v
	return v
}

// addFlow adds a flow and returns its row; nil when the store has that
// flow already (a replay the UI added before the proxy delivered it). The
// store keeps f itself only when loc is not valid (the capture file does
// not hold it).
func (s *store) addFlow(f *capture.Flow, loc har.Loc) *row {
	if s.all.find(f.ID) >= 0 {
		return nil
	}
	if s.files == nil {
		loc = har.Loc{}
	}
	hp := hostPort(f)
	if len(s.slab) == cap(s.slab) {
		s.slab = make([]row, 0, slabRows)
	}
	s.slab = s.slab[:len(s.slab)+1]
	r := &s.slab[len(s.slab)-1]
	fillRow(r, f, loc)
	r.host = s.texts.host(hp)
	p, cut := rowPath(f)
	r.path = s.texts.add(p)
	if !loc.Valid() {
		r.full = s.texts.keep(f)
	}
	if cut {
		r.flags |= rowPathCut
	}
	r.seq = int32(s.added)
	s.added++
	s.hostW = max(s.hostW, len(hp))
	for _, line := range setCookieLines(f) {
		if name, ok := httpx.SetCookieName(line); ok {
			name = s.intern(name)
			s.setBy[name] = append(s.setBy[name], int32(f.ID))
		}
	}
	if refs, ok := s.fnd.pend[f.ID]; ok {
		delete(s.fnd.pend, f.ID)
		for _, ref := range refs {
			s.attach(r, ref)
		}
	}
	s.all, _ = s.all.insert(r)
	return r
}

// attach records a finding on its row.
func (s *store) attach(r *row, ref fref) {
	if r.nf == 0 {
		r.f0, r.f0sev = ref.problem, ref.sev
	} else {
		s.more[r.id] = append(s.more[r.id], ref)
	}
	if r.nf < math.MaxUint8 {
		r.nf++
	}
	r.mark = max(r.mark, ref.sev)
}

// refs is the findings on a row.
func (s *store) refs(r *row) []fref {
	if r.nf == 0 {
		return nil
	}
	return append([]fref{{problem: r.f0, sev: r.f0sev}}, s.more[r.id]...)
}

// addFindings records findings and marks the flows they are on.
func (s *store) addFindings(fds []analyze.Finding) {
	for _, fd := range fds {
		ref := s.fnd.add(fd)
		if r := s.row(fd.Flow); r != nil {
			s.attach(r, ref)
		} else {
			s.fnd.pend[fd.Flow] = append(s.fnd.pend[fd.Flow], ref)
		}
	}
}

// len is the number of flows.
func (s *store) len() int { return len(s.all) }

// lastID is the highest flow ID (0 when there are none).
func (s *store) lastID() int {
	if len(s.all) == 0 {
		return 0
	}
	return s.all[len(s.all)-1].id
}

// row is the flow's row, or nil.
func (s *store) row(id int) *row {
	if i := s.all.find(id); i >= 0 {
		return s.all[i]
	}
	return nil
}

// flow is the flow with that ID as the row has it: metadata only (row.meta),
// unless the capture file does not hold it. full reads the rest.
func (s *store) flow(id int) *capture.Flow {
	if r := s.row(id); r != nil {
		return r.meta(s.texts)
	}
	return nil
}

// findingsOn is a flow's own findings and those it is evidence for, each
// worst first.
func (s *store) findingsOn(id int) (own, evidence []shownFinding) {
	var refs []fref
	if r := s.row(id); r != nil {
		refs = s.refs(r)
	} else {
		refs = s.fnd.pend[id]
	}
	return s.fnd.on(id, refs), s.fnd.evidenceFor(id)
}

// hasEvidence: the flow has a finding or is evidence for a kept one.
func (s *store) hasEvidence(id int) bool {
	r := s.row(id)
	return r != nil && r.nf > 0 || len(s.fnd.byRel[id]) > 0
}

// full is f with its headers and bodies: read back from the capture file
// when the store holds only its row, else f itself. On error f is returned
// as it is, with why it could not be read. The last few flows read are
// kept, so a frame that asks again does not read again.
func (s *store) full(f *capture.Flow) (*capture.Flow, error) {
	if f == nil {
		return nil, nil
	}
	for _, g := range s.recent {
		if g != nil && g.ID == f.ID {
			return g, nil
		}
	}
	r := s.row(f.ID)
	if r == nil {
		return f, nil
	}
	g, err := s.fullRow(r)
	if err == nil && g != s.texts.full(r.full) {
		copy(s.recent[1:], s.recent[:])
		s.recent[0] = g
	}
	return g, err
}

// fullRow is full for a row. It reads only the row and the capture file,
// never the store's indexes, so a background scan may call it.
func (s *store) fullRow(r *row) (*capture.Flow, error) {
	f, loc := s.source(r)
	if f != nil {
		return f, nil
	}
	g, err := s.files.Load(loc)
	if err != nil {
		return r.meta(s.texts), fmt.Errorf("its headers and bodies could not be read back from the capture file: %w", err)
	}
	g.ID = r.id
	return g, nil
}

// source is where r's whole flow is: kept (whole, or all there is of it),
// else at loc in the capture file (s.files).
func (s *store) source(r *row) (*capture.Flow, har.Loc) {
	if f := s.texts.full(r.full); f != nil {
		return f, har.Loc{}
	}
	if !r.loc.Valid() || s.files == nil {
		return r.meta(s.texts), har.Loc{}
	}
	return nil, r.loc
}

// setters is the flows whose responses set the cookie name before f
// started, newest first, read back whole.
func (s *store) setters(name string, f *capture.Flow) []*capture.Flow {
	var ids []int
	for _, id := range s.setBy[name] {
		ids = append(ids, int(id))
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ids)))
	var out []*capture.Flow
	for _, id := range ids {
		g := s.flow(id)
		if id >= f.ID || g == nil || !g.End.IsZero() && !f.Start.IsZero() && g.End.After(f.Start) {
			continue
		}
		if full, err := s.full(g); err == nil {
			g = full
		}
		out = append(out, g)
	}
	return out
}

// kinds is the kinds of the findings on a flow (for has: and kind:).
func (s *store) kinds(r *row) []string {
	var out []string
	for _, ref := range s.refs(r) {
		out = append(out, s.fnd.kinds[ref.problem])
	}
	return out
}

// rowsByID is a list of rows kept in flow-ID order.
type rowsByID []*row

// search is the index of the first row whose ID is >= id.
func (rs rowsByID) search(id int) int {
	return sort.Search(len(rs), func(i int) bool { return rs[i].id >= id })
}

// find is the index of the row with the given ID, or -1.
func (rs rowsByID) find(id int) int {
	if n := len(rs); n == 0 || rs[n-1].id < id {
		return -1 // a flow arriving in order: no search
	}
	i := rs.search(id)
	if i < len(rs) && rs[i].id == id {
		return i
	}
	return -1
}

// insert adds r in ID order. Flows complete nearly in order, so this is an
// append almost always.
func (rs rowsByID) insert(r *row) (rowsByID, int) {
	n := len(rs)
	if n == 0 || rs[n-1].id <= r.id {
		return append(rs, r), n
	}
	i := rs.search(r.id)
	rs = append(rs, nil)
	copy(rs[i+1:], rs[i:])
	rs[i] = r
	return rs, i
}
