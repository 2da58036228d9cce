package ui

import (
	"sort"
	"strings"
)

// sortKey is how the list is sorted; o cycles through them and back to
// flow order.
type sortKey int

const (
	sortFlow     sortKey = iota // flow ID: the order requests started
	sortTime                    // newest first
	sortStatus                  // failures first: no response, 5xx, 4xx …
	sortDuration                // slowest first
	sortSize                    // largest response first
	sortHost                    // host:port A–Z
	sortKeys
)

var sortNames = [sortKeys]string{"flow order", "time, newest first", "status, failures first", "duration, slowest first",
	"size, largest first", "host"}

func (k sortKey) String() string { return sortNames[k] }

func (k sortKey) next() sortKey { return (k + 1) % sortKeys }

// less orders two rows; ties go by flow ID, so every order is total.
func (k sortKey) less(t *rowTexts, a, b *row) bool {
	switch k {
	case sortTime:
		if a.start != b.start {
			return a.start > b.start
		}
	case sortStatus:
		if sa, sb := statusRank(int(a.status)), statusRank(int(b.status)); sa != sb {
			return sa > sb
		}
	case sortDuration:
		if a.dur != b.dur {
			return a.dur > b.dur
		}
	case sortSize:
		if a.respSize != b.respSize {
			return a.respSize > b.respSize
		}
	case sortHost:
		if ha, hb := strings.ToLower(t.text(a.host)), strings.ToLower(t.text(b.host)); ha != hb {
			return ha < hb
		}
	}
	return a.id < b.id
}

// statusRank puts a flow without a response above every status.
func statusRank(code int) int {
	if code == 0 {
		return 1000
	}
	return code
}

// sorted is rows in the order k (a new slice; rows is not changed).
func (k sortKey) sorted(t *rowTexts, rows rowsByID) rowsByID {
	out := append(rowsByID(nil), rows...)
	less := func(i, j int) bool { return k.less(t, out[i], out[j]) }
	if !sort.SliceIsSorted(out, less) {
		sort.Slice(out, less)
	}
	return out
}
