package ui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// listPane is the flow table. It is virtualised: View formats only the rows
// on screen, so 100k flows cost what 20 do. The selection is a flow, not a
// position: flows arriving (even out of order) do not move it, unless the
// pane follows the tail (G), like less +F.
//
// The rows are in flow-ID order unless the list is sorted (order): then the
// ID-ordered helpers of rowsByID do not apply, and add and indexOf do.
type listPane struct {
	rows   rowsByID  // the flows shown (all, or those matching the filter), in order
	texts  *rowTexts // the store's: the rows' hosts and paths
	order  sortKey   // how rows are sorted
	hostW  int       // the widest host:port among the flows (set by the model)
	empty  []string  // what an empty list says (set by the model)
	cursor int       // index into rows; meaningless when rows is empty
	offset int       // index of the first row on screen
	follow bool      // keep the last row selected as flows arrive
	marked int       // the flow `m` marked for a diff (◆), 0: none
	width  int
	height int // lines, including the header line
	keys   *keyMap
	st     *styles
	zone   *time.Location // Options.Zone
}

func (l *listPane) visible() int { return max(1, l.height-1) }

// selected is the selected row (nil when there are none).
func (l *listPane) selected() *row {
	if len(l.rows) == 0 {
		return nil
	}
	return l.rows[min(max(l.cursor, 0), len(l.rows)-1)]
}

func (l *listPane) selectedID() int {
	if r := l.selected(); r != nil {
		return r.id
	}
	return 0
}

// setRows replaces the shown rows (a new filter) and keeps the selected flow
// when it is still shown, else the nearest flow after it.
func (l *listPane) setRows(rows rowsByID) {
	id := l.selectedID()
	l.rows = rows
	if l.follow || id == 0 {
		l.cursor = len(rows) - 1
		if !l.follow {
			l.cursor = 0
		}
	} else if i := l.indexOf(id); i >= 0 {
		l.cursor = i
	} else if l.order == sortFlow {
		l.cursor = min(rows.search(id), len(rows)-1)
	} else {
		l.cursor = 0
	}
	l.clamp()
	l.offset = max(0, l.cursor-l.visible()/2)
	l.clamp()
}

// inserted is called after r was inserted at index i of rows.
func (l *listPane) inserted(i int) {
	if len(l.rows) == 1 {
		l.cursor, l.offset = 0, 0
	} else if l.follow {
		l.cursor = len(l.rows) - 1
	} else if i <= l.cursor {
		// A flow that started earlier finished later: keep the selection on
		// its flow, and on its line of the screen.
		l.cursor++
		l.offset++
	}
	l.clamp()
}

// add inserts r where the list's order puts it, keeping the selection.
func (l *listPane) add(r *row) {
	var i int
	if l.order == sortFlow {
		l.rows, i = l.rows.insert(r)
	} else {
		i = sort.Search(len(l.rows), func(j int) bool { return l.order.less(l.texts, r, l.rows[j]) })
		l.rows = append(l.rows, nil)
		copy(l.rows[i+1:], l.rows[i:])
		l.rows[i] = r
	}
	l.inserted(i)
}

// remove takes the row at index i out, keeping the selection on its flow
// (or the next one when it is the one removed).
func (l *listPane) remove(i int) {
	l.rows = append(l.rows[:i:i], l.rows[i+1:]...)
	if i < l.cursor {
		l.cursor--
		l.offset = max(l.offset-1, 0)
	}
	l.clamp()
}

// indexOf is the index of the flow's row, or -1.
func (l *listPane) indexOf(id int) int {
	if l.order == sortFlow {
		return l.rows.find(id)
	}
	for i, r := range l.rows {
		if r.id == id {
			return i
		}
	}
	return -1
}

// selectID moves the selection to a flow; false when it is not shown.
func (l *listPane) selectID(id int) bool {
	i := l.indexOf(id)
	if i < 0 {
		return false
	}
	l.follow = false
	l.cursor = i
	if i < l.offset || i >= l.offset+l.visible() {
		l.offset = i - l.visible()/2
	}
	l.clamp()
	return true
}

// move moves the selection by delta rows; any movement stops following.
func (l *listPane) move(delta int) {
	l.follow = false
	l.cursor += delta
	l.clamp()
}

// clamp keeps cursor and offset inside the rows and the cursor on screen.
func (l *listPane) clamp() {
	n, vis := len(l.rows), l.visible()
	if l.follow && n > 0 {
		l.cursor = n - 1
	}
	l.cursor = min(max(l.cursor, 0), max(n-1, 0))
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+vis {
		l.offset = l.cursor - vis + 1
	}
	l.offset = min(max(l.offset, 0), max(n-vis, 0))
}

// Update moves the selection; it tells the model the selection may have
// moved.
func (l *listPane) Update(msg tea.Msg) out {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		k := l.keys
		switch {
		case key.Matches(msg, k.Up):
			l.move(-1)
		case key.Matches(msg, k.Down):
			l.move(1)
		case key.Matches(msg, k.PageUp):
			l.move(-l.visible())
		case key.Matches(msg, k.PageDown):
			l.move(l.visible())
		case key.Matches(msg, k.Top):
			l.move(-len(l.rows))
		case key.Matches(msg, k.Bottom):
			l.follow = true
			l.clamp()
		}
	case tea.MouseMsg:
		switch msg.Button {
		case tea.MouseButtonWheelUp:
			l.move(-3)
		case tea.MouseButtonWheelDown:
			l.move(3)
		case tea.MouseButtonLeft:
			// msg.Y is relative to the pane's first row (the header).
			if msg.Action == tea.MouseActionPress && msg.Y >= 1 && l.offset+msg.Y-1 < len(l.rows) {
				l.follow = false
				l.cursor = l.offset + msg.Y - 1
				l.clamp()
			}
		}
	}
	return tell(selectMsg{})
}

