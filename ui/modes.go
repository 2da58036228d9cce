package ui

import (
	"slices"

	tea "github.com/charmbracelet/bubbletea"
)

// The screen is a stack of modes. At the bottom are the panes (the flow
// list and detail, or the findings); above them whatever was opened over
// them: the help, a diff, a confirmation, a replay on its way, the prompt.
// This file is the one place that decides, from the stack, which mode gets
// a key or the mouse, what fills the body of the screen and what the bottom
// line says: the top mode first, and each mode can pass to the one below.
//
// Modes talk back to the model with messages (tell): "the prompt was
// submitted", "close me", "send this replay". The model handles them in the
// same Update, so one key press has all its effects before the next frame.

// A mode is one layer of the screen.
type mode interface {
	// handle takes a key or mouse message (the mouse's Y relative to the
	// body, below the status line).
	handle(msg tea.Msg) out
	// body draws the screen between the status line and the bottom line;
	// false: the mode below draws it.
	body(w, h int) (string, bool)
	// bottom is the bottom line; false: the mode below says it.
	bottom(w int) (string, bool)
}

// typist is a mode that is a text input: it gets every key as typed, and
// its line is not covered by messages.
type typist interface{ typing() bool }

// out is what a mode answers to a message.
type out struct {
	msg  tea.Msg // for the model, handled at once
	cmd  tea.Cmd // for bubbletea to run
	pass bool    // not for this mode: the mode below gets it
}

var (
	passed = out{pass: true} // not mine
	taken  = out{}           // mine, nothing more to do
)

func tell(msg tea.Msg) out { return out{msg: msg} }
func run(cmd tea.Cmd) out  { return out{cmd: cmd} }

// Messages modes send the model.
type (
	closeMsg      struct{ m mode } // close this mode
	helpMsg       struct{}         // open the help over the current mode
	quitMsg       struct{}         // the user asked to quit
	jumpMsg       struct{ id int } // select this flow in the list
	selectMsg     struct{}         // the list's selection moved
	promptDoneMsg struct {         // enter in the prompt
		kind  promptKind
		value string
	}
	promptEditMsg struct { // the prompt's text changed
		kind  promptKind
		value string
	}
	promptCancelMsg struct{ kind promptKind }  // esc in the prompt
	sendMsg         struct{ plan *replayPlan } // the confirmation said yes
	notSentMsg      struct{ what string }      // the confirmation (or the editor) said no
	cancelReplayMsg struct{}                   // esc while a replay is on its way
)

// push opens md over the current modes (moving it to the top when open).
func (m *Model) push(md mode) {
	m.drop(md)
	m.modes = append(m.modes, md)
}

// drop removes md from the stack, wherever it is.
func (m *Model) drop(md mode) {
	m.modes = slices.DeleteFunc(m.modes, func(x mode) bool { return x == md })
}

// isOpen reports whether md is on the stack.
func (m *Model) isOpen(md mode) bool { return slices.Contains(m.modes, md) }

// top is the mode on top (the panes when nothing is open over them).
func (m *Model) top() mode { return m.modes[len(m.modes)-1] }

// typing reports whether the top mode is a text input.
func (m *Model) typing() bool {
	t, ok := m.top().(typist)
	return ok && t.typing()
}

// route gives msg to the top mode, or down the stack to the first that
// takes it, and handles what that mode says back.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	for i := len(m.modes) - 1; i >= 0; i-- {
		o := m.modes[i].handle(msg)
		if o.pass {
			continue
		}
		if o.msg == nil {
			return o.cmd
		}
		_, cmd := m.Update(o.msg)
		return tea.Batch(o.cmd, cmd)
	}
	return nil
}

// key routes a key press. ctrl+c quits from anywhere; any other key also
// dismisses the last message (unless it is typed into a prompt).
//
// Keys typed fast, repeated, or sent over SSH arrive several in one message
// ("jjj"): outside a text input each is handled as its own key, and when one
// of them opens a prompt ("/PATCH") the rest is typed into it. Text pasted
// outside a text input is not taken as keys.
func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	if msg.String() == "ctrl+c" {
		return tea.Quit
	}
	m.touched = true
	if m.typing() {
		return m.route(msg)
	}
	if msg.Paste {
		return m.flash(true, "pasted text goes nowhere here: / filters, e edits a request")
	}
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 {
		var cmds []tea.Cmd
		for i, r := range msg.Runes {
			if m.typing() {
				rest := tea.KeyMsg{Type: tea.KeyRunes, Runes: msg.Runes[i:], Alt: msg.Alt}
				cmds = append(cmds, m.route(rest))
				break
			}
			one := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
			if r == ' ' {
				one.Type = tea.KeySpace
			}
			cmds = append(cmds, m.key(one))
		}
		return tea.Batch(cmds...)
	}
	m.msg = ""
	return m.route(msg)
}

// mouse routes a mouse event to the mode that draws the body, with Y made
// relative to the body (below the status line).
func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if msg.Y < 1 {
		return nil
	}
	msg.Y--
	return m.route(msg)
}

// body is what the top mode that draws one draws.
func (m *Model) body(w, h int) string {
	for i := len(m.modes) - 1; i >= 0; i-- {
		if s, ok := m.modes[i].body(w, h); ok {
			return s
		}
	}
	return ""
}

// bodyBelow is what the modes under md draw (for a mode drawn over them).
func (m *Model) bodyBelow(md mode, w, h int) string {
	i := slices.Index(m.modes, md)
	for i--; i >= 0; i-- {
		if s, ok := m.modes[i].body(w, h); ok {
			return s
		}
	}
	return ""
}

// bottomLine: a prompt being typed into, else the last message, else what
// the top mode that says something says (its keys).
func (m *Model) bottomLine() string {
	if m.typing() {
		s, _ := m.top().bottom(m.width)
		return s
	}
	if m.msg != "" {
		return m.msgLine()
	}
	for i := len(m.modes) - 1; i >= 0; i-- {
		if s, ok := m.modes[i].bottom(m.width); ok {
			return s
		}
	}
	return ""
}
