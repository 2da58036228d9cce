package analyze

import "sort"

// Problem is one root cause: one kind, one logical client, one cookie,
// header or parameter, one API. A cause repeated on 13,000 requests is one
// problem with Count 13,000; reports and the TUI show problems, each with
// its affected requests.
type Problem struct {
	ID       int      `json:"id"`
	Kind     string   `json:"kind"`
	Severity Severity `json:"severity"` // the worst of its findings
	Title    string   `json:"title"`    // its first finding's
	Count    int      `json:"count"`
	Flows    []int    `json:"flows"` // affected requests, in order

	group string
	first Finding // the earliest of its worst findings: its detail and fix explain the problem
}

// First is the earliest of the problem's worst findings, whose title,
// detail and fix explain it.
func (p *Problem) First() Finding { return p.first }

// Problems groups findings into problems, worst first (then by first flow),
// numbered from 1, and sets each finding's Problem.
func Problems(findings []Finding) []*Problem {
	byGroup := map[string]*Problem{}
	var list []*Problem
	for i := range findings {
		fd := &findings[i]
		key := fd.group
		if key == "" {
			key = fd.Kind + "\x00" + fd.Title
		}
		p := byGroup[key]
		if p == nil {
			p = &Problem{Kind: fd.Kind, group: key, first: *fd}
			byGroup[key] = p
			list = append(list, p)
		}
		p.add(*fd)
	}
	for _, p := range list {
		sort.Ints(p.Flows)
		p.Flows = uniqueSorted(p.Flows)
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		switch {
		case a.Severity != b.Severity:
			return a.Severity > b.Severity
		case a.Flows[0] != b.Flows[0]:
			return a.Flows[0] < b.Flows[0]
		case a.Kind != b.Kind:
			return a.Kind < b.Kind
		}
		return a.group < b.group
	})
	for i, p := range list {
		p.ID = i + 1
		p.Count = len(p.Flows)
		p.Title = p.first.Title
	}
	for i := range findings {
		key := findings[i].group
		if key == "" {
			key = findings[i].Kind + "\x00" + findings[i].Title
		}
		findings[i].Problem = byGroup[key].ID
	}
	return list
}

func (p *Problem) add(fd Finding) {
	if fd.Severity > p.Severity {
		p.Severity = fd.Severity
	}
	if fd.Severity > p.first.Severity || fd.Severity == p.first.Severity && fd.Flow < p.first.Flow {
		p.first = fd
	}
	p.Flows = append(p.Flows, fd.Flow)
}

func uniqueSorted(ids []int) []int {
	out := ids[:0]
	for i, id := range ids {
		if i == 0 || id != ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}