// columns is the list's layout for a width: which cells, how wide.
type columns struct {
	id, time, method, status, host, path, size, dur int
}

func (l *listPane) layout() columns {
	w := l.width
	c := columns{id: 3, method: 6, status: 3}
	if w >= 60 {
		c.method = 8 // CONNECT, PROPFIND
	}
	if n := len(l.rows); n > 0 {
		c.id = max(3, len(strconv.Itoa(l.rows[n-1].id)))
	}
	if w >= 70 {
		c.time = 8
	}
	if w >= 50 {
		c.size = 5
	}
	if w >= 56 {
		c.dur = 5
	}
	// 2 for the cursor and the finding mark, 1 space after each cell.
	fixed := 2 + c.id + 1 + c.method + 1 + c.status + 1
	for _, x := range []int{c.time, c.size, c.dur} {
		if x > 0 {
			fixed += x + 1
		}
	}
	rest := w - fixed
	if w >= 60 {
		// host:port whole when it fits in half the room (what tells flows
		// apart is often the port), else a third of it.
		c.host = min(24, max(8, rest/3))
		if l.hostW > c.host {
			c.host = min(l.hostW, 24, rest/2)
		}
		rest -= c.host + 1
	}
	c.path = max(rest, 1)
	return c
}

func (l *listPane) View() string {
	if l.height <= 0 || l.width <= 0 {
		return ""
	}
	c := l.layout()
	var b strings.Builder
	b.Grow((l.width + 64) * l.height)
	hdr := "  " + fitRight("#", c.id) + " "
	if c.time > 0 {
		hdr += fit("time", c.time) + " "
	}
	hdr += fit("method", c.method) + " " + fit("st", c.status) + " "
	if c.host > 0 {
		hdr += fit("host", c.host) + " "
	}
	hdr += fit("path", c.path)
	if c.size > 0 {
		hdr += " " + fitRight("size", c.size)
	}
	if c.dur > 0 {
		hdr += " " + fitRight("dur", c.dur)
	}
	b.WriteString(l.st.header.Render(fit(hdr, l.width)))
	vis := l.visible()
	for i := l.offset; i < l.offset+vis; i++ {
		b.WriteByte('\n')
		if i >= len(l.rows) {
			if i-l.offset < len(l.empty) && len(l.rows) == 0 {
				b.WriteString(l.st.dim.Render(fit("  "+l.empty[i-l.offset], l.width)))
			}
			continue
		}
		l.writeRow(&b, l.rows[i], c, i == l.cursor)
	}
	return b.String()
}

// writeRow formats one flow. The selected row is one reverse-coloured bar
// (and has the ▶ that survives NO_COLOR); others colour method and status.
func (l *listPane) writeRow(b *strings.Builder, r *row, c columns, sel bool) {
	cur := " "
	if sel {
		cur = "▶"
	} else if r.id == l.marked {
		cur = "◆"
	}
	id := fitRight(strconv.Itoa(r.id), c.id)
	method := fit(r.methodText(), c.method)
	status := fit(r.statusText(), c.status)
	p := oneLine(l.texts.text(r.path))
	if r.flags&rowPathCut != 0 {
		p += "…"
	}
	if r.replayOf != 0 {
		p = "↻#" + strconv.Itoa(int(r.replayOf)) + " " + p // a replay, and of which flow
	}
	path := fit(p, c.path)
	var host, tm, size, dur string
	if c.host > 0 {
		host = fit(oneLine(l.texts.text(r.host)), c.host) + " "
	}
	if c.time > 0 {
		tm = fit(inZone(r.startTime(), l.zone).Format("15:04:05"), c.time) + " "
	}
	if c.size > 0 {
		s := "-"
		if r.status != 0 {
			s = humanSize(int64(r.respSize))
		}
		size = " " + fitRight(s, c.size)
	}
	if c.dur > 0 {
		dur = " " + fitRight(humanDuration(r.dur), c.dur)
	}
	mark := severityMark(r.sev())
	if sel {
		line := cur + mark + id + " " + tm + method + " " + status + " " + host + path + size + dur
		b.WriteString(l.st.selected.Render(fit(line, l.width)))
		return
	}
	b.WriteString(cur)
	b.WriteString(l.st.severityStyle(r.sev()).Render(mark))
	b.WriteString(id)
	b.WriteByte(' ')
	b.WriteString(l.st.dim.Render(tm))
	b.WriteString(l.st.methodStyle(r.methodName()).Render(method))
	b.WriteByte(' ')
	b.WriteString(l.statusStyle(r).Render(status))
	b.WriteByte(' ')
	b.WriteString(host)
	b.WriteString(path)
	b.WriteString(l.st.dim.Render(size + dur))
}

func (l *listPane) statusStyle(r *row) lipgloss.Style {
	if r.status == 0 {
		return l.st.status[0]
	}
	return l.st.statusStyle(int(r.status))
}
