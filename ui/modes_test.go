package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// What is open over what decides where a key goes, what the screen and the
// bottom line show, and where the mouse goes: the help opened over a diff
// closes back to the diff; a diff opened while a replay is on its way takes
// esc first, then esc cancels the replay.
func TestModesStack(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer(), Replayer: &fakeReplayer{block: true}}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(press("r"))
	_, send := m.Update(press("y"))
	if send == nil || m.pending == nil {
		t.Fatal("y did not start the replay")
	}
	if s := screen(m, 100, 30); !strings.Contains(lineWith(s, "replaying"), "replaying #1… (esc cancels)") {
		t.Errorf("bottom line while the replay is on its way:\n%s", s)
	}
	for _, k := range []string{"m", "j", "d"} { // the panes still get keys
		m.Update(press(k))
	}
	if !m.diff.active() || !strings.Contains(screen(m, 100, 30), "[Diff #1 ⇄ #2]") {
		t.Fatal("no diff over the pending replay")
	}
	m.Update(press("?"))
	s := screen(m, 100, 30)
	if !strings.Contains(s, "provtap keys") || !strings.Contains(lineWith(s, "? or esc: back"), "q: quit") {
		t.Fatalf("help over the diff:\n%s", s)
	}
	m.Update(press("esc"))
	if s := screen(m, 100, 30); !strings.Contains(s, "[Diff #1 ⇄ #2]") || !strings.Contains(s, "esc/q: close the diff") {
		t.Errorf("esc in the help must go back to the diff:\n%s", s)
	}
	// The wheel scrolls the diff, not the list under it.
	m.Update(tea.MouseMsg{X: 5, Y: 3, Button: tea.MouseButtonWheelDown, Action: tea.MouseActionPress})
	if m.list.selectedID() != 2 {
		t.Errorf("the wheel over the diff moved the list to #%d", m.list.selectedID())
	}
	m.Update(press("esc"))
	if m.diff.active() || m.pending == nil {
		t.Fatalf("esc must close the diff and leave the replay on its way (diff %v, pending %v)", m.diff.active(), m.pending != nil)
	}
	m.Update(press("esc"))
	if !strings.Contains(m.msg, "cancelling the replay of #1") {
		t.Errorf("the second esc must cancel the replay: %q", m.msg)
	}
	m.Update(send())
	if m.pending != nil || len(m.modes) != 1 {
		t.Errorf("after the replay ended: pending %v, %d modes open", m.pending != nil, len(m.modes))
	}
}

// A message covers the hints until the next key, but never the prompt
// being typed into.
func TestModesMessageAndPrompt(t *testing.T) {
	feed, _, _ := seedFeed()
	m := NewModel(Options{Renderer: plainRenderer()}, feed)
	m.Update(sizeMsg(100, 30))
	m.Update(press("d"))
	if l := lineWith(screen(m, 100, 30), "m marks a flow"); l == "" {
		t.Fatal("d without a mark says nothing")
	}
	m.Update(press("/"))
	if s := screen(m, 100, 30); strings.Contains(s, "m marks a flow") || !strings.HasPrefix(strings.Split(s, "\n")[29], "/") {
		t.Errorf("the prompt must own the bottom line:\n%s", s)
	}
	m.Update(press("esc"))
	if l := strings.Split(screen(m, 100, 30), "\n")[29]; !strings.Contains(l, "q quit") {
		t.Errorf("after esc the hints are back: %q", l)
	}
}
