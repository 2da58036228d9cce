package ui

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/analyze"
)

// findingsPane lists the problems (root causes), worst first, one line
// each: severity, kind, how many requests, the first and last of them, the
// title. Enter or → opens a problem to its requests, one line each, and
// enter on a request goes to its flow; ← closes it. The selected line's
// finding is explained below it: the problem's explaining finding, or the
// request's own. A problem can have 13,000 requests: only the lines on
// screen are formatted, and the problems are sorted again only when
// findings arrived since (findingStore.problems).
type findingsPane struct {
	src    *findingStore
	probs  []*analyze.Problem
	starts []int                     // line of each problem; len(probs)+1 entries, the last is the line count
	open   map[*analyze.Problem]bool // problems opened to their requests
	cur    *analyze.Problem          // the selected problem
	curID  int                       // the selected request of it (0: the problem's own line)
	line   int                       // the selected line
	moved  bool                      // the user moved the selection (else it stays on the worst)
	offset int                       // the first line on screen
	width  int
	height int
	vp     viewport.Model
	// describe is a one-line summary of a flow ("#1 POST /admin/users 201").
	describe func(id int) string
	// finding is a flow's finding of a problem, as the detail pane shows it.
	finding func(id int, p *analyze.Problem) (shownFinding, bool)
	// resolve fills in what a finding's text leaves to the reader (the CA's path).
	resolve func(string) string
	keys    *keyMap
	st      *styles
	shown   string // what the viewport was built for
}

func newFindingsPane(keys *keyMap, st *styles, src *findingStore, describe func(int) string) findingsPane {
	return findingsPane{vp: viewport.New(0, 0), keys: keys, st: st, src: src, describe: describe,
		open: map[*analyze.Problem]bool{}, starts: []int{0}}
}

// refresh takes in new findings (sorting the problems again) and keeps
// the selection on its problem and request.
func (p *findingsPane) refresh() {
	p.probs = p.src.problems() // sorted again only when findings came since
	p.starts = p.starts[:0]
	n := 0
	for _, pr := range p.probs {
		p.starts = append(p.starts, n)
		n++
		if p.open[pr] {
			n += len(pr.Flows)
		}
	}
	p.starts = append(p.starts, n)
	if (p.cur == nil || !p.moved) && len(p.probs) > 0 {
		p.cur = p.probs[0]
	}
	p.line = 0
	for i, pr := range p.probs {
		if pr != p.cur {
			continue
		}
		p.line = p.starts[i]
		if p.curID != 0 && p.open[pr] {
			if k := sort.SearchInts(pr.Flows, p.curID); k < len(pr.Flows) {
				p.line += 1 + k
			}
		}
	}
	p.clamp()
}

func (p *findingsPane) lines() int { return p.starts[len(p.starts)-1] }

// at is the problem and request (0: the problem's line) on a line.
func (p *findingsPane) at(line int) (*analyze.Problem, int) {
	if line < 0 || line >= p.lines() {
		return nil, 0
	}
	i := sort.Search(len(p.probs), func(i int) bool { return p.starts[i+1] > line }) // the problem whose lines hold it
	pr := p.probs[i]
	if line == p.starts[i] {
		return pr, 0
	}
	return pr, pr.Flows[line-p.starts[i]-1]
}

// moveTo selects a line.
func (p *findingsPane) moveTo(line int) {
	p.moved = true
	p.line = min(max(line, 0), max(p.lines()-1, 0))
	p.cur, p.curID = p.at(p.line)
	p.clamp()
}

// showFlow selects the worst problem flow id belongs to (its line: the
// list of problems stays in view, the text below is the problem's detail
// and fix); false when it belongs to none.
func (p *findingsPane) showFlow(id int) bool {
	if p.src.dirty || p.probs == nil {
		p.refresh()
	}
	for _, pr := range p.probs { // worst first
		if k := sort.SearchInts(pr.Flows, id); k < len(pr.Flows) && pr.Flows[k] == id {
			p.cur, p.curID, p.moved = pr, 0, true
			p.refresh()
			return true
		}
	}
	return false
}

// selected is the selected line's finding: the problem's explaining
// finding, or the selected request's.
func (p *findingsPane) selected() (shownFinding, bool) {
	if p.cur == nil || p.src.dirty {
		p.refresh()
	}
	if p.cur == nil {
		return shownFinding{}, false
	}
	if p.curID != 0 && p.finding != nil {
		if fd, ok := p.finding(p.curID, p.cur); ok {
			return fd, true
		}
	}
	return shownFinding{Finding: p.cur.First()}, true
}

// targetID is the flow the selected line is about.
func (p *findingsPane) targetID() int {
	if fd, ok := p.selected(); ok {
		return fd.Flow
	}
	return 0
}

func (p *findingsPane) setSize(w, h int) {
	p.width, p.height = w, h
	p.shown = ""
	p.clamp()
}

// listHeight is how many lines are listed above the selected one's text.
func (p *findingsPane) listHeight() int {
	return max(1, min(p.lines(), max(3, (p.height-2)/2)))
}

// clamp keeps the selected line on screen and the text below it current.
func (p *findingsPane) clamp() {
	lh := p.listHeight()
	if p.line < p.offset {
		p.offset = p.line
	}
	if p.line >= p.offset+lh {
		p.offset = p.line - lh + 1
	}
	p.offset = min(max(p.offset, 0), max(p.lines()-lh, 0))
	p.vp.Width, p.vp.Height = p.width, max(p.height-2-lh, 0)
	if want := fmt.Sprintf("%p/%d/%d", p.cur, p.curID, p.width); want != p.shown {
		p.shown = want
		p.vp.SetContent(p.detail())
		p.vp.GotoTop()
	}
}

