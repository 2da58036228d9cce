package ui

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/har"

	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// Flows handed to the feed while the program runs appear as rows.
func TestStreamedFlowsAppear(t *testing.T) {
	feed := NewFeed()
	m := NewModel(Options{Mode: "forward proxy 127.0.0.1:8080", Live: true, Follow: true, Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 100, 30)
	waitOutput(t, tm, "waiting for flows")
	flows := seedFlows()
	eng := analyze.NewEngine()
	go func() {
		for _, f := range flows {
			feed.Add(f, eng.Add(f))
			time.Sleep(5 * time.Millisecond)
		}
	}()
	waitOutput(t, tm, "/scim/v2/Users", "/admin/users", "/admin/usergroups/", "6 flows", "4 findings")
	got := finish(t, tm)
	if len(got.store.all) != 6 || len(got.list.rows) != 6 {
		t.Fatalf("rows: got %d (%d shown), want 6", len(got.store.all), len(got.list.rows))
	}
	if id := got.list.selectedID(); id != 6 {
		t.Errorf("following the tail: selected #%d, want #6", id)
	}
}

// The selected flow stays selected, on the same screen line, while flows
// stream in — also flows that started earlier and finished later.
func TestSelectionStaysWhileFlowsStream(t *testing.T) {
	feed := NewFeed()
	all := manyFlows(300)
	var first []*capture.Flow
	for _, f := range all[:40] {
		if f.ID != 12 && f.ID != 13 {
			first = append(first, f)
		}
	}
	feed.AddAll(first, nil)
	m := NewModel(Options{Live: true, Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 100, 30)
	typeKeys(tm, "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j")
	waitOutput(t, tm, "▶  19 ") // 16 rows down: #12 and #13 have not completed yet
	// #12 and #13 complete late, then 260 more.
	go func() {
		feed.Add(all[12], nil)
		feed.Add(all[11], nil)
		for _, f := range all[40:] {
			feed.Add(f, nil)
		}
	}()
	waitOutput(t, tm, "300 flows")
	got := finish(t, tm)
	if id := got.list.selectedID(); id != 19 {
		t.Fatalf("selection moved to #%d, want #19", id)
	}
	lines := strings.Split(ansi.Strip(got.View()), "\n")
	if !strings.HasPrefix(lines[1+1+got.list.cursor-got.list.offset], "▶") {
		t.Errorf("the cursor row is not where the selection is drawn:\n%s", got.View())
	}
	// 10 rows show: the 16th row down sat on the last line (9) before #12
	// and #13 arrived above it, and stays there.
	if got.list.cursor-got.list.offset != 9 {
		t.Errorf("selected row moved on screen: line %d of the list, want 9 (as before the flows arrived)", got.list.cursor-got.list.offset)
	}
	for i, r := range got.store.all {
		if r.id != i+1 {
			t.Fatalf("rows out of order at %d: #%d", i, r.id)
		}
	}
}

// G follows the tail: the newest flow stays selected as flows arrive; any
// movement stops following.
func TestFollowTail(t *testing.T) {
	feed := NewFeed()
	all := manyFlows(50)
	feed.AddAll(all[:10], nil)
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 100, 30)
	typeKeys(tm, "G")
	waitOutput(t, tm, "▶  10 ")
	go feed.AddAll(all[10:30], nil)
	waitOutput(t, tm, "▶  30 ")
	typeKeys(tm, "k")
	waitOutput(t, tm, "▶  29 ")
	go feed.AddAll(all[30:], nil)
	waitOutput(t, tm, "50 flows")
	if id := finish(t, tm).list.selectedID(); id != 29 {
		t.Errorf("after k the selection should stay on #29, got #%d", id)
	}
}

func TestFilter(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 100, 30)
	typeKeys(tm, "/")
	tm.Type("PATCH scim")
	typeKeys(tm, "enter")
	waitOutput(t, tm, "1 of 6 flows match /PATCH scim")
	got := finish(t, tm)
	if len(got.list.rows) != 1 || got.list.rows[0].id != 4 {
		t.Fatalf("PATCH scim: got %v, want #4 only", ids(got.list.rows))
	}

	for _, c := range []struct {
		q    string
		want []int
	}{
		{"401", []int{4, 6}},
		{"patch", []int{4, 6}},
		{"4xx", []int{4, 6}},
		{"2xx 127.0.0.1", []int{5}},
		{"gw.example.test groups", []int{2, 3, 4}},
		{"nothing-matches", nil},
	} {
		m.setFilter(c.q)
		if g := ids(m.list.rows); !equalInts(g, c.want) {
			t.Errorf("filter %q: got %v, want %v", c.q, g, c.want)
		}
	}
	// Esc clears.
	m.setFilter("401")
	m.Update(press("esc"))
	if len(m.list.rows) != 6 || m.filter.active() {
		t.Errorf("esc did not clear the filter: %d rows", len(m.list.rows))
	}
}

