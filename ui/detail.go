package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

const (
	tabRequest = iota
	tabResponse
	tabCookies
	tabs
)

// detailPane shows the selected flow: request or response (tab switches),
// headers in wire order, the body pretty-printed, and what the analyzers
// said about the flow drawn where it applies — a header the client lost is
// a marked line among the headers it did send.
type detailPane struct {
	vp       viewport.Model
	tab      int
	flow     *capture.Flow
	own      []shownFinding // findings on this flow, worst first
	evidence []shownFinding // findings this flow is evidence for
	width    int
	height   int // lines, including the title line
	built    string
	empty    []string                                           // what the pane says when no flow is selected (set by the model)
	fixable  bool                                               // R has a fix for the flow (set by the model)
	lookup   func(id int) *capture.Flow                         // a flow by ID, for evidence
	setters  func(name string, f *capture.Flow) []*capture.Flow // who set a cookie before f
	load     func(*capture.Flow) *capture.Flow                  // the flow with its bodies
	keys     *keyMap
	st       *styles
	zone     *time.Location // Options.Zone
}

func newDetailPane(keys *keyMap, st *styles) detailPane {
	vp := viewport.New(0, 0)
	vp.MouseWheelDelta = 3
	return detailPane{vp: vp, keys: keys, st: st}
}

func (d *detailPane) setSize(w, h int) {
	if w == d.width && h == d.height {
		return
	}
	d.width, d.height = w, h
	d.vp.Width, d.vp.Height = w, max(h-1, 0)
	d.rebuild(false)
}

// show sets the flow and its findings; the scroll position is kept only
// when it is the same flow (new findings arrived for it).
func (d *detailPane) show(f *capture.Flow, own, evidence []shownFinding) {
	same := f != nil && d.flow != nil && f.ID == d.flow.ID
	switch {
	case same:
		f = d.flow // already read back
	case f != nil && d.load != nil:
		f = d.load(f) // live flows keep their bodies in the capture file
	}
	d.flow, d.own, d.evidence = f, own, evidence
	d.rebuild(same)
}

func (d *detailPane) switchTab() {
	d.tab = (d.tab + 1) % tabs
	d.rebuild(false)
}

func (d *detailPane) rebuild(keepScroll bool) {
	if d.width <= 0 {
		return
	}
	off := d.vp.YOffset
	d.built = d.content()
	d.vp.SetContent(d.built)
	if keepScroll {
		d.vp.SetYOffset(off)
	} else {
		d.vp.GotoTop()
	}
}

func (d *detailPane) Update(msg tea.Msg) tea.Cmd {
	return scrollViewport(&d.vp, d.keys, msg)
}

func (d *detailPane) View() string {
	if d.height <= 0 {
		return ""
	}
	if d.flow == nil {
		l := &lines{width: max(d.width, 10)}
		for _, e := range d.empty {
			if strings.HasPrefix(e, "  ") { // a line to paste
				l.prose(d.st.plain, e, "    ")
			} else {
				l.prose(d.st.dim, e, "  ")
			}
		}
		return d.title() + "\n" + strings.Join(l.out, "\n")
	}
	return d.title() + "\n" + d.vp.View()
}

// title is the tab bar: the active tab is bracketed (visible without colour).
func (d *detailPane) title() string {
	names := []string{"Request", "Response", "Cookies"}
	var b strings.Builder
	b.WriteString(" ")
	for i, t := range names {
		if i == d.tab {
			b.WriteString(d.st.tabOn.Render("[" + t + "]"))
		} else {
			b.WriteString(d.st.tabOff.Render(" " + t + " "))
		}
		b.WriteString(" ")
	}
	left := ansi.StringWidth(b.String())
	right := ""
	if f := d.flow; f != nil {
		right = fmt.Sprintf("#%d %s %s ", f.ID, methodText(f), statusText(f))
		if f.ReplayOf != 0 {
			right = fmt.Sprintf("#%d %s %s · replay of #%d ", f.ID, methodText(f), statusText(f), f.ReplayOf)
		}
		if d.vp.TotalLineCount() > d.vp.Height && d.vp.Height > 0 {
			right = fmt.Sprintf("%3.0f%% · ", d.vp.ScrollPercent()*100) + right
		}
	}
	gap := d.width - left - ansi.StringWidth(right)
	if gap < 1 {
		return ansi.Truncate(b.String(), d.width, "")
	}
	return b.String() + d.st.dim.Render(strings.Repeat("─", gap)+" "+right)
}

// lines collects styled, wrapped lines of the pane's content.
type lines struct {
	out   []string
	width int
}

