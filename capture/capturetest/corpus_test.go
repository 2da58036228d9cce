package capturetest_test

import (
	"bytes"
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture/capturetest"
)

// A night's run of many accounts, as a HAR from another tool (no client
// addresses, no connection ids): every refused seed-pattern request is
// explained with its seed's kind, no request that succeeded gets an error,
// and the root causes read as a handful of problems.
func TestNightRunCorpus(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	c := capturetest.GenerateCorpus(n, 1)
	got := analyze.Run(c.Flows)
	on := map[int]map[string]analyze.Severity{}
	for _, fd := range got {
		if on[fd.Flow] == nil {
			on[fd.Flow] = map[string]analyze.Severity{}
		}
		if fd.Severity > on[fd.Flow][fd.Kind] {
			on[fd.Flow][fd.Kind] = fd.Severity
		}
	}
	var refused, diagnosed, errorsOnSuccess int
	misses := map[capturetest.Role]int{}
	for i, f := range c.Flows {
		kinds := on[f.ID]
		switch role := c.Roles[i]; role {
		case capturetest.Seed1:
			refused++
			if kinds[analyze.KindDroppedCookie] == analyze.Error || kinds[analyze.KindConcurrentSession] == analyze.Error {
				diagnosed++
			} else {
				misses[role]++
			}
		case capturetest.Seed2, capturetest.Seed2Query:
			refused++
			ok := kinds[analyze.KindLostHeader] == analyze.Error
			if role == capturetest.Seed2Query {
				ok = ok && kinds[analyze.KindLostQueryParam] == analyze.Error
			}
			if ok {
				diagnosed++
			} else {
				misses[role]++
			}
		case capturetest.RefusedOther:
			if _, lost := kinds[analyze.KindLostHeader]; lost {
				t.Errorf("#%d: a key its account never sent is reported lost", f.ID)
			}
		default:
			for k, sev := range kinds {
				if sev == analyze.Error {
					errorsOnSuccess++
					if errorsOnSuccess <= 5 {
						t.Errorf("#%d %s %s → %d (%v): %s error on a request that was not refused", f.ID, f.Method, f.Path(), f.Status, role, k)
					}
				}
			}
		}
	}
	r := analyze.NewReport(len(c.Flows), got)
	t.Logf("%d flows: %d refused seed-pattern requests, %d diagnosed (%.2f%%), misses %v; %d errors on requests not refused; "+
		"%d findings in %d problems", len(c.Flows), refused, diagnosed, 100*float64(diagnosed)/float64(refused), misses,
		errorsOnSuccess, len(got), len(r.Problems))
	for _, p := range r.Problems {
		t.Logf("  %-7s %-18s ×%-6d %s", p.Severity, p.Kind, p.Count, p.Title)
	}
	if refused == 0 || diagnosed*100 < refused*99 {
		t.Errorf("diagnosed %d of %d refused seed-pattern requests, want at least 99%%", diagnosed, refused)
	}
	if len(r.Problems) > 16 {
		t.Errorf("%d problems: the repeated root causes should read as a handful", len(r.Problems))
	}
}

// The same capture gives byte-identical reports in every format.
func TestAnalyzeIsDeterministic(t *testing.T) {
	c := capturetest.GenerateCorpus(5000, 7)
	render := func() []byte {
		var b bytes.Buffer
		r := analyze.NewReport(len(c.Flows), analyze.Run(c.Flows))
		r.WriteJSON(&b)
		r.WriteText(&b, analyze.TextOptions{Width: 100})
		r.WriteMarkdown(&b)
		return b.Bytes()
	}
	first := render()
	for i := 0; i < 5; i++ {
		if again := render(); !bytes.Equal(first, again) {
			t.Fatalf("run %d differs from the first", i+2)
		}
	}
}
