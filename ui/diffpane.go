package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/capture"
)

// diffPane shows the diff of two requests (`m` on one flow, `d` on
// another) over the whole body of the screen, scrolled like the detail pane.
type diffPane struct {
	vp          viewport.Model
	left, right *capture.Flow
	width       int
	height      int // lines, including the title line
	keys        *keyMap
	st          *styles
}

func newDiffPane(keys *keyMap, st *styles) diffPane {
	vp := viewport.New(0, 0)
	vp.MouseWheelDelta = 3
	return diffPane{vp: vp, keys: keys, st: st}
}

func (p *diffPane) active() bool { return p.left != nil && p.right != nil }

func (p *diffPane) open(left, right *capture.Flow) {
	p.left, p.right = left, right
	p.rebuild()
	p.vp.GotoTop()
}

func (p *diffPane) close() { p.left, p.right = nil, nil }

func (p *diffPane) setSize(w, h int) {
	if w == p.width && h == p.height {
		return
	}
	p.width, p.height = w, h
	p.vp.Width, p.vp.Height = w, max(h-1, 0)
	p.rebuild()
}

func (p *diffPane) rebuild() {
	if !p.active() || p.width <= 0 {
		return
	}
	off := p.vp.YOffset
	p.vp.SetContent(renderDiff(p.st, p.left, p.right, p.width))
	p.vp.SetYOffset(off)
}

// handle: esc, q or d closes the diff, ? opens the help over it, other
// keys and the mouse scroll.
func (p *diffPane) handle(msg tea.Msg) out {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, p.keys.Back), key.Matches(k, p.keys.Quit), key.Matches(k, p.keys.Diff):
			p.close()
			return tell(closeMsg{p})
		case key.Matches(k, p.keys.Help):
			return tell(helpMsg{})
		}
	}
	return run(scrollViewport(&p.vp, p.keys, msg))
}

func (p *diffPane) body(w, h int) (string, bool) { return block(p.View(), w, h), true }

func (p *diffPane) bottom(w int) (string, bool) {
	return p.st.dim.Render(ansi.Truncate(" ↑↓ scroll · esc/q: close the diff · < only left · > only right · ~ differs · ≈ noise", w, "…")), true
}

func (p *diffPane) View() string {
	if p.height <= 0 || !p.active() {
		return ""
	}
	return p.title() + "\n" + p.vp.View()
}

func (p *diffPane) title() string {
	left := p.st.tabOn.Render(fmt.Sprintf("[Diff #%d ⇄ #%d]", p.left.ID, p.right.ID)) + " "
	right := "esc/q: close "
	if p.vp.TotalLineCount() > p.vp.Height && p.vp.Height > 0 {
		right = fmt.Sprintf("%3.0f%% · ", p.vp.ScrollPercent()*100) + right
	}
	gap := p.width - ansi.StringWidth(left) - ansi.StringWidth(right) - 1
	if gap < 1 {
		return ansi.Truncate(left, p.width, "")
	}
	return " " + left + p.st.dim.Render(strings.Repeat("─", gap)+" "+right)
}

// markSelected marks (or unmarks) the flow `d` compares with.
func (m *Model) markSelected() tea.Cmd {
	f := m.targetFlow()
	if f == nil {
		return m.flash(true, "no flow to mark yet")
	}
	if m.list.marked == f.ID {
		m.list.marked = 0
		return m.flash(false, "#%d unmarked", f.ID)
	}
	m.list.marked = f.ID
	return m.flash(false, "#%d marked (◆): select another flow and press d to compare", f.ID)
}

// openDiff compares the marked flow (left) with the selected one (right).
func (m *Model) openDiff() tea.Cmd {
	f := m.targetFlow()
	switch {
	case m.list.marked == 0:
		return m.flash(true, "nothing to compare with: m marks a flow, then select another and press d")
	case f == nil:
		return m.flash(true, "no flow selected")
	case f.ID == m.list.marked:
		return m.flash(true, "#%d is the marked flow: select another one to compare it with", f.ID)
	}
	left := m.flowByID(m.list.marked)
	if left == nil {
		return m.flash(true, "the marked flow #%d is gone", m.list.marked)
	}
	m.diff.open(m.fullOrSame(left), m.fullOrSame(f))
	m.push(&m.diff)
	m.layout()
	return nil
}