// add wraps plain text to the width and styles every piece.
func (l *lines) add(st lipgloss.Style, text string) {
	for _, part := range strings.Split(ansi.Hardwrap(text, l.width, true), "\n") {
		l.out = append(l.out, st.Render(part))
	}
}

// prose word-wraps text (findings) with an indent for the lines after the first.
func (l *lines) prose(st lipgloss.Style, text, indent string) {
	for i, part := range wrapWords(text, l.width, max(l.width-ansi.StringWidth(indent), 10)) {
		if i > 0 {
			part = indent + part
		}
		l.out = append(l.out, st.Render(part))
	}
}

// header draws "Name: value" with the name coloured, wrapping long values.
func (l *lines) header(st *styles, h capture.Header) { l.pair(st, "", h.Name, ": ", h.Value) }

// pair draws indent, name (coloured), sep and value, wrapping long values.
func (l *lines) pair(st *styles, indent, name, sep, value string) {
	name, value = oneLine(name), oneLine(value)
	head := indent + name
	for i, part := range strings.Split(ansi.Hardwrap(head+sep+value, l.width, true), "\n") {
		if i == 0 && len(part) > len(head) {
			l.out = append(l.out, indent+st.hdrName.Render(name)+part[len(head):])
			continue
		}
		l.out = append(l.out, part)
	}
}

func (d *detailPane) content() string {
	f := d.flow
	if f == nil {
		return ""
	}
	l := &lines{width: max(d.width, 10)}
	// The findings' titles only: the missing lines below say the rest, and
	// the findings pane has the detail and the fix.
	for _, fd := range d.own {
		st := d.st.severityStyle(fd.Severity)
		l.prose(st, severityMark(fd.Severity)+" "+fd.Kind+": "+oneLine(fd.Title), "  ")
		if fd.same != 0 {
			l.prose(d.st.dim, "  "+sameProblem(fd), "    ")
		}
	}
	if line := evidenceLine(d.evidence); line != "" {
		l.prose(d.st.dim, line, "  ")
	}
	if len(d.own) > 0 {
		what := "  f: the detail and the fix · v: the evidence"
		if d.fixable {
			what += " · R: replay with the fix"
		}
		l.prose(d.st.dim, what, "  ")
	}
	if len(d.own)+len(d.evidence) > 0 {
		l.out = append(l.out, "")
	}
	switch d.tab {
	case tabRequest:
		d.request(l, f)
	case tabResponse:
		d.response(l, f)
	default:
		d.cookies(l, f)
	}
	return strings.Join(l.out, "\n")
}

// placeMissing finds where a lost header belongs among f's headers: after
// the last of f's headers that preceded it on the evidence flow (index -1:
// before all of them). ok is false when there is no evidence to go by.
func (d *detailPane) placeMissing(f *capture.Flow, m analyze.Missing) (int, bool) {
	if d.lookup == nil {
		return 0, false
	}
	for _, fd := range d.own {
		for k := len(fd.Related) - 1; k >= 0; k-- {
			ev := d.lookup(fd.Related[k])
			if ev == nil {
				continue
			}
			at := -1
			for i, h := range ev.RequestHeaders {
				if strings.EqualFold(h.Name, m.Name) {
					at = i
					break
				}
			}
			if at < 0 {
				continue
			}
			for j := at - 1; j >= 0; j-- {
				name := ev.RequestHeaders[j].Name
				for i := len(f.RequestHeaders) - 1; i >= 0; i-- {
					if strings.EqualFold(f.RequestHeaders[i].Name, name) {
						return i, true
					}
				}
			}
			return -1, true
		}
	}
	return 0, false
}

// missing is every Missing of this flow's findings, by where it belongs.
func (d *detailPane) missing(where string) []analyze.Missing {
	var out []analyze.Missing
	seen := map[string]bool{}
	for _, fd := range d.own {
		for _, m := range fd.Missing {
			k := strings.ToLower(m.Name)
			if m.Where == where && !seen[k] {
				seen[k] = true
				out = append(out, m)
			}
		}
	}
	return out
}

func (d *detailPane) missingLine(l *lines, prefix string, m analyze.Missing) {
	text := "− " + prefix + oneLine(m.Name)
	if m.Seen != "" {
		text += " — " + oneLine(m.Seen)
	}
	l.add(d.st.missing, text)
}