func ids(rs rowsByID) []int {
	var out []int
	for _, r := range rs {
		out = append(out, r.id)
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// The failing flows carry the finding mark; the lost header is drawn among
// the headers, where the client put it on the GETs.
func TestFindingMarkAndMissingLine(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 80, 24)
	typeKeys(tm, "n")
	waitOutput(t, tm, "− Ocp-Apim-Subscription-Key — sent on GET #3")
	typeKeys(tm, "n")
	waitOutput(t, tm, "− Cookie JSESSIONID — set by #5")
	got := finish(t, tm)
	if got.list.selectedID() != 6 {
		t.Fatalf("n n selected #%d, want #6", got.list.selectedID())
	}
	got.list.selectID(4)
	got.syncDetail()
	s := ansi.Strip(got.View())
	for _, id := range []string{" 4 ", " 6 "} {
		if l := lineWith(s, id+"10:00:00 PATCH"); !strings.Contains(l, "✖") {
			t.Errorf("row%s has no ✖ mark: %q", id, l)
		}
	}
	if l := lineWith(s, " 2 10:00:00 GET"); strings.Contains(l, "✖") {
		t.Errorf("a clean flow has a mark: %q", l)
	}
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		if strings.HasPrefix(l, "− Ocp-Apim-Subscription-Key") {
			if !strings.HasPrefix(ls[i-1], "Authorization: Basic") {
				t.Errorf("missing line not in place (after Authorization, as on the GETs): preceded by %q", ls[i-1])
			}
			return
		}
	}
	t.Errorf("no missing-header line on screen:\n%s", s)
}

// `c` copies exactly what `provtap export --format curl` prints.
func TestCopyIsExactlyTheExport(t *testing.T) {
	feed, flows, _ := seedFeed()
	var mu sync.Mutex
	var copied string
	var copiedID int
	opts := Options{Renderer: plainRenderer(), Copy: func(text, file string) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		copied, copiedID = text, flowOfFile(file)
		return "copied to the test clipboard", nil
	}}
	m := NewModel(opts, feed)
	tm := startTUI(t, m, 100, 30)
	typeKeys(tm, "G", "c")
	waitOutput(t, tm, "#6 as curl: copied to the test clipboard")
	finish(t, tm)
	mu.Lock()
	defer mu.Unlock()
	if want := export.Curl(flows[5]); copied != want || copiedID != 6 {
		t.Errorf("copied #%d:\n%s\nwant #6:\n%s", copiedID, copied, want)
	}
}

// `s` writes a HAR that reads back as the flows shown.
func TestSaveWritesTheFlows(t *testing.T) {
	feed, flows, _ := seedFeed()
	dir := t.TempDir()
	m := NewModel(Options{Renderer: plainRenderer(), CapturePath: filepath.Join(dir, "live.har")}, feed)
	tm := startTUI(t, m, 120, 30)
	typeKeys(tm, "s")
	def := filepath.Join(dir, "live-saved.har")
	waitOutput(t, tm, "save 6 flows to:")
	if got := m.defaultSavePath(); got != def {
		t.Errorf("default path %q, want %q", got, def)
	}
	typeKeys(tm, "enter")
	waitOutput(t, tm, "saved 6 flows to "+def)
	finish(t, tm)
	c, err := har.LoadHAR(def)
	if err != nil {
		t.Fatal(err)
	}
	if c.Truncated || len(c.Flows) != len(flows) {
		t.Fatalf("read back %d flows (truncated %v), want %d", len(c.Flows), c.Truncated, len(flows))
	}
	for i, g := range c.Flows {
		w := flows[i]
		if g.ID != w.ID || g.Method != w.Method || g.URL != w.URL || g.Status != w.Status || !g.Start.Equal(w.Start) ||
			!sameHeaders(g.RequestHeaders, w.RequestHeaders) || !sameHeaders(g.ResponseHeaders, w.ResponseHeaders) ||
			string(g.RequestBody.Bytes) != string(w.RequestBody.Bytes) || string(g.ResponseBody.Bytes) != string(w.ResponseBody.Bytes) {
			t.Errorf("flow %d differs after save:\n got %+v\nwant %+v", i+1, g, w)
		}
	}
}

func sameHeaders(a, b []capture.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// With a filter, `s` saves the flows shown; a typed path is used as is.
func TestSaveFilteredToTypedPath(t *testing.T) {
	feed, _, _ := seedFeed()
	dir := t.TempDir()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 120, 30)
	typeKeys(tm, "/")
	tm.Type("401")
	typeKeys(tm, "enter", "s", "ctrl+u")
	target := filepath.Join(dir, "refused.har")
	tm.Type(target)
	typeKeys(tm, "enter")
	waitOutput(t, tm, "saved 2 flows to "+target)
	finish(t, tm)
	c, err := har.LoadHAR(target)
	if err != nil || len(c.Flows) != 2 {
		t.Fatalf("read back: %v, %d flows", err, len(c.Flows))
	}
}

