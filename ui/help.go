package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// helpPane lists every key (`?`), in as many columns as fit, then how the
// filter, the mouse and the CA work; it scrolls when the terminal is short.
type helpPane struct {
	help   help.Model
	vp     viewport.Model
	keys   *keyMap
	notes  func() []string // what the help says besides the keys
	width  int
	height int
	st     *styles
}

func newHelpPane(keys *keyMap, st *styles, notes func() []string) helpPane {
	h := help.New()
	h.Styles = st.help
	h.FullSeparator = "    "
	return helpPane{help: h, vp: viewport.New(0, 0), keys: keys, st: st, notes: notes}
}

func (h *helpPane) setSize(w, hgt int) {
	h.width, h.height = w, hgt
	h.vp.Width, h.vp.Height = w, hgt
}

// handle: ? or esc closes the help, q quits, the scrolling keys scroll,
// other keys do nothing.
func (h *helpPane) handle(msg tea.Msg) out {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, h.keys.Quit):
			return tell(quitMsg{})
		case key.Matches(k, h.keys.Help), key.Matches(k, h.keys.Back):
			return tell(closeMsg{h})
		}
	}
	return run(scrollViewport(&h.vp, h.keys, msg))
}

func (h *helpPane) body(w, hgt int) (string, bool) {
	off := h.vp.YOffset
	h.vp.SetContent(h.View())
	h.vp.SetYOffset(off)
	return block(h.vp.View(), w, hgt), true
}

func (h *helpPane) bottom(int) (string, bool) {
	return h.st.dim.Render(" ? or esc: back · ↑↓ scroll · q: quit"), true
}

// View is the whole help text.
func (h *helpPane) View() string {
	var all []key.Binding
	for _, g := range h.keys.FullHelp() {
		all = append(all, g...)
	}
	// As many columns as fit the width.
	var view string
	for cols := 3; cols >= 1; cols-- {
		per := (len(all) + cols - 1) / cols
		var groups [][]key.Binding
		for i := 0; i < len(all); i += per {
			groups = append(groups, all[i:min(i+per, len(all))])
		}
		view = h.help.FullHelpView(groups)
		if lipgloss.Width(view)+1 <= h.width {
			break
		}
	}
	var b strings.Builder
	b.WriteString(h.st.bold.Render(" provtap keys") + "\n\n")
	for _, line := range strings.Split(view, "\n") {
		b.WriteString(" " + line + "\n")
	}
	l := &lines{width: max(h.width-1, 10)}
	l.out = append(l.out, "")
	for _, n := range append([]string{mouseHelp}, append(h.notes(), "ctrl+c quits at once, without asking")...) {
		l.prose(h.st.dim, n, "  ")
	}
	for _, s := range l.out {
		b.WriteString(" " + s + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}