func (d *detailPane) request(l *lines, f *capture.Flow) {
	proto := f.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	target := f.URL
	if target == "" {
		target = f.Host
	}
	// A long URL is cut where the line ends; HTTP/1.1 never is.
	rl := wrapURL(oneLine(methodText(f)+" "+target), l.width)
	if last := rl[len(rl)-1]; ansi.StringWidth(last)+1+len(proto) <= l.width {
		rl[len(rl)-1] = last + " " + proto
	} else {
		rl = append(rl, proto)
	}
	for _, part := range rl {
		l.out = append(l.out, d.st.bold.Render(part))
	}
	meta := fmt.Sprintf("#%d · %s · %s", f.ID, inZone(f.Start, d.zone).Format("2006-01-02 15:04:05.000"), humanDuration(f.Duration()))
	if f.ClientAddr != "" {
		meta += " · from " + f.ClientAddr
	}
	if f.ConnID != 0 {
		meta += fmt.Sprintf(" (conn %d)", f.ConnID)
	}
	if f.OriginalHost != "" {
		meta += " · client sent Host " + f.OriginalHost
	}
	if f.ReplayOf != 0 {
		meta += fmt.Sprintf(" · replay of #%d", f.ReplayOf)
	}
	l.add(d.st.dim, oneLine(meta))
	for _, m := range d.missing("query") {
		d.missingLine(l, "?", m)
	}
	// A lost header is drawn where the client put it on the request that
	// had it: after the header that preceded it there.
	after := map[int][]analyze.Missing{} // index into f.RequestHeaders (-1: before all)
	var atEnd []analyze.Missing
	for _, m := range d.missing("header") {
		if i, ok := d.placeMissing(f, m); ok {
			after[i] = append(after[i], m)
		} else {
			atEnd = append(atEnd, m)
		}
	}
	cookies := d.missing("cookie")
	for _, m := range after[-1] {
		d.missingLine(l, "", m)
	}
	for i, h := range f.RequestHeaders {
		l.header(d.st, h)
		for _, m := range after[i] {
			d.missingLine(l, "", m)
		}
		if strings.EqualFold(h.Name, "Cookie") {
			for _, m := range cookies {
				d.missingLine(l, "Cookie ", m)
			}
			cookies = nil
		}
	}
	for _, m := range atEnd {
		d.missingLine(l, "", m)
	}
	for _, m := range cookies {
		d.missingLine(l, "Cookie ", m)
	}
	if f.Kind == capture.KindTLSFailure && f.Error != "" {
		l.out = append(l.out, "")
		l.add(d.st.msgErr, oneLine(f.Error))
	}
	d.body(l, f.RequestBody, f.RequestHeader("Content-Type"), f.RequestHeader("Content-Encoding"))
}

func (d *detailPane) response(l *lines, f *capture.Flow) {
	if f.Status == 0 {
		msg := "no response"
		if f.Error != "" {
			msg += ": " + f.Error
		}
		l.add(d.st.msgErr, oneLine(msg))
		return
	}
	proto := f.ResponseProto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	l.add(d.st.statusStyle(f.Status), oneLine(fmt.Sprintf("%s %d %s", proto, f.Status, f.StatusText)))
	t := f.Timings
	l.add(d.st.dim, fmt.Sprintf("send %s · wait %s · receive %s · body %s", humanDuration(t.Send), humanDuration(t.Wait),
		humanDuration(t.Receive), bytesText(f.ResponseBody.Size)))
	if f.Error != "" {
		l.add(d.st.msgErr, oneLine(f.Error))
	}
	for _, h := range f.ResponseHeaders {
		l.header(d.st, h)
	}
	d.body(l, f.ResponseBody, f.ResponseHeader("Content-Type"), f.ResponseHeader("Content-Encoding"))
}

func (d *detailPane) body(l *lines, b capture.Body, contentType, contentEncoding string) {
	v := formatBody(b, contentType, contentEncoding)
	if v.text == "" && len(v.notes) == 0 {
		return
	}
	l.out = append(l.out, "")
	for _, n := range v.notes {
		l.add(d.st.warn, "── "+n+" ──")
	}
	if v.text != "" {
		l.add(d.st.plain, v.text)
	}
}

// evidenceLine is the one line that says which findings a flow is the
// evidence for: a read that 120 later writes lacked would otherwise push
// its own request off the pane.
func evidenceLine(evidence []shownFinding) string {
	const named = 3
	var ids []string
	var kinds []string
	seen := map[int]bool{}
	for _, fd := range evidence {
		if !seen[fd.Flow] {
			seen[fd.Flow] = true
			if len(ids) < named {
				ids = append(ids, "#"+strconv.Itoa(fd.Flow))
			}
		}
		if !slices.Contains(kinds, fd.Kind) {
			kinds = append(kinds, fd.Kind)
		}
	}
	if len(seen) == 0 {
		return ""
	}
	s := "evidence for " + strings.Join(ids, ", ")
	if more := len(seen) - len(ids); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s + " (" + strings.Join(kinds, ", ") + ")"
}
