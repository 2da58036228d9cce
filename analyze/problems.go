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
	Title    string   `json:"title"`    // its first worst finding's
	Count    int      `json:"count"`
	Flows    []int    `json:"flows"` // affected requests, in order

	group string
	index int     // order of first appearance
	first Finding // the earliest of its worst findings: its detail and fix explain the problem
}

// First is the earliest of the problem's worst findings, whose title,
// detail and fix explain it.
func (p *Problem) First() Finding { return p.first }

// ProblemSet groups findings into problems as they arrive, keeping per
// problem only its explaining finding and its flow numbers: memory follows
// the number of root causes, not of findings.
type ProblemSet struct {
	byGroup map[string]*Problem
	list    []*Problem // in order of first appearance
	count   int        // findings added
}

// NewProblemSet returns an empty set.
func NewProblemSet() *ProblemSet { return &ProblemSet{byGroup: map[string]*Problem{}} }

// Add records fd and returns its problem's index in order of first
// appearance (stable from the first finding on; IDs come with Sorted).
func (s *ProblemSet) Add(fd Finding) int {
	key := groupOf(fd)
	p := s.byGroup[key]
	if p == nil {
		p = &Problem{Kind: fd.Kind, group: key, index: len(s.list), first: fd}
		s.byGroup[key] = p
		s.list = append(s.list, p)
	}
	s.count++
	if fd.Severity > p.first.Severity || fd.Severity == p.first.Severity && fd.Flow < p.first.Flow {
		p.first = fd
	}
	if fd.Severity > p.Severity {
		p.Severity = fd.Severity
	}
	if n := len(p.Flows); n == 0 || p.Flows[n-1] != fd.Flow {
		p.Flows = append(p.Flows, fd.Flow)
	}
	return p.index
}

// Findings is how many findings were added.
func (s *ProblemSet) Findings() int { return s.count }

// Sorted returns the problems worst first (then by first flow), numbered
// from 1; ids[i] is the ID of the problem whose index is i.
func (s *ProblemSet) Sorted() (problems []*Problem, ids []int) {
	problems = append([]*Problem{}, s.list...)
	for _, p := range problems {
		if !sort.IntsAreSorted(p.Flows) {
			sort.Ints(p.Flows)
		}
		p.Flows = uniqueSorted(p.Flows)
		p.Count = len(p.Flows)
		p.Title = p.first.Title
	}
	sort.SliceStable(problems, func(i, j int) bool {
		a, b := problems[i], problems[j]
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
	ids = make([]int, len(problems))
	for i, p := range problems {
		p.ID = i + 1
		ids[p.index] = p.ID
	}
	return problems, ids
}

// Problems groups findings into problems, worst first, numbered from 1,
// and sets each finding's Problem.
func Problems(findings []Finding) []*Problem {
	s := NewProblemSet()
	idx := make([]int, len(findings))
	for i := range findings {
		idx[i] = s.Add(findings[i])
	}
	ps, ids := s.Sorted()
	for i := range findings {
		findings[i].Problem = ids[idx[i]]
	}
	return ps
}

func groupOf(fd Finding) string {
	if fd.group != "" {
		return fd.group
	}
	return fd.Kind + "\x00" + fd.Title
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
