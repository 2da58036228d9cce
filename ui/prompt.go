package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
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

// helpPane lists every key (`?`), in as many columns as fit.
type helpPane struct {
	help   help.Model
	keys   *keyMap
	width  int
	height int
	st     *styles
}

// handle: ? or esc closes the help, q quits, other keys do nothing.
func (h *helpPane) handle(msg tea.Msg) out {
	k, ok := msg.(tea.KeyMsg)
	switch {
	case !ok:
		return taken // the mouse does nothing here
	case key.Matches(k, h.keys.Quit):
		return tell(quitMsg{})
	case key.Matches(k, h.keys.Help), key.Matches(k, h.keys.Back):
		return tell(closeMsg{h})
	}
	return taken
}

func (h *helpPane) body(w, hgt int) (string, bool) { return block(h.View(), w, hgt), true }
func (h *helpPane) bottom(int) (string, bool) {
	return h.st.dim.Render(" ? or esc: back · q: quit"), true
}

func newHelpPane(keys *keyMap, st *styles) helpPane {
	h := help.New()
	h.Styles = st.help
	h.FullSeparator = "    "
	return helpPane{help: h, keys: keys, st: st}
}

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
	b.WriteString("\n " + h.st.dim.Render(mouseHelp))
	b.WriteString("\n " + h.st.dim.Render("filter: words match method, status, host, path, headers and bodies; all terms must match"))
	b.WriteString("\n " + h.st.dim.Render("  status:4xx method:PATCH host:gw path:/Groups header:Cookie header:Authorization=Basic"))
	b.WriteString("\n " + h.st.dim.Render(`  body:usert has:finding kind:dropped-cookie · -term negates · a OR b · "quoted words"`))
	b.WriteString("\n " + h.st.dim.Render("the selection stays put as flows arrive; G follows the newest"))
	b.WriteString("\n " + h.st.dim.Render("diff: < only in the marked flow, > only in the selected, ~ differs, ≈ noise"))
	b.WriteString("\n " + h.st.dim.Render("r and R show the request and ask first: a replay really changes the target"))
	b.WriteString("\n\n " + h.st.dim.Render("press ? or esc to close"))
	return b.String()
}
