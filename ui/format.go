package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/provtap/provtap/capture"
)

// fit pads or cuts s (plain text) to exactly w cells.
// inZone is t in zone, or in local time when zone is nil.
func inZone(t time.Time, zone *time.Location) time.Time {
	if zone == nil {
		return t.Local()
	}
	return t.In(zone)
}

func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = ansi.StringWidth(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// fitRight is fit with the text at the right edge.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		return ansi.Truncate(s, w, "…")
	}
	return strings.Repeat(" ", w-sw) + s
}

// cutLeft keeps the end of s (a path's file name matters most) in w cells.
func cutLeft(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, w, "")
	}
	r := []rune(s)
	for len(r) > 0 && ansi.StringWidth(string(r))+1 > w {
		r = r[1:]
	}
	return "…" + string(r)
}

// humanSize is a size in at most 5 cells: 512, 1.2k, 34k, 1.2M.
func humanSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 10_000:
		return fmt.Sprintf("%.1fk", float64(n)/1024)
	case n < 1_000_000:
		return fmt.Sprintf("%dk", n/1024)
	case n < 10_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/(1<<20))
	case n < 1_000_000_000:
		return fmt.Sprintf("%dM", n>>20)
	}
	return fmt.Sprintf("%.1fG", float64(n)/(1<<30))
}

// humanDuration is a duration in at most 6 cells: 45ms, 1.2s, 12s, 3m20s.
func humanDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return "<1ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// statusText is the status cell: the code, or why there is none.
func statusText(f *capture.Flow) string {
	switch {
	case f.Kind == capture.KindTLSFailure:
		return "TLS"
	case f.Status == 0 && f.Error != "":
		return "ERR"
	case f.Status == 0:
		return "-"
	}
	return strconv.Itoa(f.Status)
}

// methodText is the method cell (a failed TLS handshake has none).
func methodText(f *capture.Flow) string {
	if f.Method == "" {
		if f.Kind == capture.KindTLSFailure {
			return "TLS"
		}
		return "-"
	}
	return f.Method
}

// pathText is the path cell: the request target, or the host for a
// connection that never carried a request.
func pathText(f *capture.Flow) string {
	if f.Kind == capture.KindTLSFailure || (f.Method == "CONNECT" && f.Target == "") {
		return f.Host
	}
	return f.Path()
}

// sanitize makes untrusted text (headers, bodies, URLs from the wire) safe
// to put on a terminal: control characters, which could move the cursor or
// change the title, become caret notation; tabs become spaces.
func sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString("    ")
		case r == '\r':
		case r == utf8.RuneError:
			b.WriteRune('�')
		case r < 0x20:
			b.WriteByte('^')
			b.WriteByte(byte(r) + 64)
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r < 0xa0:
			b.WriteRune('�')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine is sanitize for a single line: newlines become ⏎.
func oneLine(s string) string {
	return strings.ReplaceAll(sanitize(s), "\n", "⏎")
}

// wrapWords wraps plain text at spaces only, never inside a word — a flag
// like -Djavax.net.ssl.trustStore=…, a path, a URL: the first line gets
// width cells, the others rest. A word longer than a line gets lines of
// its own. Newlines in text start new lines; leading spaces are kept.
func wrapWords(text string, width, rest int) []string {
	width, rest = max(width, 1), max(rest, 1)
	var out []string
	limit := width
	for _, para := range strings.Split(text, "\n") {
		lead := para[:len(para)-len(strings.TrimLeft(para, " "))]
		line, lw := lead, ansi.StringWidth(lead)
		empty := true
		flush := func() {
			out = append(out, line)
			line, lw, empty, limit = "", 0, true, rest
		}
		for _, word := range strings.Fields(para) {
			ww := ansi.StringWidth(word)
			switch {
			case !empty && lw+1+ww <= limit:
				line, lw = line+" "+word, lw+1+ww
				continue
			case !empty && ww > rest && lw+2 < limit:
				line, lw = line+" ", lw+1 // too long for any line: it starts here
			case !empty:
				flush()
			}
			for ww > limit-lw { // longer than a whole line: cut it
				cut := ansi.Truncate(word, limit-lw, "")
				if cut == "" {
					break
				}
				line += cut
				flush()
				word = word[len(cut):]
				ww = ansi.StringWidth(word)
			}
			line, lw, empty = line+word, lw+ww, false
		}
		if !empty || lead != "" || para == "" {
			flush()
		}
	}
	return out
}

// wrapURL wraps a line with a URL in it, breaking after a space, /, ? or &
// where it can (a path segment stays whole), within a segment only when it
// is longer than the line.
func wrapURL(s string, w int) []string {
	w = max(w, 1)
	var out []string
	line := ""
	for len(s) > 0 {
		i := strings.IndexAny(s, " /?&")
		piece := s
		if i >= 0 {
			piece = s[:i+1]
		}
		s = s[len(piece):]
		switch {
		case ansi.StringWidth(line+piece) <= w:
			line += piece
		case ansi.StringWidth(piece) <= w:
			out, line = append(out, line), piece
		default: // longer than a line: cut it
			for ansi.StringWidth(line+piece) > w {
				cut := ansi.Truncate(piece, w-ansi.StringWidth(line), "")
				if cut == "" && line == "" {
					_, n := utf8.DecodeRuneInString(piece) // wider than the line
					cut = piece[:n]
				}
				out, line, piece = append(out, line+cut), "", piece[len(cut):]
			}
			line = piece
		}
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	return out
}
