package ui

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/capture"
)

// The diff compares two requests the way the seed engineers did by eye: the
// request line, the headers, the cookies (the Cookie header split into
// name=value) and the query parameters, side by side. Every row has a
// marker that reads without colour:
//
//	  same on both sides
//	< only in the left (marked) flow
//	> only in the right (selected) flow
//	~ on both, with different values
//	≈ different, but it always is (dates, request ids, trace ids, lengths,
//	  a client's version): noise, drawn dim
const diffLegend = "< only in #%d · > only in #%d · ~ differs · ≈ noise (dates, request/trace ids, lengths, versions)"

type diffRow struct {
	key         string
	left, right string
	hasL, hasR  bool
	noise       bool // a difference here is expected
	differs     bool // set when the values compare unequal beyond their text
}

// marker is the row's one-character verdict.
func (r diffRow) marker() string {
	switch {
	case r.hasL && r.hasR && r.left == r.right && !r.differs:
		return " "
	case r.noise:
		return "≈"
	case !r.hasR:
		return "<"
	case !r.hasL:
		return ">"
	}
	return "~"
}

type diffSection struct {
	title string
	rows  []diffRow
}

// diffFlows compares a's request (left) with b's (right).
func diffFlows(a, b *capture.Flow) []diffSection {
	pa, qa := splitTarget(a)
	pb, qb := splitTarget(b)
	line := []diffRow{
		both("method", methodText(a), methodText(b)),
		both("origin", a.Origin(), b.Origin()),
		both("path", pa, pb),
		both("version", protoText(a), protoText(b)),
	}
	body := both("body", bodyText(a), bodyText(b))
	body.differs = !bytes.Equal(a.RequestBody.Bytes, b.RequestBody.Bytes)
	if body.differs && body.left == body.right {
		body.right += " (other bytes)"
	}
	line = append(line, body)
	return []diffSection{
		{"Request", line},
		{"Headers", pairRows(headerKVs(a), headerKVs(b), true, headerNoise(a, b))},
		{"Cookies", pairRows(cookieKVs(a), cookieKVs(b), false, nil)},
		{"Query", pairRows(qa, qb, false, noiseParam)},
	}
}

func both(key, l, r string) diffRow {
	return diffRow{key: key, left: l, right: r, hasL: true, hasR: true}
}

func protoText(f *capture.Flow) string {
	if f.Proto == "" {
		return "HTTP/1.1"
	}
	return f.Proto
}

func bodyText(f *capture.Flow) string {
	b := f.RequestBody
	if b.Size == 0 && len(b.Bytes) == 0 {
		return "none"
	}
	s := bytesText(max(b.Size, int64(len(b.Bytes))))
	if ct := f.RequestHeader("Content-Type"); ct != "" {
		s += " " + ct
	}
	if b.Truncated {
		s += " (truncated)"
	}
	return s
}

type kv struct{ k, v string }

// splitTarget is the path (without the query) and the query parameters in
// their order, decoded.
func splitTarget(f *capture.Flow) (string, []kv) {
	p := pathText(f)
	path, raw, found := strings.Cut(p, "?")
	if !found {
		return path, nil
	}
	var out []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		out = append(out, kv{unescape(k), unescape(v)})
	}
	return path, out
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func headerKVs(f *capture.Flow) []kv {
	var out []kv
	for _, h := range f.RequestHeaders {
		if !strings.EqualFold(h.Name, "Cookie") {
			out = append(out, kv{h.Name, h.Value})
		}
	}
	return out
}

// cookieKVs splits every Cookie header into its name=value pairs.
func cookieKVs(f *capture.Flow) []kv {
	var out []kv
	for _, v := range f.RequestHeaderValues("Cookie") {
		for _, part := range strings.Split(v, ";") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, val, _ := strings.Cut(part, "=")
			out = append(out, kv{strings.TrimSpace(k), strings.TrimSpace(val)})
		}
	}
	return out
}

// pairRows lines up two name/value lists: the n-th occurrence of a name on
// the left with the n-th on the right; the left's order first, then what
// only the right has, in its order.
func pairRows(l, r []kv, fold bool, noise func(k, lv, rv string) bool) []diffRow {
	norm := func(s string) string {
		if fold {
			return strings.ToLower(s)
		}
		return s
	}
	type slot struct {
		name string
		n    int
	}
	rightAt := map[slot]int{}
	count := map[string]int{}
	for i, x := range r {
		k := norm(x.k)
		rightAt[slot{k, count[k]}] = i
		count[k]++
	}
	used := make([]bool, len(r))
	var rows []diffRow
	count = map[string]int{}
	for _, x := range l {
		k := norm(x.k)
		row := diffRow{key: x.k, left: x.v, hasL: true}
		if j, ok := rightAt[slot{k, count[k]}]; ok {
			row.right, row.hasR, used[j] = r[j].v, true, true
		}
		count[k]++
		rows = append(rows, row)
	}
	for j, x := range r {
		if !used[j] {
			rows = append(rows, diffRow{key: x.k, right: x.v, hasR: true})
		}
	}
	if noise != nil {
		for i := range rows {
			rows[i].noise = noise(rows[i].key, rows[i].left, rows[i].right)
		}
	}
	return rows
}

// headerNoise is noiseHeader, plus the body's own headers (Content-Type,
// Content-Encoding) on one side only when the other side has no body: a
// write has them and a read does not, legitimately.
func headerNoise(a, b *capture.Flow) func(name, lv, rv string) bool {
	bodyless := func(f *capture.Flow) bool { return f.RequestBody.Size == 0 && len(f.RequestBody.Bytes) == 0 }
	return func(name, lv, rv string) bool {
		switch strings.ToLower(name) {
		case "content-type", "content-encoding":
			if lv == "" && bodyless(a) || rv == "" && bodyless(b) {
				return true
			}
		}
		return noiseHeader(name, lv, rv)
	}
}

