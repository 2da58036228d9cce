package ui

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// diffLine is the line of a diff whose key column is key, and its marker.
func diffLine(t *testing.T, s, key string) (string, string) {
	t.Helper()
	re := regexp.MustCompile(`(?m)^(.) ` + regexp.QuoteMeta(key) + `\s.*$`)
	m := re.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no row %q in the diff:\n%s", key, s)
	}
	return m[1], m[0]
}

// m marks the GET that works, d on the refused PATCH shows them side by
// side: the subscription key only the GET sent is marked, and so is the
// query parameter; what is the same is not.
func TestDiffMarkSelectD(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 120, 50)
	typeKeys(tm, "j", "j", "m") // #3
	waitOutput(t, tm, "#3 marked")
	typeKeys(tm, "j", "d") // #4
	waitOutput(t, tm, "[Diff #3 ⇄ #4]", "Ocp-Apim-Subscription-Key", "differences beyond noise")
	got := finish(t, tm)
	s := ansi.Strip(got.View())
	if mk, l := diffLine(t, s, "Ocp-Apim-Subscription-Key"); mk != "<" || !strings.Contains(l, subKey) || !strings.Contains(l, "(absent)") {
		t.Errorf("the key only #3 sent: %q", l)
	}
	if mk, l := diffLine(t, s, "method"); mk != "~" || !strings.Contains(l, "GET") || !strings.Contains(l, "PATCH") {
		t.Errorf("method row: %q", l)
	}
	for _, k := range []string{"Authorization", "Accept", "Host", "path"} {
		if mk, l := diffLine(t, s, k); mk != " " {
			t.Errorf("%s is the same on both sides, but marked: %q", k, l)
		}
	}
	// Content-Type only on the write is legitimate: noise.
	if mk, _ := diffLine(t, s, "Content-Type"); mk != "≈" {
		t.Errorf("Content-Type only on the write: marker %q, want ≈", mk)
	}
	if got.list.marked != 3 {
		t.Errorf("marked #%d, want #3", got.list.marked)
	}
}

// Esc (or q) closes the diff without quitting; d without a mark explains.
// The hint bar offers r where there is a request to send and R only where a
// finding has a fix.
func TestDiffCloseAndHints(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Replayer: &fakeReplayer{}}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(press("d"))
	if !strings.Contains(m.msg, "m marks a flow") {
		t.Errorf("d without a mark: %q", m.msg)
	}
	m.Update(press("m"))
	m.Update(press("d"))
	if !strings.Contains(m.msg, "is the marked flow") || m.diff.active() {
		t.Errorf("d on the marked flow itself: %q", m.msg)
	}
	m.Update(press("j"))
	m.Update(press("d"))
	if !m.diff.active() {
		t.Fatal("no diff after m, j, d")
	}
	if s := screen(m, 100, 30); !strings.Contains(s, "esc/q: close") || !strings.Contains(s, "[Diff #1 ⇄ #2]") {
		t.Errorf("diff screen:\n%s", s)
	}
	for _, k := range []string{"esc", "q"} {
		m.Update(press("d"))
		if _, cmd := m.Update(press(k)); cmd != nil || m.diff.active() {
			t.Errorf("%s must close the diff (and not quit)", k)
		}
	}
	s := screen(m, 100, 30)
	if !regexp.MustCompile(`(?m)^◆ +1 `).MatchString(s) {
		t.Errorf("the marked flow has no ◆ in the list:\n%s", s)
	}
	if l := lineWith(s, "move"); !strings.Contains(l, "m/d diff") || !strings.Contains(l, "r replay") || !strings.Contains(l, "q quit") {
		t.Errorf("the hint bar at 100 columns lacks the new keys: %s", l)
	}
	if l := lineWith(screen(m, 130, 30), "move"); !strings.Contains(l, "m/d diff") || !strings.Contains(l, "r replay") || !strings.Contains(l, "s save") ||
		!strings.Contains(l, "o sort") || strings.Contains(l, "R fix") {
		t.Errorf("the hint bar at 130 columns on #2 (no finding, so no fix): %s", l)
	}
	m.list.selectID(4)
	m.syncDetail()
	if l := lineWith(screen(m, 130, 30), "move"); !strings.Contains(l, "r replay") || !strings.Contains(l, "R fix") {
		t.Errorf("the hint bar at 130 columns on #4, whose findings name the lost key: %s", l)
	}
}

// Dates, request and trace ids, lengths and a client's version differ on
// every request: dimmed with ≈, not counted.
func TestDiffNoise(t *testing.T) {
	a := mkFlow(1, "GET", "https://api.example.test/scim/v2/Users?_=1700000000&filter=x", 200,
		[]string{"Date", "Tue, 04 Mar 2025 10:00:00 GMT", "X-Request-Id", "a1", "traceparent", "00-aa-01", "X-Correlation-ID", "c1", "Cookie", "JSESSIONID=abc; lang=en"}, nil, "")
	b := mkFlow(2, "GET", "https://api.example.test/scim/v2/Users?_=1700000099&filter=y", 200,
		[]string{"Date", "Tue, 04 Mar 2025 10:00:09 GMT", "X-Request-Id", "b2", "traceparent", "00-bb-01", "Content-Length", "0", "Cookie", "lang=de"}, nil, "")
	b.RequestHeaders[1].Value = "Java-http-client/21.0.2" // another JDK
	s := ansi.Strip(DiffText(a, b, 120, nil))
	for _, k := range []string{"Date", "X-Request-Id", "traceparent", "X-Correlation-ID", "Content-Length", "User-Agent", "_"} {
		if mk, l := diffLine(t, s, k); mk != "≈" {
			t.Errorf("%s is noise: %q", k, l)
		}
	}
	if mk, l := diffLine(t, s, "JSESSIONID"); mk != "<" || !strings.Contains(l, "abc") {
		t.Errorf("cookie only on the left: %q", l)
	}
	if mk, l := diffLine(t, s, "lang"); mk != "~" || !strings.Contains(l, "en") || !strings.Contains(l, "de") {
		t.Errorf("cookie with another value: %q", l)
	}
	if mk, _ := diffLine(t, s, "filter"); mk != "~" {
		t.Errorf("a real query parameter that differs is not noise")
	}
	if !strings.Contains(s, "3 differences beyond noise") {
		t.Errorf("count:\n%s", s)
	}
	// Another product in the User-Agent is not noise.
	b.RequestHeaders[1].Value = "curl/8.5.0"
	if mk, _ := diffLine(t, ansi.Strip(DiffText(a, b, 120, nil)), "User-Agent"); mk != "~" {
		t.Errorf("another client is a difference, marker %q", mk)
	}
}

// Two identical requests: every row blank, no differences.
func TestDiffSame(t *testing.T) {
	f := seedFlows()[0]
	g := *f
	g.ID = 9
	s := DiffText(f, &g, 80, nil)
	if !strings.Contains(s, "No differences beyond noise.") || regexp.MustCompile(`(?m)^[<>~≈] \S+  `).MatchString(s) {
		t.Errorf("same request:\n%s", s)
	}
}
