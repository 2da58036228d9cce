package ui

import (
	"slices"
	"strings"

	"github.com/provtap/provtap/analyze"
)

// What the store keeps of the analyzers' findings, so that memory follows
// the number of root causes, not of findings (a capture can hold a million
// genuine ones): every finding goes into an analyze.ProblemSet (one
// problem per root cause, with its flows and its explaining finding); a
// flow keeps only (problem, severity) per finding on it (fref); and the
// texts of whole findings are kept for a bounded number per problem: its
// first keptFirst and its latest keptLatest.
//
// The choice for the rest: the detail pane shows a flow's kept finding
// when it has one, else the problem's explaining finding (the earliest of
// its worst, whose title, detail and fix explain every request it hit)
// with a line "the same problem as #N — n requests". Such a finding's own
// evidence and fix values are not known (another account's key is not
// this one's), so R and the evidence it names come only with kept ones.
const (
	keptFirst  = 32
	keptLatest = 32
)

// fref is one finding on a flow: its problem (index in order of first
// appearance) and its severity.
type fref struct {
	problem int32
	sev     int8
}

// kept is the texts kept of one problem's findings.
type kept struct {
	first  []analyze.Finding // its first keptFirst findings
	latest []analyze.Finding // a ring of the latest keptLatest after those
	next   int               // where the ring writes next
}

// each calls fn for every kept finding.
func (k *kept) each(fn func(*analyze.Finding)) {
	for i := range k.first {
		fn(&k.first[i])
	}
	for i := range k.latest {
		fn(&k.latest[i])
	}
}

// findingStore is the store's findings (see above).
type findingStore struct {
	set     *analyze.ProblemSet
	kinds   []string           // by problem index
	texts   []*kept            // by problem index
	byIndex []*analyze.Problem // by problem index, as of the last sort
	sorted  []*analyze.Problem // worst first, as of the last sort
	ids     []int              // problem index → ID, as of the last sort
	dirty   bool               // findings arrived since the last sort
	counts  [4]int             // findings by severity
	total   int
	pend    map[int][]fref  // findings on flows not in the store yet
	byRel   map[int][]int32 // flow → problems with a kept finding it is evidence for (one entry per such finding)
}

func newFindingStore() findingStore {
	return findingStore{set: analyze.NewProblemSet(), pend: map[int][]fref{}, byRel: map[int][]int32{}}
}

// add records one finding and returns what its flow keeps of it.
func (fs *findingStore) add(fd analyze.Finding) fref {
	i := fs.set.Add(fd)
	if i == len(fs.kinds) {
		fs.kinds = append(fs.kinds, fd.Kind)
		fs.texts = append(fs.texts, &kept{})
	}
	fs.dirty = true
	fs.total++
	if fd.Severity >= 0 && int(fd.Severity) < len(fs.counts) {
		fs.counts[fd.Severity]++
	}
	k := fs.texts[i]
	switch {
	case len(k.first) < keptFirst:
		k.first = append(k.first, fd)
	case len(k.latest) < keptLatest:
		k.latest = append(k.latest, fd)
	default:
		fs.unrelate(int32(i), k.latest[k.next])
		k.latest[k.next] = fd
		k.next = (k.next + 1) % keptLatest
	}
	for _, id := range fd.Related {
		fs.byRel[id] = append(fs.byRel[id], int32(i))
	}
	return fref{problem: int32(i), sev: int8(fd.Severity)}
}

// unrelate forgets that old's evidence flows are evidence for its problem.
func (fs *findingStore) unrelate(p int32, old analyze.Finding) {
	for _, id := range old.Related {
		ps := fs.byRel[id]
		if j := slices.Index(ps, p); j >= 0 {
			ps = slices.Delete(ps, j, j+1)
		}
		if len(ps) == 0 {
			delete(fs.byRel, id)
		} else {
			fs.byRel[id] = ps
		}
	}
}

// problems is the problems worst first, numbered from 1: sorted again only
// when findings arrived since it last was (the findings pane asks per frame).
func (fs *findingStore) problems() []*analyze.Problem {
	if fs.dirty {
		fs.sorted, fs.ids = fs.set.Sorted()
		fs.byIndex = make([]*analyze.Problem, len(fs.ids))
		for i, id := range fs.ids {
			fs.byIndex[i] = fs.sorted[id-1]
		}
		fs.dirty = false
	}
	return fs.sorted
}

// problem is the problem of index i. Its explaining finding and flows are
// live (the set updates them in place); the set is sorted again only for a
// problem that is new since the last sort.
func (fs *findingStore) problem(i int32) *analyze.Problem {
	if int(i) >= len(fs.byIndex) {
		fs.problems()
	}
	if int(i) >= len(fs.byIndex) {
		return nil
	}
	return fs.byIndex[i]
}

// shownFinding is a finding as the panes show it: kept whole, or the
// problem's explaining finding standing for one whose text was not kept.
type shownFinding struct {
	analyze.Finding
	problem int32
	same    int // 0: kept; else the flow of the explaining finding shown instead
	count   int // the problem's requests (when same != 0)
}

// on is a flow's findings: per problem, its kept findings on the flow, or
// the problem's explaining finding standing for them.
func (fs *findingStore) on(id int, refs []fref) []shownFinding {
	var out []shownFinding
	var done []int32
	for _, r := range refs {
		if slices.Contains(done, r.problem) {
			continue
		}
		done = append(done, r.problem)
		n := len(out)
		fs.texts[r.problem].each(func(fd *analyze.Finding) {
			if fd.Flow == id {
				out = append(out, shownFinding{Finding: *fd, problem: r.problem})
			}
		})
		if len(out) > n {
			continue
		}
		p := fs.problem(r.problem)
		if p == nil {
			continue
		}
		fd := p.First()
		fd.Flow, fd.Severity, fd.Related, fd.Missing = id, analyze.Severity(r.sev), nil, nil
		out = append(out, shownFinding{Finding: fd, problem: r.problem, same: p.First().Flow, count: len(p.Flows)})
	}
	sortShown(out)
	return out
}

// evidenceFor is the kept findings a flow is evidence for, worst first.
func (fs *findingStore) evidenceFor(id int) []shownFinding {
	var out []shownFinding
	var done []int32
	for _, p := range fs.byRel[id] {
		if slices.Contains(done, p) {
			continue
		}
		done = append(done, p)
		fs.texts[p].each(func(fd *analyze.Finding) {
			if slices.Contains(fd.Related, id) {
				out = append(out, shownFinding{Finding: *fd, problem: p})
			}
		})
	}
	sortShown(out)
	return out
}

// sortShown orders findings as analyze.SortFindings does: worst first,
// then by flow, kind and title.
func sortShown(fs []shownFinding) {
	slices.SortStableFunc(fs, func(a, b shownFinding) int {
		switch {
		case a.Severity != b.Severity:
			return int(b.Severity) - int(a.Severity)
		case a.Flow != b.Flow:
			return a.Flow - b.Flow
		case a.Kind != b.Kind:
			return strings.Compare(a.Kind, b.Kind)
		}
		return strings.Compare(a.Title, b.Title)
	})
}