var versionish = regexp.MustCompile(`[0-9][0-9A-Za-z._+-]*`)

// noiseHeader: headers that differ between any two requests of a correct
// client (dates, request and trace ids, lengths), and a User-Agent that
// differs only in version numbers.
func noiseHeader(name, lv, rv string) bool {
	n := strings.ToLower(name)
	switch n {
	case "date", "content-length", "traceparent", "tracestate", "baggage", "idempotency-key",
		"x-timestamp", "timestamp", "if-modified-since", "if-none-match":
		return true
	case "user-agent":
		return versionish.ReplaceAllString(lv, "#") == versionish.ReplaceAllString(rv, "#")
	}
	for _, s := range []string{"request-id", "requestid", "correlation", "trace", "span-id", "x-b3-"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// noiseParam: cache busters and timestamps in a query.
func noiseParam(name, _, _ string) bool {
	switch strings.ToLower(name) {
	case "_", "timestamp", "ts", "nonce", "cachebuster", "requestid", "request_id":
		return true
	}
	return false
}

// diffRender lays the diff out in columns for a width, styled by st.
type diffRender struct {
	st    *styles
	width int
	b     strings.Builder
}

// renderDiff is the whole diff of a (left) and b (right) at width cells.
func renderDiff(st *styles, a, b *capture.Flow, width int) string {
	width = max(width, 40)
	d := &diffRender{st: st, width: width}
	secs := diffFlows(a, b)
	d.line(st.bold.Render(fmt.Sprintf("Diff of the requests #%d (left) and #%d (right)", a.ID, b.ID)))
	d.line(d.summary(a))
	d.line(d.summary(b))
	d.wrapped(st.dim, fmt.Sprintf(diffLegend, a.ID, b.ID))
	kw := 6
	for _, s := range secs {
		for _, r := range s.rows {
			kw = max(kw, min(ansi.StringWidth(oneLine(r.key)), 32))
		}
	}
	kw = min(kw, width/4)
	vw := max((width-2-kw-4)/2, 8)
	n := 0
	for _, s := range secs {
		d.line("")
		head := fit(s.title, 2+kw+2) + fit(fmt.Sprintf("#%d", a.ID), vw) + "  " + fmt.Sprintf("#%d", b.ID)
		d.line(st.bold.Render(ansi.Truncate(head, width, "")))
		if len(s.rows) == 0 {
			d.line(st.dim.Render("  none on either side"))
		}
		for _, r := range s.rows {
			d.row(r, kw, vw)
			if r.marker() != " " && r.marker() != "≈" {
				n++
			}
		}
	}
	d.line("")
	if n == 0 {
		d.line(st.msgOK.Render("No differences beyond noise."))
	} else {
		d.line(st.bold.Render(plural(n, "difference")) + st.dim.Render(" beyond noise"))
	}
	return strings.TrimSuffix(d.b.String(), "\n")
}

func (d *diffRender) line(s string) { d.b.WriteString(s + "\n") }

func (d *diffRender) wrapped(st lipgloss.Style, s string) {
	for _, l := range strings.Split(ansi.Wrap(s, d.width, ""), "\n") {
		d.line(st.Render(l))
	}
}

func (d *diffRender) summary(f *capture.Flow) string {
	s := fmt.Sprintf("#%d %s", f.ID, statusText(f))
	if f.StatusText != "" && f.Status != 0 {
		s += " " + f.StatusText
	}
	if f.ReplayOf != 0 {
		s += fmt.Sprintf(" (replay of #%d)", f.ReplayOf)
	}
	s += " ← " + methodText(f) + " " + f.URL
	return ansi.Truncate("  "+oneLine(s), d.width, "…")
}

// row draws one row: marker, key, left value, right value, each wrapped in
// its column. An absent side reads "(absent)".
func (d *diffRender) row(r diffRow, kw, vw int) {
	mk := r.marker()
	st := d.st.plain
	switch mk {
	case "≈":
		st = d.st.dim
	case "<", ">":
		st = d.st.missing
	case "~":
		st = d.st.warn
	}
	side := func(has bool, v string) []string {
		if !has {
			return []string{"(absent)"}
		}
		if v == "" {
			return []string{`""`}
		}
		return strings.Split(ansi.Hardwrap(oneLine(v), vw, true), "\n")
	}
	keys := strings.Split(ansi.Hardwrap(oneLine(r.key), kw, true), "\n")
	ls, rs := side(r.hasL, r.left), side(r.hasR, r.right)
	n := max(len(keys), len(ls), len(rs))
	for i := 0; i < n; i++ {
		pick := func(xs []string) string {
			if i < len(xs) {
				return xs[i]
			}
			return ""
		}
		m := " "
		if i == 0 {
			m = mk
		}
		text := m + " " + fit(pick(keys), kw) + "  " + fit(pick(ls), vw) + "  " + pick(rs)
		if mk == " " {
			d.line(d.st.dim.Render(m+" ") + d.st.hdrName.Render(fit(pick(keys), kw)) + "  " + fit(pick(ls), vw) + "  " + pick(rs))
			continue
		}
		d.line(st.Render(strings.TrimRight(text, " ")))
	}
}

// DiffText is the diff of two flows' requests (a left, b right) as
// `provtap diff` prints it: width cells wide, coloured by r (nil: no colour).
func DiffText(a, b *capture.Flow, width int, r *lipgloss.Renderer) string {
	if r == nil {
		r = plainRenderer()
	}
	return renderDiff(newStyles(r), a, b, width) + "\n"
}
