package export

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Shell quoting for bash and zsh: everything from a request goes inside
// '…' or $'…', so none of it can run as shell syntax (FuzzCurl checks).

// shellQuote quotes s as one bash/zsh word that nothing expands: '…' when s
// is printable (newlines allowed), else $'…' with escapes. It never writes an
// empty pair of quotes next to a quote: zsh's RC_QUOTES reads two as one.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if printable(s) {
		return singleQuote(s)
	}
	var b strings.Builder
	b.WriteString("$'")
	eachRune(s, func(r rune, raw string, ok bool) {
		switch {
		case !ok:
			hexBytes(&b, raw)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\'':
			b.WriteString(`\'`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '!':
			b.WriteString(`\x21`) // bash history expansion may look inside $'…'
		default:
			b.WriteString(raw)
		}
	})
	b.WriteByte('\'')
	return b.String()
}

// shellWord is s bare when that is plainly safe (a usual method name), else
// quoted.
func shellWord(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-' && i > 0) {
			return shellQuote(s)
		}
	}
	if s == "" {
		return "''"
	}
	return s
}

// singleQuote wraps s in single quotes, a quote inside as \'.
func singleQuote(s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "'") {
		if i > 0 {
			b.WriteString(`\'`)
		}
		if part != "" {
			b.WriteByte('\'')
			b.WriteString(part)
			b.WriteByte('\'')
		}
	}
	return b.String()
}

// printfFormat is a quoted printf format that prints body exactly: % and \
// doubled, control and non-UTF-8 bytes and the single quote as \xHH (which
// bash's and zsh's printf both read), a leading '-' escaped so printf cannot
// take it for an option.
func printfFormat(body []byte) string {
	var b strings.Builder
	b.Grow(len(body) + len(body)/8)
	eachRune(string(body), func(r rune, raw string, ok bool) {
		switch {
		case !ok:
			hexBytes(&b, raw)
		case b.Len() == 0 && r == '-':
			b.WriteString(`\x2d`)
		case r == '%':
			b.WriteString("%%")
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\'':
			// Not '\'': a shell joins every quoted piece of a word anew,
			// which takes minutes for a 10 MiB body of many quotes.
			b.WriteString(`\x27`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(raw)
		}
	})
	return singleQuote(b.String())
}

// eachRune calls fn for every rune of s; ok is false for bytes that are not
// a printable character (or a newline) of valid UTF-8: those must be escaped.
func eachRune(s string, fn func(r rune, raw string, ok bool)) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		raw := s[i : i+size]
		ok := r != utf8.RuneError || size > 1
		ok = ok && (r == '\n' || r == '\r' || r == '\t' || unicode.IsPrint(r))
		fn(r, raw, ok)
		i += size
	}
}

// printable reports s safe to paste inside single quotes: printable UTF-8
// and newlines; no tab (a paste would complete), CR or other control.
func printable(s string) bool {
	for _, r := range s {
		if r != '\n' && (r == utf8.RuneError || !unicode.IsPrint(r)) {
			return false
		}
	}
	return true
}

func hexBytes(b *strings.Builder, raw string) {
	const hex = "0123456789abcdef"
	for i := 0; i < len(raw); i++ {
		b.WriteString(`\x`)
		b.WriteByte(hex[raw[i]>>4])
		b.WriteByte(hex[raw[i]&15])
	}
}
