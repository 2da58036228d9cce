package analyze

import (
	"slices"
	"sort"
	"strings"

	"github.com/provtap/provtap/capture"
)

// presenceItem is one header or query parameter a client sends to one
// origin: who carried it, with what, and who got by without it.
type presenceItem struct {
	display    string // spelling on the last carrier
	lastValue  string
	carriers   refList
	okCarriers int // carriers the server did not refuse
	stable     bool
	values     map[string]bool // distinct values, capped
	allNew     bool            // every carrier sent a value never seen before
	okMisses   int             // successful requests without it since it first appeared
	refMisses  int             // refused requests without it
	first      int             // flow of the first finding about it
	infoDone   bool
}

const distinctValuesKept = 32

func (it *presenceItem) carry(f *capture.Flow, display, value string, refused bool) {
	if it.carriers.total == 0 {
		it.stable, it.allNew, it.values = true, true, map[string]bool{}
	} else if value != it.lastValue {
		it.stable = false
	}
	if it.values[value] {
		it.allNew = false
	} else if len(it.values) < distinctValuesKept {
		it.values[value] = true
	}
	it.display, it.lastValue = display, value
	it.carriers.add(flowRef{f.ID, f.Method})
	if !refused {
		it.okCarriers++
	}
}

// perRequest: a value new on every one of several carriers is an id or a
// trace, not configuration.
func (it *presenceItem) perRequest() bool { return it.allNew && it.carriers.total >= 2 }

// missVerdict decides what it means that f lacks the item, and records the
// miss. minCarriers is how many carriers make it "consistently carried";
// named says the refusal names the item, which is decisive.
func (it *presenceItem) missVerdict(f *capture.Flow, refused, named bool, minCarriers int) Severity {
	switch {
	case refused:
		it.refMisses++
		if named {
			return Error
		}
		// The header helped before, and more requests carried it than got
		// through without it.
		if it.okCarriers > 0 && it.carriers.total >= minCarriers && it.carriers.total > it.okMisses {
			return Error
		}
	case succeeded(f) && !refused:
		verdict := None
		if !it.infoDone && it.carriers.total >= 3 && it.okMisses == 0 && it.refMisses == 0 {
			it.infoDone = true
			verdict = Info
		}
		it.okMisses++
		return verdict
	}
	return None
}

// presenceTracker scopes items per logical client and API: a header is
// lost only when the same client carried it to the same API.
type presenceTracker struct {
	scopes map[scope]*presenceScope
}

// presenceScope is what one client carried to one API, by lower-case name.
type presenceScope struct {
	items map[string]*presenceItem
	names []string // the items' names, sorted: verdicts come in name order
}

func newPresenceTracker() presenceTracker {
	return presenceTracker{scopes: map[scope]*presenceScope{}}
}

// has reports whether fx's client carried anything to fx's API yet.
func (t presenceTracker) has(fx *Facts) bool {
	s := t.scopes[scope{fx.Client.Key, fx.API}]
	return s != nil && len(s.names) > 0
}

func (t presenceTracker) scope(fx *Facts) *presenceScope {
	k := scope{fx.Client.Key, fx.API}
	s := t.scopes[k]
	if s == nil {
		s = &presenceScope{items: map[string]*presenceItem{}}
		t.scopes[k] = s
	}
	return s
}

// item is the named item, added when new.
func (s *presenceScope) item(name string) *presenceItem {
	if it := s.items[name]; it != nil {
		return it
	}
	it := &presenceItem{}
	s.items[name] = it
	i, _ := slices.BinarySearch(s.names, name)
	s.names = slices.Insert(s.names, i, name)
	return it
}

// presenceRule says, for an item a request lacks, how many carriers make
// it consistently carried and whether a verdict on it is reported at all
// (values that change per call are counted, never reported).
type presenceRule func(name string, it *presenceItem, named bool) (minCarriers int, report bool)

// observe judges what fx lacks of the items its client carried to its API
// (found is called for each verdict), then records what fx carries.
// present is what the request sent, by lower-case name, sorted and unique.
func (t presenceTracker) observe(fx *Facts, present []namedHeader, rule presenceRule,
	found func(name string, it *presenceItem, v missVerdict)) {
	f, ref := fx.Flow, fx.Refusal
	scope := t.scope(fx)
	for _, n := range scope.names {
		if hasCandidate(present, n) {
			continue
		}
		it := scope.items[n]
		// The key moved from the header to the query string (or back): not
		// lost while the server accepts it there. Refused in words that name
		// it or give no other reason (AWS's bare "Forbidden"), or by a status
		// that is about who the caller is, the server looked for it where
		// the others carried it.
		named := ref.Refused && ref.says(namePhrases(it.display)...)
		moved := valueElsewhere(f, it.lastValue)
		if moved && !(named || ref.givesNoReason() || ref.refusesIdentity()) {
			continue
		}
		minCarriers, report := rule(n, it, named)
		if sev := it.missVerdict(f, ref.Refused, named, minCarriers); sev != None && report {
			found(n, it, missVerdict{sev, named, moved})
			if it.first == 0 {
				it.first = f.ID
			}
		}
	}
	for _, h := range present {
		scope.item(h.lower).carry(f, h.Name, h.Value, ref.Refused)
	}
}

// missVerdict is what presenceTracker.observe found about an item a
// request lacks: how severe, whether the refusal names it, and whether its
// value travelled under another name on that request.
type missVerdict struct {
	sev          Severity
	named, moved bool
}

// sortedNames gives deterministic finding order.
func sortedNames[V any](s map[string]V) []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// valueElsewhere reports whether the request carries v under another name:
// the key moved from the header to the query string (or back), not lost.
func valueElsewhere(f *capture.Flow, v string) bool {
	if len(v) < 8 {
		return false
	}
	for _, h := range f.RequestHeaders {
		if strings.Contains(h.Value, v) {
			return true
		}
	}
	for _, vs := range f.Query() {
		for _, q := range vs {
			if q == v {
				return true
			}
		}
	}
	return false
}
