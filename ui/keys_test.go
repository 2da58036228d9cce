package ui

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// Keys that arrive together in one message (fast typing, key repeat, a
// terminal over SSH) each act: jjj moves three rows, kk two; a batch that
// opens the filter types the rest into it.
func TestBatchedKeysEachAct(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	tm := startTUI(t, m, 100, 30)
	tm.Send(runes("jjj"))
	waitOutput(t, tm, "#4 PATCH 401")
	tm.Send(runes("kk"))
	waitOutput(t, tm, "#2 GET 200")
	tm.Send(runes("j/admin"))
	waitOutput(t, tm, "2 of 6 flows match /admin")
	got := finish(t, tm)
	if !got.prompt.active() || got.prompt.value() != "admin" || got.filter.text != "admin" {
		t.Errorf("the rest of the batch must go into the prompt: %q (filter %q)", got.prompt.value(), got.filter.text)
	}
	if id := got.list.selectedID(); id != 5 {
		t.Errorf("j after kk selected #3, and the filter the next match #5; got #%d", id)
	}
}

// A key that does nothing where it is pressed says so.
func TestUnboundKeyHint(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(press("x"))
	if l := lineWith(screen(m, 100, 30), "does nothing"); !strings.Contains(l, "x does nothing here · ? lists every key") {
		t.Errorf("x: %q", l)
	}
	m.Update(tea.KeyMsg{Type: tea.KeyCtrlX})
	if !strings.Contains(m.msg, "ctrl+x does nothing here") {
		t.Errorf("ctrl+x: %q", m.msg)
	}
	m.Update(press("j"))
	if m.msg != "" || m.list.selectedID() != 2 {
		t.Errorf("the next key clears the hint and acts: %q, #%d", m.msg, m.list.selectedID())
	}
}

// q asks first while the proxy is serving (the connector would lose its
// proxy); n stays. On a saved capture, or once the proxy stopped, q quits.
func TestQuitAsksWhileServing(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Live: true}, feed)
	m.Update(sizeMsg(100, 30))
	for _, path := range [][]string{{"q"}, {"?", "q"}} {
		var cmd tea.Cmd
		for _, k := range path {
			_, cmd = m.Update(press(k))
		}
		if cmd != nil {
			t.Fatalf("%v quit without asking", path)
		}
		if l := lineWith(screen(m, 100, 30), "quit?"); !strings.Contains(l, "the proxy stops") || !strings.Contains(l, "y or q: quit") {
			t.Fatalf("%v: no question:\n%s", path, screen(m, 100, 30))
		}
		if _, cmd = m.Update(press("n")); cmd != nil || strings.Contains(screen(m, 100, 30), "quit?") {
			t.Fatalf("n must stay")
		}
		m.Update(press("esc")) // out of the help
	}
	m.Update(press("q"))
	if _, cmd := m.Update(press("y")); cmd == nil || cmd() != tea.Quit() {
		t.Error("q y must quit")
	}
	for name, opts := range map[string]Options{"open": {}, "stopped": {Live: true}} {
		fd, _, _ := seedFeed()
		if name == "stopped" {
			fd.Close()
		}
		m := NewModel(opts, fd)
		m.Update(sizeMsg(100, 30))
		if _, cmd := m.Update(press("q")); cmd == nil || cmd() != tea.Quit() {
			t.Errorf("%s: q must quit at once", name)
		}
	}
}

// o cycles the order (time, status, duration, size, host) and back to flow
// order; the status line says which; the selection stays on its flow.
func TestSortCycles(t *testing.T) {
	fd := NewFeed()
	flows := filterFlows()
	flows[1].End = flows[1].Start.Add(900 * time.Millisecond) // the slowest
	flows[2].Status, flows[2].Error = 0, "upstream reset"     // no response
	fd.AddAll(flows, nil)
	m := NewModel(Options{Renderer: plainRenderer()}, fd)
	m.Update(sizeMsg(140, 30))
	m.list.selectID(6)
	for _, c := range []struct {
		name  string
		first []int
	}{
		{"time, newest first", []int{8, 7, 6}},
		{"status, failures first", []int{3, 4, 6}},
		{"duration, slowest first", []int{2, 1, 3}},
		{"size, largest first", []int{4, 6, 1}},
		{"host", []int{5, 6, 7}},
	} {
		m.Update(press("o"))
		s := screen(m, 140, 30)
		if got := ids(m.list.rows)[:3]; !equalInts(got, c.first) || !strings.Contains(strings.Split(s, "\n")[0], "sorted by "+c.name) {
			t.Errorf("%s: first rows %v, want %v; status line %q", c.name, got, c.first, strings.Split(s, "\n")[0])
		}
		if m.list.selectedID() != 6 {
			t.Errorf("%s: the selection moved to #%d", c.name, m.list.selectedID())
		}
	}
	m.Update(press("o"))
	if got := ids(m.list.rows); !equalInts(got, []int{1, 2, 3, 4, 5, 6, 7, 8}) || strings.Contains(strings.Split(screen(m, 140, 30), "\n")[0], "sorted by") {
		t.Errorf("back to flow order: %v", got)
	}
	// Sorted and filtered, flows that arrive go where the order puts them.
	m.Update(press("o"))
	m.setFilter("-method:GET")
	late := mkFlow(9, "DELETE", "https://gw.example.test/scim/v2/Users/u9", 204, nil, nil, "")
	late.Start = epoch.Add(time.Hour)
	fd.Add(late, nil)
	m.Update(feedMsg{})
	if got := ids(m.list.rows); !equalInts(got, []int{9, 8, 6, 5, 4}) {
		t.Errorf("newest first, without GETs: %v", got)
	}
}

