package ui

import (
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

type promptKind int

const (
	promptNone promptKind = iota
	promptFilter
	promptSave
)

// promptPane is the bottom line's text input: the `/` filter and the `s`
// save path.
type promptPane struct {
	kind  promptKind
	input textinput.Model
	err   string // what is wrong with the text (a bad filter), shown after it
	width int
	st    *styles
}

func newPromptPane(st *styles) promptPane {
	in := textinput.New()
	in.CharLimit = 4096
	in.PromptStyle = st.bold
	return promptPane{input: in, st: st}
}

func (p *promptPane) active() bool { return p.kind != promptNone }

// open starts editing: label is the prompt, value the initial text.
func (p *promptPane) open(kind promptKind, label, value string) tea.Cmd {
	p.kind, p.err = kind, ""
	p.input.Prompt = label
	p.input.SetValue(value)
	p.input.CursorEnd()
	p.input.Width = max(p.width-ansi.StringWidth(label)-1, 1)
	return p.input.Focus()
}

func (p *promptPane) close() {
	p.kind = promptNone
	p.input.Blur()
}

func (p *promptPane) value() string { return p.input.Value() }

func (p *promptPane) setWidth(w int) {
	p.width = w
	p.input.Width = max(w-ansi.StringWidth(p.input.Prompt)-1, 1)
}

func (p *promptPane) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.input, cmd = p.input.Update(msg)
	return cmd
}

// View is the input, and after it what is wrong with what was typed.
func (p *promptPane) View() string {
	if p.err == "" {
		p.input.Width = max(p.width-ansi.StringWidth(p.input.Prompt)-1, 1)
		return p.input.View()
	}
	room := max(p.width-ansi.StringWidth(p.input.Prompt)-ansi.StringWidth(p.input.Value())-2, p.width/2)
	msg := ansi.Truncate("✖ "+p.err, room, "…")
	p.input.Width = max(p.width-ansi.StringWidth(p.input.Prompt)-ansi.StringWidth(msg)-2, 1)
	return p.input.View() + " " + p.st.msgErr.Render(msg)
}

// handle: enter submits, esc cancels, other keys edit (each edit of the
// filter applies it at once). The mouse goes to the panes below.
func (p *promptPane) handle(msg tea.Msg) out {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return passed
	}
	kind := p.kind
	switch k.Type {
	case tea.KeyEnter:
		if p.err != "" {
			return taken // a bad filter stays open, with what is wrong
		}
		value := p.value()
		p.close()
		return tell(promptDoneMsg{kind: kind, value: value})
	case tea.KeyEsc:
		p.close()
		return tell(promptCancelMsg{kind: kind})
	}
	cmd := p.Update(k)
	if kind == promptFilter {
		return out{msg: promptEditMsg{kind: kind, value: p.value()}, cmd: cmd}
	}
	return run(cmd)
}

func (p *promptPane) body(int, int) (string, bool) { return "", false }
func (p *promptPane) bottom(int) (string, bool)    { return p.View(), true }
func (p *promptPane) typing() bool                 { return true }

// openPrompt starts editing in the bottom line.
func (m *Model) openPrompt(kind promptKind, label, value string) tea.Cmd {
	cmd := m.prompt.open(kind, label, value)
	m.push(&m.prompt)
	return cmd
}

// quitAsk asks before quitting while the proxy is serving: the clients
// pointed at it would lose their proxy.
type quitAsk struct{ st *styles }

func (q *quitAsk) handle(msg tea.Msg) out {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return passed
	}
	switch k.String() {
	case "y", "Y", "q", "enter":
		return run(tea.Quit)
	case "n", "N", "esc":
		return tell(closeMsg{q})
	}
	return taken
}

func (q *quitAsk) body(int, int) (string, bool) { return "", false }

func (q *quitAsk) bottom(w int) (string, bool) {
	return q.st.warn.Render(ansi.Truncate(" quit? the proxy stops and clients pointed at it lose it · y or q: quit · n or esc: stay", w, "…")), true
}
