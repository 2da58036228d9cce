package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// paneMode is the bottom of the mode stack: the flow list above the detail
// pane (or the detail alone after enter), or the findings pane. It answers
// the keys that act on flows and hands the rest to the pane in focus.
type paneMode struct{ m *Model }

func (p *paneMode) handle(msg tea.Msg) out {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return p.m.paneKey(msg)
	case tea.MouseMsg:
		return p.m.paneMouse(msg)
	}
	return passed
}

func (p *paneMode) body(w, h int) (string, bool) {
	m := p.m
	if m.focus == focusFindings {
		return block(m.fpane.View(), w, h), true
	}
	m.list.empty, m.detail.empty, m.list.hostW = m.emptyText(), m.firstScreen(), m.store.hostW
	var parts []string
	if m.list.height > 0 {
		parts = append(parts, block(m.list.View(), w, m.list.height))
	}
	if m.detail.height > 0 {
		parts = append(parts, block(m.detail.View(), w, m.detail.height))
	}
	return strings.Join(parts, "\n"), true
}

// bottom is the hint line of the pane in focus. It offers r only where
// there is a request to send, R only where a finding has a fix, e only
// where the request can be edited and sent.
func (p *paneMode) bottom(w int) (string, bool) {
	return p.m.st.hintLine(p.m.paneHints(), w), true
}

// paneHints is the hint line's entries for the pane in focus.
func (m *Model) paneHints() []hint {
	f := m.targetFlow()
	var acts []hint
	if m.canReplay(f) {
		acts = append(acts, hint{"r", "replay", 1})
	}
	if m.canFix(f) {
		acts = append(acts, hint{"R", "fix", 1})
	}
	if m.canEdit(f) {
		acts = append(acts, hint{"e", "edit", 2})
	}
	if f != nil && m.focus != focusFindings && m.hasEvidence(f.ID) {
		acts = append(acts, hint{"v", "evidence", 3})
	}
	var hs []hint
	switch m.focus {
	case focusFindings:
		enter := "requests"
		if m.fpane.curID != 0 {
			enter = "go to flow"
		}
		hs = append([]hint{{"↑↓", "move", 3}, {"enter", enter, 0}, {"v", "evidence", 0}, {"c", "curl", 1}}, acts...)
		hs = append(hs, hint{"f/esc", "close", 0}, hint{"?", "help", 0}, hint{"q", "quit", 2})
	case focusDetail:
		hs = append([]hint{{"↑↓", "scroll", 3}, {"tab", "request/response/cookies", 0}, {"esc", "list", 0}, {"c", "curl", 0}, {"C", "copy as", 3}}, acts...)
		hs = append(hs, hint{"m/d", "diff", 2}, hint{"?", "help", 0}, hint{"q", "quit", 2})
	default:
		hs = append([]hint{{"↑↓", "move", 2}, {"enter", "open", 0}, {"/", "filter", 0}, {"f", "findings", 0}, {"c", "curl", 0}, {"C", "copy as", 3}}, acts...)
		hs = append(hs, hint{"m/d", "diff", 2}, hint{"o", "sort", 3}, hint{"s", "save", 0}, hint{"?", "help", 0}, hint{"q", "quit", 2})
	}
	return hs
}

// paneKey is a key for the panes: the keys that act on flows, then the pane
// in focus (moving, scrolling).
func (m *Model) paneKey(msg tea.KeyMsg) out {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tell(quitMsg{})
	case key.Matches(msg, k.Replay):
		return run(m.startReplay(false))
	case key.Matches(msg, k.ReplayFix):
		return run(m.startReplay(true))
	case key.Matches(msg, k.Mark):
		return run(m.markSelected())
	case key.Matches(msg, k.Diff):
		return run(m.openDiff())
	case key.Matches(msg, k.Help):
		return tell(helpMsg{})
	case key.Matches(msg, k.Filter):
		return run(m.openPrompt(promptFilter, "/", m.filter.text))
	case key.Matches(msg, k.Save):
		return run(m.openSave())
	case key.Matches(msg, k.Copy):
		return run(m.copyAs(copyCurl))
	case key.Matches(msg, k.CopyAs):
		return run(m.openCopyMenu())
	case key.Matches(msg, k.Findings):
		if m.focus == focusFindings {
			m.focus = focusList
		} else {
			// From a flow: its own problem, as the detail's "f: the detail
			// and the fix" promises.
			if id := m.list.selectedID(); id != 0 {
				m.fpane.showFlow(id)
			}
			m.focus = focusFindings
		}
		m.layout()
	case key.Matches(msg, k.Evidence):
		return run(m.related())
	case key.Matches(msg, k.Edit):
		return run(m.startEdit())
	case key.Matches(msg, k.Sort):
		m.list.order = m.list.order.next()
		m.resort()
		return run(m.flash(false, "sorted by %s (o: next order)", m.list.order))
	case key.Matches(msg, k.Clear):
		return run(m.clearView())
	case key.Matches(msg, k.Unclear):
		return run(m.unclearView())
	case key.Matches(msg, k.NextMark):
		m.nextMarked(1)
	case key.Matches(msg, k.PrevMark):
		m.nextMarked(-1)
	case key.Matches(msg, k.Tab):
		m.detail.switchTab()
	case key.Matches(msg, k.Enter):
		switch m.focus {
		case focusList:
			m.focus = focusDetail
			m.layout()
		case focusFindings:
			return m.fpane.Update(msg)
		}
	case key.Matches(msg, k.Back):
		switch {
		case m.focus != focusList:
			m.focus = focusList
			m.layout()
		case m.filter.active():
			return run(m.setFilter(""))
		}
	case key.Matches(msg, k.Expand, k.Collapse) && m.focus == focusFindings:
		return m.fpane.Update(msg)
	case key.Matches(msg, k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom):
		switch m.focus {
		case focusList:
			return m.list.Update(msg)
		case focusDetail:
			return run(m.detail.Update(msg))
		case focusFindings:
			return m.fpane.Update(msg)
		}
	default:
		return run(m.flash(false, "%s does nothing here · ? lists every key", keyName(msg)))
	}
	return taken
}

// keyName is how a key reads in a message.
func keyName(msg tea.KeyMsg) string {
	if s := msg.String(); s != " " && s != "" {
		return s
	}
	return "space"
}

// paneMouse sends the wheel and clicks to the pane under the pointer.
func (m *Model) paneMouse(msg tea.MouseMsg) out {
	if m.focus == focusFindings {
		return m.fpane.Update(msg)
	}
	if msg.Y < m.list.height {
		return m.list.Update(msg)
	}
	msg.Y -= m.list.height
	return run(m.detail.Update(msg))
}
