package capture

import (
	"encoding/binary"
	"math/bits"
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
// per chunk and copies eight plain bytes per step; appendJSONStringPlain
// in json_test.go is the byte-at-a-time reference it is fuzzed against.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		end := min(len(s), i+jsonChunk)
		// Six bytes out per byte in at most (`\u00XX`, `\ufffd`; U+2028 is
		// three in, six out), plus a rune that starts before end and runs
		// past it, plus the whole word stored when fewer of it were plain.
		b = slices.Grow(b, 6*(end-i)+utf8.UTFMax+8)
		out := b[len(b):cap(b)]
		n := 0
		for i < end {
			if end-i >= 8 {
				w := wordAt(s[i : i+8])
				binary.LittleEndian.PutUint64(out[n:], w)
				plain := plainBytes(w)
				n += plain
				i += plain
				if plain == 8 {
					continue
				}
			}
			c := s[i]
			switch esc := jsonEscape[c]; esc {
			case 0:
				out[n] = c
				n++
				i++
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

// wordAt is the eight bytes of s (len 8) as a little-endian word; the
// compiler makes it one load.
func wordAt(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// plainBytes is how many of the first bytes of the word w (0–8) jsonEscape
// leaves as they are. Each test below marks the high bit of the bytes it
// matches (x-0x01 borrows into the high bit of a zero byte of x, &^x drops
// bytes whose high bit was set already); borrows only run upwards from a
// true match, so the lowest mark is exact.
func plainBytes(w uint64) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := w^('"'*ones), w^('\\'*ones)
	special := ((w - 0x20*ones) &^ w) | // a byte below 0x20
		((quote - ones) &^ quote) | ((backslash - ones) &^ backslash) |
		w // a byte ≥ 0x80
	return bits.TrailingZeros64(special&highs) / 8 // 64/8 when none is marked
}