// Saving over the capture being recorded is refused.
func TestSaveRefusesTheLiveCapture(t *testing.T) {
	feed, _, _ := seedFeed()
	live := filepath.Join(t.TempDir(), "live.har")
	m := NewModel(Options{Renderer: plainRenderer(), CapturePath: live, Live: true}, feed)
	m.Update(sizeMsg(200, 30))
	m.Update(press("s"))
	m.prompt.input.SetValue(live)
	m.Update(press("enter"))
	if !m.msgErr || !strings.Contains(m.msg, "is the capture being recorded") {
		t.Errorf("message %q", m.msg)
	}
}

// `?` lists every key binding.
func TestHelpListsEveryKey(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 80, 24)
	typeKeys(tm, "?")
	waitOutput(t, tm, "provtap keys")
	got := finish(t, tm)
	s := ansi.Strip(got.View())
	for _, group := range got.keys.FullHelp() {
		for _, b := range group {
			h := b.Help()
			if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(h.Key) + ` +` + regexp.QuoteMeta(h.Desc)).MatchString(s) {
				t.Errorf("help does not list %q (%s):\n%s", h.Key, h.Desc, s)
			}
		}
	}
	for _, k := range []string{"wheel"} {
		if !strings.Contains(s, k) {
			t.Errorf("help does not mention the %s", k)
		}
	}
}

// The findings pane lists problems worst first; enter opens one to its
// requests, enter on a request jumps to the flow, v to its evidence.
func TestFindingsPaneJumps(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 100, 30)
	typeKeys(tm, "f")
	waitOutput(t, tm, "Problems (4, from 4 findings)")
	typeKeys(tm, "j", "j", "enter")
	waitOutput(t, tm, "▾✖ error   concurrent-session     1×  #6", "      #6 PATCH /admin/usergroups/")
	typeKeys(tm, "j", "enter")
	waitOutput(t, tm, "− Cookie JSESSIONID — set by #5")
	typeKeys(tm, "v") // r replays, v steps to the evidence, in every pane
	waitOutput(t, tm, "#5: evidence for #6")
	got := finish(t, tm)
	if got.list.selectedID() != 5 || got.focus != focusList {
		t.Errorf("after v: selected #%d, focus %v; want #5 in the list", got.list.selectedID(), got.focus)
	}
}

// In the findings pane, c copies the selected finding's flow.
func TestCopyFromFindingsPane(t *testing.T) {
	feed, flows, _ := seedFeed()
	var got int
	m := NewModel(Options{Renderer: plainRenderer(), ShowFindings: true, Copy: func(text, file string) (string, error) {
		id := flowOfFile(file)
		if text != export.Curl(flows[id-1]) {
			t.Errorf("copied text is not flow #%d's curl", id)
		}
		got = id
		return "ok", nil
	}}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(press("j"))
	m.Update(press("j"))
	cmd := m.copyAs(copyCurl)
	m.Update(cmd())
	if got != 6 {
		t.Errorf("copied #%d, want #6 (the third finding's flow)", got)
	}
}

// With compact rows (a long session, a streamed capture), `s` reads each
// flow back from the capture file as it writes the copy: headers and
// bodies, which the rows do not hold, are all in it.
func TestSaveReadsCompactRowsBack(t *testing.T) {
	flows := filterFlows()
	m := storedModel(t, flows, Options{}, true)
	tm := startTUI(t, m, 120, 30)
	typeKeys(tm, "s", "ctrl+u")
	target := filepath.Join(t.TempDir(), "copy.har")
	tm.Type(target)
	typeKeys(tm, "enter")
	waitOutput(t, tm, fmt.Sprintf("saved %d flows to %s", len(flows), target))
	finish(t, tm)
	c, err := har.LoadHAR(target)
	if err != nil || len(c.Flows) != len(flows) {
		t.Fatalf("read back: %v, %d flows", err, len(c.Flows))
	}
	for i, g := range c.Flows {
		w := flows[i]
		if g.Method != w.Method || g.URL != w.URL || !sameHeaders(g.RequestHeaders, w.RequestHeaders) ||
			!sameHeaders(g.ResponseHeaders, w.ResponseHeaders) || string(g.RequestBody.Bytes) != string(w.RequestBody.Bytes) ||
			string(g.ResponseBody.Bytes) != string(w.ResponseBody.Bytes) {
			t.Errorf("flow %d differs after save:\n got %+v\nwant %+v", i+1, g, w)
		}
	}
}
