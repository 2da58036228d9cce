package capture

import (
	"slices"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// jsonEscape says how AppendJSONString writes each byte: 0 as it is, the
// letter of its short escape (`\n`, `\"`, ...), 'u' for `\u00XX`, or
// jsonNonASCII for the start of a multi-byte (or invalid) sequence.
var jsonEscape = func() (t [256]byte) {
	for c := range 0x20 {
		t[c] = 'u'
	}
	t['\n'], t['\r'], t['\t'] = 'n', 'r', 't'
	t['"'], t['\\'] = '"', '\\'
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = jsonNonASCII
	}
	return t
}()

const jsonNonASCII = 1

// jsonChunk bounds how much of a long string is escaped per growth of b:
// room is made for the worst case of a chunk (every byte six), not of the
// whole string.
const jsonChunk = 4096

// AppendJSONString appends s as a JSON string, as encoding/json writes it
// without HTML escaping (invalid UTF-8 becomes U+FFFD; U+2028 and U+2029
// are escaped): the hand-written encoders of HAR entries and findings use
// it, since reflection was most of their cost. The recorder runs it over
// every header and body of a live flow, so it writes into room made once
// per chunk, one table look-up per byte; appendJSONStringPlain in
// json_test.go is the byte-at-a-time reference it is fuzzed against.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		end := min(len(s), i+jsonChunk)
		// Six bytes out per byte in at most (`\u00XX`, `\ufffd`; U+2028 is
		// three in, six out), plus a rune that starts before end and runs past it.
		b = slices.Grow(b, 6*(end-i)+utf8.UTFMax)
		out := b[len(b):cap(b)]
		n := 0
		for i < end {
			// Byte by byte: in the texts recorded (JSON bodies) the runs
			// between escapes are too short for copy to pay.
			c := s[i]
			esc := jsonEscape[c]
			if esc == 0 {
				out[n] = c
				n++
				i++
				continue
			}
			switch esc {
			case 'u':
				out[n], out[n+1], out[n+2], out[n+3], out[n+4], out[n+5] = '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf]
				n += 6
				i++
			case jsonNonASCII:
				r, size := utf8.DecodeRuneInString(s[i:])
				switch {
				case r == utf8.RuneError && size == 1:
					n += copy(out[n:], `\ufffd`)
				case r == '\u2028' || r == '\u2029':
					// Valid JSON either way; escaped so the file is also valid JavaScript.
					n += copy(out[n:], `\u202`)
					out[n] = hexDigits[r&0xf]
					n++
				default:
					n += copy(out[n:], s[i:i+size])
				}
				i += size
			default:
				out[n], out[n+1] = '\\', esc
				n += 2
				i++
			}
		}
		b = b[:len(b)+n]
	}
	return append(b, '"')
}