// setOpen opens or closes the selected problem; the selection goes to its line.
func (p *findingsPane) setOpen(open bool) {
	if p.cur == nil {
		return
	}
	p.moved = true
	if open {
		p.open[p.cur] = true
	} else {
		delete(p.open, p.cur)
		p.curID = 0
	}
	p.refresh()
}

// Update moves the selection, opens and closes problems and scrolls the
// selected finding's text; enter on a request tells the model to go to it.
func (p *findingsPane) Update(msg tea.Msg) out {
	p.refresh()
	switch msg := msg.(type) {
	case tea.KeyMsg:
		k := p.keys
		switch {
		case key.Matches(msg, k.Enter):
			switch {
			case p.cur == nil:
			case p.curID != 0:
				return tell(jumpMsg{p.curID})
			default:
				p.setOpen(!p.open[p.cur])
			}
		case key.Matches(msg, k.Expand):
			p.setOpen(true)
		case key.Matches(msg, k.Collapse):
			p.setOpen(false)
		case key.Matches(msg, k.Up):
			p.moveTo(p.line - 1)
		case key.Matches(msg, k.Down):
			p.moveTo(p.line + 1)
		case key.Matches(msg, k.Top):
			p.moveTo(0)
		case key.Matches(msg, k.Bottom):
			p.moveTo(p.lines() - 1)
		case key.Matches(msg, k.PageUp):
			p.vp.PageUp()
		case key.Matches(msg, k.PageDown):
			p.vp.PageDown()
		}
	case tea.MouseMsg:
		if msg.Y > p.listHeight() {
			var cmd tea.Cmd
			p.vp, cmd = p.vp.Update(msg)
			return run(cmd)
		}
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			p.moveTo(p.line - 1)
		case tea.MouseButtonWheelDown:
			p.moveTo(p.line + 1)
		case tea.MouseButtonLeft:
			if msg.Action == tea.MouseActionPress && msg.Y >= 1 {
				p.moveTo(p.offset + msg.Y - 1)
			}
		}
	}
	return taken
}

func (p *findingsPane) View() string {
	if p.height <= 0 {
		return ""
	}
	p.refresh()
	var b strings.Builder
	title := fmt.Sprintf(" Problems (%d, from %s), worst first · enter/→: its requests · enter on one: go there · v: evidence · f/esc: close",
		len(p.probs), plural(p.src.total, "finding"))
	b.WriteString(p.st.header.Render(fit(title, p.width)))
	if len(p.probs) == 0 {
		b.WriteString("\n" + p.st.dim.Render(fit("  No findings. Analyzers explain refused calls as flows complete.", p.width)))
		return b.String()
	}
	kindWidth := 0 // the widest kind listed: the column stays aligned
	for _, pr := range p.probs {
		kindWidth = max(kindWidth, len(pr.Kind))
	}
	lh := p.listHeight()
	for i := p.offset; i < p.offset+lh; i++ {
		b.WriteByte('\n')
		pr, id := p.at(i)
		if pr == nil {
			continue
		}
		cur := " "
		if i == p.line {
			cur = "▶"
		}
		var line string
		if id == 0 {
			fold := "▸"
			if p.open[pr] {
				fold = "▾"
			}
			line = fmt.Sprintf("%s%s%s %-7s %-*s %6s  %-15s %s", cur, fold, severityMark(pr.Severity), pr.Severity, kindWidth, pr.Kind,
				strconv.Itoa(len(pr.Flows))+"×", span(pr.Flows), oneLine(pr.First().Title))
		} else {
			line = cur + "      " + p.describe(id)
		}
		line = fit(line, p.width)
		if i == p.line {
			b.WriteString(p.st.selected.Render(line))
		} else if id == 0 {
			b.WriteString(p.st.severityStyle(pr.Severity).Render(line))
		} else {
			b.WriteString(line)
		}
	}
	b.WriteString("\n" + p.st.dim.Render(strings.Repeat("─", max(p.width, 0))))
	if p.vp.Height > 0 {
		b.WriteString("\n" + p.vp.View())
	}
	return b.String()
}

// span is a problem's first and last request: "#12" or "#12 … #13090".
func span(flows []int) string {
	switch len(flows) {
	case 0:
		return ""
	case 1:
		return "#" + strconv.Itoa(flows[0])
	}
	return "#" + strconv.Itoa(flows[0]) + " … #" + strconv.Itoa(flows[len(flows)-1])
}

// detail is the selected line's finding in full.
func (p *findingsPane) detail() string {
	fd, ok := p.selected()
	if !ok || p.width <= 0 {
		return ""
	}
	l := &lines{width: max(p.width, 10)}
	if p.curID == 0 {
		pr := p.cur
		l.prose(p.st.severityStyle(pr.Severity), fmt.Sprintf("%s %s · %s · %s, first %s, last #%d (enter lists them)",
			severityMark(pr.Severity), pr.Severity, pr.Kind, plural(len(pr.Flows), "request"), p.describe(pr.Flows[0]),
			pr.Flows[len(pr.Flows)-1]), "  ")
	} else {
		l.prose(p.st.severityStyle(fd.Severity), fmt.Sprintf("%s %s · %s · on %s", severityMark(fd.Severity), fd.Severity, fd.Kind,
			p.describe(fd.Flow)), "  ")
	}
	if fd.same != 0 {
		l.prose(p.st.dim, sameProblem(fd), "  ")
	}
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

// sameProblem is the line a finding whose text was not kept stands under.
func sameProblem(fd shownFinding) string {
	return fmt.Sprintf("the same problem as #%d — %s (the text below is #%d's; the first %d and latest %d are kept whole)",
		fd.same, plural(fd.count, "request"), fd.same, keptFirst, keptLatest)
}
