package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
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
