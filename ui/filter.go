package ui

import (
	"strings"
)

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
