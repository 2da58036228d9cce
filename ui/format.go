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
