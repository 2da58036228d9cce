package ui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

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
	m.helpPane.setSize(w, body)
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
	m.editor.setSize(w, body)
	m.syncDetail()
}

// View draws the screen. Every line is cut to the width, and the whole is
// exactly the height, so nothing scrolls however small the terminal is.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	body := max(m.height-2, 0)
	parts := []string{m.statusLine()}
	if body > 0 {
		parts = append(parts, m.body(m.width, body))
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
	if mode := m.opts.Mode; mode != "" {
		if m.width < 100 && m.opts.ProxyURL != "" && !m.opts.Reverse {
			mode = strings.TrimPrefix(m.opts.ProxyURL, "http://") // where clients point, in few cells
		}
		segs = append(segs, mode)
	}
	segs = append(segs, m.filterStatus())
	if m.list.order != sortFlow {
		segs = append(segs, "sorted by "+m.list.order.String())
	}
	if m.clearSeq > 0 {
		segs = append(segs, fmt.Sprintf("%d cleared (Z shows them)", m.clearSeq))
	}
	fs := plural(m.store.fnd.total, "finding")
	if e := m.store.fnd.counts[analyze.Error]; e > 0 {
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
		path := tildePath(m.opts.CapturePath)
		if ansi.StringWidth(path) > room {
			path = filepath.Base(path) // the name tells captures apart
		}
		if room >= 8 {
			right = label + cutLeft(path, room)
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

// hint is one entry of the hint line: a key, what it does, and how much
// it matters when the line is short (0: always shown; 3 goes first).
type hint struct {
	keys, desc string
	rank       int
}

// hintLine lays hints out in w cells: with " · " between them when all
// fit, else two spaces, else leaving out the least important. What a key
// says here is what ? says, in fewer words.
func (st *styles) hintLine(hs []hint, w int) string {
	maxRank, sep := 0, "  "
choose:
	for r := 3; r >= 0; r-- {
		for _, sp := range []string{" · ", "  "} {
			width := 1 - ansi.StringWidth(sp)
			for _, h := range hs {
				if h.rank <= r {
					width += ansi.StringWidth(h.keys) + 1 + ansi.StringWidth(h.desc) + ansi.StringWidth(sp)
				}
			}
			if width <= w {
				maxRank, sep = r, sp
				break choose
			}
		}
	}
	var parts []string
	for _, h := range hs {
		if h.rank <= maxRank {
			parts = append(parts, st.help.ShortKey.Render(h.keys)+" "+st.help.ShortDesc.Render(h.desc))
		}
	}
	return " " + strings.Join(parts, st.help.ShortSeparator.Render(sep))
}
