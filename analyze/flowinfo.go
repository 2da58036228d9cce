package analyze

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/provtap/provtap/capture"
)

// succeeded is a 2xx or 3xx answer.
func succeeded(f *capture.Flow) bool { return f.Status >= 200 && f.Status < 400 }

// pathOnly is the request path without the query, shortened for titles.
func pathOnly(f *capture.Flow) string {
	p := f.Path()
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// clock formats a capture time for details (the capture's clock, with ms).
func clock(t time.Time) string { return t.Format("15:04:05.000") }

func appendClock(b []byte, t time.Time) []byte { return t.AppendFormat(b, "15:04:05.000") }

// appendLower appends strings.ToLower(s) without building it (ASCII, the
// usual case, by hand).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return append(b, strings.ToLower(s)...)
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// ago says how long before t the earlier time was, briefly.
func ago(earlier, t time.Time) string {
	d := t.Sub(earlier)
	switch {
	case d < 0:
		return "0 ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 0, 64) + " s"
	case d < time.Hour:
		return strconv.FormatFloat(d.Minutes(), 'f', 0, 64) + " min"
	}
	return strconv.FormatFloat(d.Hours(), 'f', 1, 64) + " h"
}

// flowRef is one earlier request: evidence in a finding.
type flowRef struct {
	ID     int
	Method string
}

// refList keeps the most recent evidence for a finding without growing with
// the capture: the first few and the last few references, plus a count.
type refList struct {
	first []flowRef
	// last is a ring once full: its oldest at head. (Shifting it on every
	// add was a copy with write barriers per header a request carried.)
	last  []flowRef
	head  int
	total int
}

const refsKept = 8

func (l *refList) add(r flowRef) {
	l.total++
	switch {
	case len(l.first) < refsKept:
		l.first = append(l.first, r)
	case len(l.last) < refsKept:
		l.last = append(l.last, r)
	default:
		l.last[l.head] = r
		l.head = (l.head + 1) % refsKept
	}
}

func (l *refList) refs() []flowRef {
	out := make([]flowRef, 0, len(l.first)+len(l.last))
	return append(append(append(out, l.first...), l.last[l.head:]...), l.last[:l.head]...)
}

func (l *refList) ids() []int {
	var out []int
	for _, r := range l.refs() {
		out = append(out, r.ID)
	}
	return out
}

func (l *refList) lastRef() flowRef {
	if len(l.last) > 0 {
		return l.last[(l.head+len(l.last)-1)%len(l.last)]
	}
	return l.first[len(l.first)-1]
}

// String is "GET #1–#4" or "GET #1, #3 and POST #2", grouped by method;
// runs of consecutive IDs collapse to a range.
func (l *refList) String() string {
	s := formatRefs(l.refs())
	if skipped := l.total - len(l.first) - len(l.last); skipped > 0 {
		s += fmt.Sprintf(" (%d requests in all)", l.total)
	}
	return s
}

func formatRefs(refs []flowRef) string {
	var methodsBuf [4]string
	methods := methodsBuf[:0]
	for _, r := range refs {
		if !slices.Contains(methods, r.Method) {
			methods = append(methods, r.Method)
		}
	}
	var b []byte
	var idsBuf [2 * refsKept]int
	for i, m := range methods {
		switch {
		case i == 0:
		case i == len(methods)-1:
			b = append(b, " and "...)
		default:
			b = append(b, ", "...)
		}
		ids := idsBuf[:0]
		for _, r := range refs {
			if r.Method == m {
				ids = append(ids, r.ID)
			}
		}
		b = appendIDs(append(append(b, m...), ' '), ids)
	}
	return string(b)
}

// formatIDs is "#1–#4, #7".
func formatIDs(ids []int) string {
	var buf [2 * refsKept]int
	return string(appendIDs(nil, append(buf[:0], ids...)))
}

// appendIDs appends formatIDs' text for ids, which it sorts.
func appendIDs(b []byte, ids []int) []byte {
	slices.Sort(ids)
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(append(b, '#'), int64(ids[i]), 10)
		switch {
		case j == i+1:
			b = strconv.AppendInt(append(b, ", #"...), int64(ids[j]), 10)
		case j > i+1:
			b = strconv.AppendInt(append(b, "–#"...), int64(ids[j]), 10)
		}
		i = j + 1
	}
	return b
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// related merges evidence flow IDs: sorted, unique, never the finding's own.
func related(self int, groups ...[]int) []int {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	out := make([]int, 0, n)
	for _, g := range groups {
		for _, id := range g {
			if id > 0 && id != self {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// scope is what one logical client knows about one origin (or API).
type scope struct{ client, where string }

func scopeOf(fx *Facts) scope { return scope{fx.Client.Key, fx.Origin} }

// containsFold reports whether s contains sub (ASCII, lower-case sub),
// ignoring case, without allocating.
func containsFold(s, sub string) bool {
	if strings.Contains(s, sub) {
		return true // as sent, the usual case: no fold at every position
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// sortedStrings is a sorted copy: ranging over a map must not decide what a
// report says.
func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
