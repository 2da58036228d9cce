package ui

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// Flows are kept in ID order whatever order they complete in, once each.
func TestStoreKeepsFlowOrderOnce(t *testing.T) {
	s := newStore(nil)
	flows := manyFlows(6)
	for _, i := range []int{0, 1, 4, 2, 5, 3} {
		if r := s.addFlow(flows[i], har.Loc{}); r == nil || s.texts.full(r.full) != flows[i] {
			t.Fatalf("adding #%d: %v", flows[i].ID, r)
		}
	}
	if r := s.addFlow(flows[2], har.Loc{}); r != nil {
		t.Errorf("the same flow twice: got a second row")
	}
	if got := ids(s.all); !equalInts(got, []int{1, 2, 3, 4, 5, 6}) || s.len() != 6 || s.lastID() != 6 {
		t.Errorf("rows %v (len %d, last #%d), want #1..#6", got, s.len(), s.lastID())
	}
	if s.flow(4) != flows[3] || s.flow(9) != nil || s.row(0) != nil || s.row(4).id != 4 {
		t.Error("lookup by ID")
	}
}

// Findings mark their flows (worst severity wins) whether they arrive
// before or after the flow, and are indexed by flow and by evidence.
func TestStoreFindings(t *testing.T) {
	s := newStore(nil)
	flows := seedFlows()
	for _, f := range flows[:5] {
		s.addFlow(f, har.Loc{})
	}
	s.addFindings([]analyze.Finding{
		{Kind: "lost-header", Severity: analyze.Warning, Flow: 4, Related: []int{1, 3}, Title: "w"},
		{Kind: "lost-query-param", Severity: analyze.Error, Flow: 4, Related: []int{3}, Title: "e"},
		{Kind: "dropped-cookie", Severity: analyze.Error, Flow: 6, Related: []int{5}, Title: "c"},
		{Kind: "x", Severity: analyze.Info, Flow: 2, Title: "i"},
	})
	s.addFlow(flows[5], har.Loc{}) // #6 after its finding
	for id, want := range map[int]analyze.Severity{1: analyze.None, 2: analyze.Info, 4: analyze.Error, 6: analyze.Error} {
		if got := s.row(id).sev(); got != want {
			t.Errorf("#%d marked %v, want %v", id, got, want)
		}
	}
	own, ev := s.findingsOn(4)
	if len(own) != 2 || own[0].Severity != analyze.Error || len(ev) != 0 {
		t.Errorf("#4: own %v, evidence %v; want 2, error first", own, ev)
	}
	if _, ev := s.findingsOn(3); len(ev) != 2 {
		t.Errorf("#3 is evidence for 2 findings, got %v", ev)
	}
	if s.fnd.counts[analyze.Error] != 2 || s.fnd.counts[analyze.Info] != 1 || s.fnd.total != 4 {
		t.Errorf("counts %v", s.fnd.counts)
	}
	ps := s.fnd.problems()
	if len(ps) != 4 || ps[0].Severity != analyze.Error || ps[3].Severity != analyze.Info {
		t.Errorf("worst first: %v", ps)
	}
}

// A flow held without its bodies is read back whole from the capture file;
// one held whole is returned as it is; an unreadable file says why.
func TestStoreReadsBodiesBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.har")
	rec, err := har.NewRecorder(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	flows := seedFlows()
	locs, err := rec.WriteBatch(flows[4:6])
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(rec.Store())
	s.addFlow(har.WithoutBodies(flows[4]), locs[0])
	s.addFlow(flows[3], har.Loc{})
	got, err := s.full(s.flow(5))
	if err != nil || got.ID != 5 || string(got.RequestBody.Bytes) != string(flows[4].RequestBody.Bytes) ||
		!strings.Contains(string(got.ResponseBody.Bytes), `"jdoe"`) {
		t.Fatalf("read back #5: %v, %+v", err, got)
	}
	if r := s.row(5); r.full != 0 || len(s.flow(5).RequestHeaders) != 0 || len(s.flow(5).RequestBody.Bytes) != 0 {
		t.Error("the store's row kept the headers or bodies")
	}
	if got, _ := s.full(s.flow(4)); got != flows[3] {
		t.Error("a flow held whole must be returned as it is")
	}
	bad := newStore(har.OpenStore(filepath.Join(t.TempDir(), "gone.har")))
	f := &capture.Flow{ID: 1}
	bad.addFlow(f, har.Loc{Off: 0, Len: 10})
	if got, err := bad.full(f); err == nil || got.ID != 1 || !strings.Contains(err.Error(), "could not be read back") {
		t.Errorf("unreadable capture: %v, %v", got, err)
	}
}

// A problem repeated on many flows keeps its first and latest findings
// whole; every other flow shows the problem's explaining finding, saying
// so, and still counts, marks and filters as its own.
func TestStoreKeepsBoundedFindingTexts(t *testing.T) {
	s := newStore(nil)
	const n = keptFirst + keptLatest + 50
	for _, f := range manyFlows(n) {
		s.addFlow(f, har.Loc{})
	}
	var fds []analyze.Finding
	for id := 1; id <= n; id++ {
		fds = append(fds, analyze.Finding{Kind: "lost-header", Severity: analyze.Error, Flow: id, Related: []int{id},
			Title: "Ocp-Apim-Subscription-Key sent before is missing", Detail: "detail of #" + strconv.Itoa(id)})
	}
	s.addFindings(fds)
	kept := 0
	for id := 1; id <= n; id++ {
		own, _ := s.findingsOn(id)
		if len(own) != 1 || own[0].Flow != id || own[0].Severity != analyze.Error {
			t.Fatalf("#%d: %+v", id, own)
		}
		if own[0].same == 0 {
			kept++
			if own[0].Detail != "detail of #"+strconv.Itoa(id) {
				t.Errorf("#%d kept the wrong text: %q", id, own[0].Detail)
			}
			continue
		}
		if own[0].same != 1 || own[0].count != n || !strings.Contains(sameProblem(own[0]), "the same problem as #1 — "+strconv.Itoa(n)+" requests") {
			t.Errorf("#%d stands under %q", id, sameProblem(own[0]))
		}
	}
	if kept != keptFirst+keptLatest {
		t.Errorf("%d findings kept whole, want %d", kept, keptFirst+keptLatest)
	}
	if own, _ := s.findingsOn(n); own[0].same != 0 {
		t.Error("the latest finding must be kept")
	}
	if _, ev := s.findingsOn(keptFirst + 10); len(ev) != 0 || len(s.fnd.byRel) != keptFirst+keptLatest {
		t.Errorf("evidence is indexed for kept findings only: %d flows", len(s.fnd.byRel))
	}
	if got := s.kinds(s.row(keptFirst + 10)); len(got) != 1 || got[0] != "lost-header" {
		t.Errorf("kinds %v", got)
	}
}

// A row stays compact: a night's 10⁶ flows are about 150 MB with their paths.
func TestRowIsCompact(t *testing.T) {
	if n := unsafe.Sizeof(row{}); strconv.IntSize == 64 && n > 112 {
		t.Errorf("a row is %d bytes, was 112", n)
	}
}
