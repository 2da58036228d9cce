package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/analyze"
)

// layout gives each pane its size: a status line on top, the hint or
// prompt line at the bottom; between them the list above the detail pane
// (or the detail alone after enter, or the findings pane, or help).
func (m *Model) layout() {
	w, body := m.width, max(m.height-2, 0)
	m.prompt.setWidth(w)
	m.hints.Width = w
	m.helpPane.width, m.helpPane.height = w, body
	listH, detailH := 0, 0
	switch m.focus {
	case focusList:
		listH = min(body, max(4, body*2/5))
		if body-listH < 4 {
			listH = body
		}
		detailH = body - listH
	case focusDetail:
		detailH = body
	}
	m.list.width, m.list.height = w, listH
	m.list.clamp()
	m.detail.setSize(w, detailH)
	m.fpane.setSize(w, body)
	m.diff.setSize(w, body)
	m.confirm.setSize(w, body)
	m.syncDetail()
}

// View draws the screen. Every line is cut to the width, and the whole is
// exactly the height, so nothing scrolls however small the terminal is.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	body := max(m.height-2, 0)
	var parts []string
	parts = append(parts, m.statusLine())
	switch {
	case body == 0:
	case m.showHelp:
		parts = append(parts, block(m.helpPane.View(), m.width, body))
	case m.confirm.active():
		parts = append(parts, block(m.confirm.View(), m.width, body))
	case m.diff.active():
		parts = append(parts, block(m.diff.View(), m.width, body))
	case m.focus == focusFindings:
		parts = append(parts, block(m.fpane.View(), m.width, body))
	default:
		if m.list.height > 0 {
			parts = append(parts, block(m.list.View(), m.width, m.list.height))
		}
		if m.detail.height > 0 {
			parts = append(parts, block(m.detail.View(), m.width, m.detail.height))
		}
	}
	parts = append(parts, block(m.bottomLine(), m.width, 1))
	out := strings.Join(parts, "\n")
	if m.height == 1 {
		return block(out, m.width, 1)
	}
	return out
}

// block cuts s to w cells per line and pads or cuts it to h lines.
func block(s string, w, h int) string {
	if h <= 0 {
		return ""
	}
	ls := strings.SplitN(s, "\n", h+1)
	if len(ls) > h {
		ls = ls[:h]
	}
	for i, l := range ls {
		if ansi.StringWidth(l) > w {
			ls[i] = ansi.Truncate(l, w, "")
		}
	}
	for len(ls) < h {
		ls = append(ls, "")
	}
	return strings.Join(ls, "\n")
}

// statusLine: mode, flow count (and filter), findings, the capture file —
// or why recording stopped.
func (m *Model) statusLine() string {
	var segs []string
	if m.width >= 110 {
		segs = append(segs, "provtap")
	}
	if m.opts.Mode != "" {
		segs = append(segs, m.opts.Mode)
	}
	n := len(m.all)
	if m.filter.active() {
		segs = append(segs, fmt.Sprintf("%d of %d flows match /%s", len(m.list.rows), n, m.filter.text))
	} else {
		segs = append(segs, plural(n, "flow"))
	}
	fs := plural(len(m.findings), "finding")
	if e := m.counts[analyze.Error]; e > 0 {
		fs += fmt.Sprintf(" (%d ✖)", e)
	}
	segs = append(segs, fs)
	if m.opts.Live && m.closed {
		segs = append(segs, "proxy stopped")
	}
	if m.note != "" {
		segs = append(segs, m.note)
	}
	left := " " + strings.Join(segs, " │ ") + " │ "
	var right string
	if m.recErr != nil {
		right = "recording stopped: " + oneLine(m.recErr.Error())
		if m.opts.CapturePath != "" {
			right += " (" + tildePath(m.opts.CapturePath) + " holds the flows before it)"
		}
		left = ansi.Truncate(left, max(m.width*2/3, m.width-ansi.StringWidth(right)), "…")
		right = fit(right, max(m.width-ansi.StringWidth(left), 0))
		return m.st.bar.Render(left) + m.st.msgErr.Render(right)
	}
	if m.opts.CapturePath != "" {
		label := ""
		if m.opts.Live {
			label = "rec "
		}
		room := m.width - ansi.StringWidth(left) - len(label) - 1
		if room >= 8 {
			right = label + cutLeft(tildePath(m.opts.CapturePath), room)
		}
	}
	return m.st.bar.Render(fit(left+right, m.width))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// tildePath shortens the home directory to ~.
func tildePath(p string) string {
	home, err := os.UserHomeDir()
	if err == nil && home != "" && strings.HasPrefix(p, home+string(filepath.Separator)) {
		return "~" + p[len(home):]
	}
	return p
}

// bottomLine is the prompt being edited, else the last message, else the
// key hints.
func (m *Model) bottomLine() string {
	switch {
	case m.prompt.active():
		return m.prompt.View()
	case m.msg != "":
		st := m.st.msgOK
		if m.msgErr {
			st = m.st.msgErr
		}
		return st.Render(ansi.Truncate(" "+oneLine(m.msg), m.width, "…"))
	case m.showHelp:
		return m.st.dim.Render(" ? or esc: back · q: quit")
	case m.confirm.active():
		return m.st.warn.Render(ansi.Truncate(" send this request? it has side effects · y/enter: send · n/esc: cancel · ↑↓ scroll", m.width, "…"))
	case m.diff.active():
		return m.st.dim.Render(ansi.Truncate(" ↑↓ scroll · esc/q: close the diff · < only left · > only right · ~ differs · ≈ noise", m.width, "…"))
	case m.pending != nil:
		return m.st.warn.Render(ansi.Truncate(fmt.Sprintf(" replaying #%d… (esc cancels)", m.pending.orig), m.width, "…"))
	case m.focus == focusDetail:
		return m.st.dim.Render(ansi.Truncate(" ↑↓ scroll · tab request/response · esc back to the list · c curl · r/R replay/fix · m/d mark/diff · ? help", m.width, "…"))
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
	if ansi.StringWidth(full) > m.width || strings.HasSuffix(ansi.Strip(full), "…") {
		return m.hints.ShortHelpView(compact)
	}
	return full
}
