package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/analyze"
)

// findingsPane lists every finding, worst first, with the selected one's
// title, detail, fix and evidence below. Enter goes to its flow; v to the
// flows that are its evidence.
type findingsPane struct {
	items  []analyze.Finding // worst first
	cursor int
	offset int
	width  int
	height int
	vp     viewport.Model
	// describe is a one-line summary of a flow ("#1 POST /admin/users 201").
	describe func(id int) string
	// resolve fills in what a finding's text leaves to the reader (the CA's path).
	resolve  func(string) string
	keys     *keyMap
	st       *styles
	shownFor int // cursor the viewport content was built for (-1: none)
}

func newFindingsPane(keys *keyMap, st *styles, describe func(int) string) findingsPane {
	return findingsPane{vp: viewport.New(0, 0), keys: keys, st: st, describe: describe, shownFor: -1}
}

// set replaces the findings (already sorted), keeping the selected one.
func (p *findingsPane) set(items []analyze.Finding) {
	var cur *analyze.Finding
	if p.cursor < len(p.items) {
		cur = &p.items[p.cursor]
	}
	p.items = items
	p.cursor = 0
	if cur != nil {
		for i := range items {
			if sameFinding(items[i], *cur) {
				p.cursor = i
				break
			}
		}
	}
	p.shownFor = -1
	p.layout()
}

func sameFinding(a, b analyze.Finding) bool {
	return a.Kind == b.Kind && a.Flow == b.Flow && a.Title == b.Title
}

func (p *findingsPane) selected() (analyze.Finding, bool) {
	if p.cursor < 0 || p.cursor >= len(p.items) {
		return analyze.Finding{}, false
	}
	return p.items[p.cursor], true
}

func (p *findingsPane) setSize(w, h int) {
	p.width, p.height = w, h
	p.shownFor = -1
	p.layout()
}

// listHeight is how many findings are listed above the selected one's text.
func (p *findingsPane) listHeight() int {
	return max(1, min(len(p.items), max(3, (p.height-2)/2)))
}

func (p *findingsPane) layout() {
	lh := p.listHeight()
	p.cursor = min(max(p.cursor, 0), max(len(p.items)-1, 0))
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+lh {
		p.offset = p.cursor - lh + 1
	}
	p.vp.Width, p.vp.Height = p.width, max(p.height-2-lh, 0)
	if p.shownFor != p.cursor {
		p.shownFor = p.cursor
		p.vp.SetContent(p.detail())
		p.vp.GotoTop()
	}
}

// Update moves the selection and scrolls the selected finding's text;
// enter tells the model to go to the finding's flow.
func (p *findingsPane) Update(msg tea.Msg) out {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		k := p.keys
		switch {
		case key.Matches(msg, k.Enter):
			if fd, ok := p.selected(); ok {
				return tell(jumpMsg{fd.Flow})
			}
		case key.Matches(msg, k.Up):
			p.cursor--
		case key.Matches(msg, k.Down):
			p.cursor++
		case key.Matches(msg, k.Top):
			p.cursor = 0
		case key.Matches(msg, k.Bottom):
			p.cursor = len(p.items) - 1
		case key.Matches(msg, k.PageUp):
			p.vp.PageUp()
		case key.Matches(msg, k.PageDown):
			p.vp.PageDown()
		}
		p.layout()
	case tea.MouseMsg:
		if msg.Y > p.listHeight() {
			var cmd tea.Cmd
			p.vp, cmd = p.vp.Update(msg)
			return run(cmd)
		}
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			p.cursor--
		case tea.MouseButtonWheelDown:
			p.cursor++
		case tea.MouseButtonLeft:
			if msg.Action == tea.MouseActionPress && msg.Y >= 1 {
				p.cursor = p.offset + msg.Y - 1
			}
		}
		p.layout()
	}
	return taken
}

func (p *findingsPane) View() string {
	if p.height <= 0 {
		return ""
	}
	var b strings.Builder
	title := fmt.Sprintf(" Findings (%d), worst first · enter: go to flow · v: evidence · f/esc: close", len(p.items))
	b.WriteString(p.st.header.Render(fit(title, p.width)))
	if len(p.items) == 0 {
		b.WriteString("\n" + p.st.dim.Render(fit("  No findings. Analyzers explain refused calls as flows complete.", p.width)))
		return b.String()
	}
	lh := p.listHeight()
	for i := p.offset; i < p.offset+lh; i++ {
		b.WriteByte('\n')
		if i >= len(p.items) {
			continue
		}
		fd := p.items[i]
		cur := " "
		if i == p.cursor {
			cur = "▶"
		}
		line := fmt.Sprintf("%s%s %-7s %-18s %5s  %s", cur, severityMark(fd.Severity), fd.Severity, fd.Kind,
			"#"+strconv.Itoa(fd.Flow), oneLine(fd.Title))
		line = fit(line, p.width)
		if i == p.cursor {
			b.WriteString(p.st.selected.Render(line))
		} else {
			b.WriteString(p.st.severityStyle(fd.Severity).Render(line))
		}
	}
	b.WriteString("\n" + p.st.dim.Render(strings.Repeat("─", max(p.width, 0))))
	if p.vp.Height > 0 {
		b.WriteString("\n" + p.vp.View())
	}
	return b.String()
}

// detail is the selected finding in full.
func (p *findingsPane) detail() string {
	fd, ok := p.selected()
	if !ok || p.width <= 0 {
		return ""
	}
	l := &lines{width: max(p.width, 10)}
	l.prose(p.st.severityStyle(fd.Severity), fmt.Sprintf("%s %s · %s · on %s", severityMark(fd.Severity), fd.Severity, fd.Kind,
		p.describe(fd.Flow)), "  ")
	l.prose(p.st.bold, oneLine(fd.Title), "")
	if fd.Detail != "" {
		l.prose(p.st.plain, sanitize(p.resolve(fd.Detail)), "")
	}
	if fd.Fix != "" {
		l.prose(p.st.msgOK, "Fix: "+sanitize(p.resolve(fd.Fix)), "     ")
	}
	for _, m := range fd.Missing {
		l.prose(p.st.missing, fmt.Sprintf("− %s %s — %s", m.Where, oneLine(m.Name), oneLine(m.Seen)), "  ")
	}
	if len(fd.Related) > 0 {
		l.out = append(l.out, p.st.dim.Render("Evidence (v goes there):"))
		for _, id := range fd.Related {
			l.out = append(l.out, "  "+ansi.Truncate(p.describe(id), l.width-2, "…"))
		}
	}
	return strings.Join(l.out, "\n")
}
