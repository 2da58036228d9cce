package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
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
	m.list.empty, m.detail.empty = m.emptyText(), m.firstScreen()
	var parts []string
	if m.list.height > 0 {
		parts = append(parts, block(m.list.View(), w, m.list.height))
	}
	if m.detail.height > 0 {
		parts = append(parts, block(m.detail.View(), w, m.detail.height))
	}
	return strings.Join(parts, "\n"), true
}

func (p *paneMode) bottom(w int) (string, bool) {
	m := p.m
	if m.focus == focusDetail {
		return m.st.dim.Render(ansi.Truncate(" ↑↓ scroll · tab request/response · esc back to the list · c curl · r/R replay/fix · m/d mark/diff · ? help", w, "…")), true
	}
	short, compact := m.keys.ShortHelp(), m.keys.compactHelp()
	if m.focus == focusFindings { // r is the evidence there
		for i, hs := range [][]key.Binding{short, compact} {
			for j, b := range hs {
				if b.Keys()[0] == "r" {
					hs[j] = withHelp(m.keys.ReplayFix, [2]string{"r/R", "R"}[i], [2]string{"evidence/fix", "fix"}[i])
				}
			}
		}
	}
	full := m.hints.ShortHelpView(short)
	if ansi.StringWidth(full) > w || strings.HasSuffix(ansi.Strip(full), "…") {
		return m.hints.ShortHelpView(compact), true
	}
	return full, true
}

// paneKey is a key for the panes: the keys that act on flows, then the pane
// in focus (moving, scrolling).
func (m *Model) paneKey(msg tea.KeyMsg) out {
	k := &m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tell(quitMsg{})
	case m.focus == focusFindings && key.Matches(msg, k.Replay):
		return run(m.related()) // r: the related flows, as before, in the findings pane
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
		return run(m.copySelected())
	case key.Matches(msg, k.Findings):
		if m.focus == focusFindings {
			m.focus = focusList
		} else {
			m.focus = focusFindings
		}
		m.layout()
	case key.Matches(msg, k.Related):
		return run(m.related())
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
	default:
		switch m.focus {
		case focusList:
			return m.list.Update(msg)
		case focusDetail:
			return run(m.detail.Update(msg))
		case focusFindings:
			return m.fpane.Update(msg)
		}
	}
	return taken
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