// z clears the view of the flows seen so far; new flows still appear; the
// status line says how to get them back, Z does; the store keeps them all.
func TestClearView(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Live: true, Follow: true}, feed)
	m.Update(sizeMsg(120, 30))
	m.Update(press("z"))
	s := screen(m, 120, 30)
	if len(m.list.rows) != 0 || !strings.Contains(s, "6 cleared (Z shows them)") || !strings.Contains(s, "view cleared: the 6 flows seen so far are hidden") {
		t.Fatalf("after z:\n%s", s)
	}
	feed.Add(mkFlow(7, "GET", "https://gw.example.test/scim/v2/Users/u1", 200, nil, nil, ""), nil)
	m.Update(feedMsg{})
	if got := ids(m.list.rows); !equalInts(got, []int{7}) || m.list.selectedID() != 7 || m.store.len() != 7 {
		t.Errorf("a new flow after z: rows %v, selected #%d, store %d", got, m.list.selectedID(), m.store.len())
	}
	if l := strings.Split(screen(m, 120, 30), "\n")[0]; !strings.Contains(l, "1 flow │") {
		t.Errorf("status line: %q", l)
	}
	// v to evidence among the cleared flows brings them back to show it.
	m.list.selectID(7)
	m.jumpTo(4, "")
	if m.list.selectedID() != 4 || m.clearSeq != 0 || !strings.Contains(m.msg, "cleared flows shown again") {
		t.Errorf("a jump to a cleared flow: #%d, %q", m.list.selectedID(), m.msg)
	}
	m.Update(press("z"))
	m.Update(press("Z"))
	if len(m.list.rows) != 7 || strings.Contains(strings.Split(screen(m, 120, 30), "\n")[0], "cleared") || !strings.Contains(m.msg, "the 7 flows cleared are shown again") {
		t.Errorf("Z: %d rows", len(m.list.rows))
	}
	m.Update(press("Z"))
	if !strings.Contains(m.msg, "nothing was cleared") {
		t.Errorf("Z again: %q", m.msg)
	}
}

// The README's key list, ? and the hint line agree: every key the README
// names is bound, every binding is in the README, and every key a hint
// line offers is one ? lists.
func TestKeysAgreeWithREADMEAndHelp(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "In the TUI:")
	if i < 0 {
		t.Fatal("README has no TUI keys paragraph")
	}
	para := text[i:]
	para = para[:strings.Index(para, "\n\n")]
	k := defaultKeyMap()
	bound := map[string]bool{}
	for _, g := range k.FullHelp() {
		for _, b := range g {
			named := false
			for _, key := range b.Keys() {
				bound[key] = true
				named = named || strings.Contains(para, "`"+key+"`")
			}
			if !named {
				t.Errorf("README does not name %v (%s)", b.Keys(), b.Help().Desc)
			}
		}
	}
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(para, -1) {
		if key := m[1]; (len([]rune(key)) == 1 || regexp.MustCompile(`^(ctrl\+.|enter|esc|tab|pgup|pgdown|home|end|up|down)$`).MatchString(key)) && !bound[key] {
			t.Errorf("README names the key `%s`, which does nothing", key)
		}
	}
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Replayer: &fakeReplayer{}}, feed)
	m.Update(sizeMsg(120, 30))
	m.list.selectID(4)
	for _, f := range []focus{focusList, focusDetail, focusFindings} {
		m.focus = f
		for _, h := range m.paneHints() {
			keys := strings.Split(h.keys, "/")
			if h.keys == "/" {
				keys = []string{"/"}
			}
			if h.keys == "↑↓" {
				keys = []string{"up", "down"}
			}
			for _, key := range keys {
				if !bound[key] {
					t.Errorf("focus %v: the hint %q names a key ? does not list", f, h.keys)
				}
			}
		}
	}
}

// The keys in a running program: a key that does nothing says so; o sorts
// and z/Z clear and restore the view, the status line saying so; q asks
// while the proxy is serving, n stays, q y quits.
func TestKeysInTUI(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Live: true}, feed)
	tm := startTUI(t, m, 120, 30)
	typeKeys(tm, "x")
	waitOutput(t, tm, "x does nothing here · ? lists every key")
	typeKeys(tm, "o")
	waitOutput(t, tm, "sorted by time, newest first")
	typeKeys(tm, "z")
	waitOutput(t, tm, "6 cleared (Z shows them)", "view cleared: the 6 flows seen so far are hidden")
	typeKeys(tm, "Z")
	waitOutput(t, tm, "the 6 flows cleared are shown again")
	typeKeys(tm, "q")
	waitOutput(t, tm, "quit? the proxy stops and clients pointed at it lose it")
	typeKeys(tm, "n", "q", "y")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	got := tm.FinalModel(t).(*Model)
	if got.list.order != sortTime || len(got.list.rows) != 6 {
		t.Errorf("order %v, %d rows", got.list.order, len(got.list.rows))
	}
}
