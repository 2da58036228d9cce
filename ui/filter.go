package ui

import (
	"sort"
	"strings"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// row is one flow in the list, with what the list needs precomputed.
type row struct {
	f    *capture.Flow    // without its bodies when loc is valid
	loc  har.Loc          // where the capture file holds the whole flow
	hay  string           // lower-case "method status host path" for the filter
	mark analyze.Severity // worst finding on this flow
}

func newRow(f *capture.Flow, loc har.Loc) *row {
	hay := strings.ToLower(methodText(f) + " " + statusText(f) + " " + f.Host + " " + pathText(f))
	return &row{f: f, loc: loc, hay: hay}
}

// filter is the `/` query: whitespace-separated terms, every one of which
// must occur in the method, status, host or path (case-insensitive). A term
// like 4xx matches a status class.
type filter struct {
	text  string
	terms []string
}

func newFilter(text string) filter {
	return filter{text: strings.TrimSpace(text), terms: strings.Fields(strings.ToLower(text))}
}

func (q filter) active() bool { return len(q.terms) > 0 }

func (q filter) match(r *row) bool {
	for _, t := range q.terms {
		if len(t) == 3 && t[1:] == "xx" && t[0] >= '1' && t[0] <= '5' {
			if r.f.Status/100 != int(t[0]-'0') {
				return false
			}
			continue
		}
		if !strings.Contains(r.hay, t) {
			return false
		}
	}
	return true
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
