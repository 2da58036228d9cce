package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// store is every flow the UI was given and the analyzers' findings on them,
// indexed the ways the panes ask: a flow by ID, the findings on a flow, the
// findings a flow is evidence for, the worst first. It knows nothing of the
// terminal, so it is tested on its own (store_test.go).
//
// A live session hands over flows without their bodies (har.WithoutBodies)
// and where the capture file keeps them whole; full reads them back.
type store struct {
	all      rowsByID          // every flow, in ID order
	findings []analyze.Finding // in arrival (flow) order
	byFlow   map[int][]int     // flow ID → findings on it
	byRel    map[int][]int     // flow ID → findings it is evidence for
	counts   [4]int            // findings by severity
	worst    []analyze.Finding // findings, worst first (sorted on arrival)
	files    *har.Store        // reads flows back from the capture file (nil: none)
	added    int               // flows added so far: the next row's seq
	setBy    map[string][]int  // cookie name → flows whose response set it (for the cookies tab)
	hostW    int               // the widest host:port, for the list's host column
}

func newStore(files *har.Store) *store {
	return &store{byFlow: map[int][]int{}, byRel: map[int][]int{}, setBy: map[string][]int{}, files: files}
}

// row is one flow in the list, with what the list needs precomputed.
type row struct {
	f    *capture.Flow    // without its bodies when loc is valid
	loc  har.Loc          // where the capture file holds the whole flow
	hay  string           // lower-case "method status host:port path" for the filter
	seq  int              // the order the store received it in
	mark analyze.Severity // worst finding on this flow
}

func newRow(f *capture.Flow, loc har.Loc) *row {
	hay := strings.ToLower(methodText(f) + " " + statusText(f) + " " + hostPort(f) + " " + pathText(f))
	return &row{f: f, loc: loc, hay: hay}
}

// addFlow adds a flow and returns its row; nil when the store has that
// flow already (a replay the UI added before the proxy delivered it).
func (s *store) addFlow(f *capture.Flow, loc har.Loc) *row {
	if s.all.find(f.ID) >= 0 {
		return nil
	}
	r := newRow(f, loc)
	r.seq = s.added
	s.added++
	s.hostW = max(s.hostW, len(hostPort(f)))
	for _, line := range setCookieLines(f) {
		if c, err := parseSetCookie(line); err == nil {
			s.setBy[c.Name] = append(s.setBy[c.Name], f.ID)
		}
	}
	for _, i := range s.byFlow[f.ID] {
		r.mark = max(r.mark, s.findings[i].Severity)
	}
	s.all, _ = s.all.insert(r)
	return r
}

// addFindings records findings and marks the flows they are on.
func (s *store) addFindings(fds []analyze.Finding) {
	for _, fd := range fds {
		idx := len(s.findings)
		s.findings = append(s.findings, fd)
		s.byFlow[fd.Flow] = append(s.byFlow[fd.Flow], idx)
		for _, id := range fd.Related {
			s.byRel[id] = append(s.byRel[id], idx)
		}
		if fd.Severity >= 0 && int(fd.Severity) < len(s.counts) {
			s.counts[fd.Severity]++
		}
		if r := s.row(fd.Flow); r != nil {
			r.mark = max(r.mark, fd.Severity)
		}
	}
	if len(fds) > 0 {
		s.worst = append([]analyze.Finding(nil), s.findings...)
		analyze.SortFindings(s.worst)
	}
}

// len is the number of flows.
func (s *store) len() int { return len(s.all) }

// lastID is the highest flow ID (0 when there are none).
func (s *store) lastID() int {
	if len(s.all) == 0 {
		return 0
	}
	return s.all[len(s.all)-1].f.ID
}

// row is the flow's row, or nil.
func (s *store) row(id int) *row {
	if i := s.all.find(id); i >= 0 {
		return s.all[i]
	}
	return nil
}

// flow is the flow with that ID as the UI holds it (maybe without bodies).
func (s *store) flow(id int) *capture.Flow {
	if r := s.row(id); r != nil {
		return r.f
	}
	return nil
}

// findingsOn is a flow's own findings and those it is evidence for, each
// worst first.
func (s *store) findingsOn(id int) (own, evidence []analyze.Finding) {
	for _, i := range s.byFlow[id] {
		own = append(own, s.findings[i])
	}
	for _, i := range s.byRel[id] {
		evidence = append(evidence, s.findings[i])
	}
	analyze.SortFindings(own)
	analyze.SortFindings(evidence)
	return own, evidence
}

// full is f with its headers and bodies: read back from the capture file
// when the store holds only its metadata, else f itself. On error f is
// returned as it is, with why it could not be read.
func (s *store) full(f *capture.Flow) (*capture.Flow, error) {
	if f == nil {
		return nil, nil
	}
	r := s.row(f.ID)
	if r == nil {
		return f, nil
	}
	return s.fullRow(r)
}

// fullRow is full for a row. It reads only the row and the capture file,
// never the store's indexes, so a background scan may call it.
func (s *store) fullRow(r *row) (*capture.Flow, error) {
	if !r.loc.Valid() || s.files == nil {
		return r.f, nil
	}
	g, err := s.files.Load(r.loc)
	if err != nil {
		return r.f, fmt.Errorf("its bodies could not be read back from the capture file: %w", err)
	}
	g.ID = r.f.ID
	return g, nil
}

// setters is the flows whose responses set the cookie name before f
// started, newest first, read back whole.
func (s *store) setters(name string, f *capture.Flow) []*capture.Flow {
	ids := append([]int(nil), s.setBy[name]...)
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
func (s *store) kinds(id int) []string {
	var out []string
	for _, i := range s.byFlow[id] {
		out = append(out, s.findings[i].Kind)
	}
	return out
}

// rowsByID is a list of rows kept in flow-ID order.
type rowsByID []*row

// search is the index of the first row whose ID is >= id.
func (rs rowsByID) search(id int) int {
	return sort.Search(len(rs), func(i int) bool { return rs[i].f.ID >= id })
}

// find is the index of the row with the given ID, or -1.
func (rs rowsByID) find(id int) int {
	i := rs.search(id)
	if i < len(rs) && rs[i].f.ID == id {
		return i
	}
	return -1
}

// insert adds r in ID order. Flows complete nearly in order, so this is an
// append almost always.
func (rs rowsByID) insert(r *row) (rowsByID, int) {
	n := len(rs)
	if n == 0 || rs[n-1].f.ID <= r.f.ID {
		return append(rs, r), n
	}
	i := rs.search(r.f.ID)
	rs = append(rs, nil)
	copy(rs[i+1:], rs[i:])
	rs[i] = r
	return rs, i
}
