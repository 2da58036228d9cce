package ui

import (
	"strconv"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

// A problem repeated on 13,000 requests is one line (count, first, last);
// opened, it lists its requests, drawn only where the screen is, the
// last a key away, enter on one goes to its flow; ← closes it again. A flow whose
// finding text was not kept shows the problem's explaining finding under
// "the same problem as #N".
func TestFindingsPaneBigProblem(t *testing.T) {
	const n = 13_000
	flows := manyFlows(n + 1)
	var fds []analyze.Finding
	for id := 2; id <= n+1; id++ {
		fds = append(fds, analyze.Finding{Kind: "lost-header", Severity: analyze.Error, Flow: id, Related: []int{1},
			Title: "Ocp-Apim-Subscription-Key sent on GET #1 is missing on PUT", Detail: "the detail", Fix: "the fix"})
	}
	fds = append(fds, analyze.Finding{Kind: "dropped-cookie", Severity: analyze.Info, Flow: 1, Title: "ARRAffinity set by #1 was not sent"})
	feed := NewFeed()
	feed.AddAll(flows, fds)
	feed.Close()
	m := NewModel(Options{Renderer: plainRenderer(), ShowFindings: true}, feed)
	s := screen(m, 120, 30)
	if l := lineWith(s, "lost-header"); !strings.Contains(l, "▶▸✖ error   lost-header    13000×  #2 … #13001") {
		t.Errorf("the problem's line: %q\n%s", l, s)
	}
	if !strings.Contains(s, "Problems (2, from 13001 findings)") || !strings.Contains(lineWith(s, "dropped-cookie"), "1×  #1 ") {
		t.Errorf("the pane:\n%s", s)
	}
	m.Update(press("right"))
	m.Update(press("G")) // the last line: the next problem's
	m.Update(press("k"))
	s = screen(m, 120, 30)
	last := lineWith(s, "#13001 ")
	if !strings.HasPrefix(last, "▶      #13001 ") || strings.Contains(s, "#6000 ") {
		t.Errorf("G: the last request selected, the middle not drawn: %q\n%s", last, s)
	}
	if strings.Contains(s, "the same problem as") || !strings.Contains(s, "the detail") {
		t.Errorf("the latest request's finding is kept whole:\n%s", s)
	}
	m.Update(press("g"))
	for i := 0; i < 40; i++ {
		m.Update(press("j"))
	}
	s = screen(m, 120, 30) // #41: neither among the first 32 nor the latest 32
	if !strings.Contains(lineWith(s, "▶"), "#41 ") || !strings.Contains(s, "the same problem as #2 — 13000 requests") {
		t.Errorf("#41:\n%s", s)
	}
	m.Update(press("enter"))
	if m.focus != focusList || m.list.selectedID() != 41 {
		t.Errorf("enter on a request: focus %v, #%d", m.focus, m.list.selectedID())
	}
	if s := screen(m, 120, 30); !strings.Contains(s, "the same problem as #2 — 13000 requests") {
		t.Errorf("the detail pane of #41:\n%s", s)
	}
	m.Update(press("f"))
	m.Update(press("left"))
	if s := screen(m, 120, 30); strings.Contains(s, "#41 ") || !strings.Contains(lineWith(s, "▶"), "▸✖ error   lost-header") {
		t.Errorf("← closes the problem, selecting its line:\n%s", s)
	}
}

// The findings pane lists the evidence's requests with their credential
// parameters masked, as the finding texts are: the subscription key in the
// GETs' query is never on the pane whole.
func TestFindingsPaneMasksEvidence(t *testing.T) {
	feed, _, _ := seedFeed()
	feed.Close()
	m := NewModel(Options{Renderer: plainRenderer(), ShowFindings: true}, feed)
	for i := 0; i < 8; i++ {
		s := screen(m, 160, 50)
		if strings.Contains(s, subKey) {
			t.Fatalf("the key in full on the findings pane:\n%s", s)
		}
		if i == 0 && !strings.Contains(s, "#1 GET /scim/v2/Users?subscription-key="+subKey[:4]+"…") { // lost-header's evidence
			t.Errorf("evidence without the masked key:\n%s", s)
		}
		m.Update(press("j"))
	}
}

// A read that a hundred later writes lacked a header from is the evidence
// of each: one line says so, and its own request stays on the pane.
func TestDetailPaneEvidenceIsOneLine(t *testing.T) {
	flows := manyFlows(61)
	var fds []analyze.Finding
	for id := 2; id <= 61; id++ {
		for _, kind := range []string{"lost-header", "lost-query-param"} {
			fds = append(fds, analyze.Finding{Kind: kind, Severity: analyze.Error, Flow: id, Related: []int{1}, Title: kind + " on #" + strconv.Itoa(id)})
		}
	}
	feed := NewFeed()
	feed.AddAll(flows, fds)
	feed.Close()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(press("g"))
	m.Update(press("enter"))
	s := screen(m, 120, 30)
	if !strings.Contains(s, "evidence for #2, #3, #4 and 57 more (lost-header, lost-query-param)") || strings.Count(s, "evidence for") != 1 ||
		!strings.Contains(s, "/scim/v2/Users/0 HTTP/1.1") {
		t.Errorf("the detail of #1:\n%s", s)
	}
}

// f on a flow opens the findings pane on that flow's own problem,
// whatever the pane showed before.
func TestFindingsKeyShowsTheFlowsProblem(t *testing.T) {
	feed, _, _ := seedFeed()
	feed.Close()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(press("f")) // the pane at its first problem (#4's lost-header), then back
	m.Update(press("f"))
	m.Update(press("G")) // #6, the PATCH refused a second session
	if id := m.list.selectedID(); id != 6 {
		t.Fatalf("selected #%d", id)
	}
	m.Update(press("enter"))
	m.Update(press("f"))
	s := screen(m, 160, 50)
	if m.fpane.cur == nil || m.fpane.cur.Kind != "concurrent-session" || !strings.Contains(lineWith(s, "▶"), "concurrent-session") {
		t.Errorf("f on #6 selected %q:\n%s", lineWith(s, "▶"), s)
	}
}
