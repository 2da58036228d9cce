package har

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON strings and numbers, read as encoding/json reads them.

// special returns a mask with the high bit set in each byte of x (8 bytes,
// little-endian) that is not plain, and possibly in bytes above the lowest
// such byte, never below it: the usual has-zero / has-less-than tricks,
// whose borrows only run upwards.
func special(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := x ^ (lo * '"')
	s := x ^ (lo * '\\')
	return (((x - lo*0x20) &^ x) | ((q - lo) &^ q) | ((s - lo) &^ s) | x) & hi
}

// scanPlain returns the index of the first byte at or after i that is not
// plain, or len(b).
func scanPlain(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := special(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && plain[b[i]] {
		i++
	}
	return i
}

func unhex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// hex4 returns the value of the four hex digits at b[i:], or -1.
func hex4(b []byte, i int) rune {
	if i+4 > len(b) {
		return -1
	}
	r := unhex(b[i])<<12 | unhex(b[i+1])<<8 | unhex(b[i+2])<<4 | unhex(b[i+3])
	if r < 0 {
		return -1
	}
	return r
}

// stringBytes reads the string at d.pos (its opening quote): its bytes in
// d.data when it needs no decoding (plain, the usual case), else decoded
// into d.buf, valid until the next string.
func (d *decoder) stringBytes() (b []byte, plain bool) {
	start := d.pos + 1
	i := scanPlain(d.data, start)
	if i < len(d.data) && d.data[i] == '"' {
		d.pos = i + 1
		return d.data[start:i], true
	}
	return d.unquote(start, i), false
}

// readString reads the string at d.pos (its opening quote).
func (d *decoder) readString() string {
	b, _ := d.stringBytes()
	return string(b)
}

// readKey reads the key at d.pos; the result is valid until the next string.
func (d *decoder) readKey() []byte {
	b, _ := d.stringBytes()
	return b
}

// unquote checks and decodes the string whose content starts at start, as
// encoding/json does, into d.buf; b[start:i] is known to be plain. It leaves
// d.pos after the closing quote.
func (d *decoder) unquote(start, i int) []byte {
	b := d.data
	if d.buf == nil {
		d.buf = d.getBuf()
	}
	buf := append(d.buf[:0], b[start:i]...)
	for {
		// Copy plain bytes, eight at a time where b has them.
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			buf = slices.Grow(buf, 8)
			binary.LittleEndian.PutUint64(buf[len(buf):len(buf)+8], x)
			m := special(x)
			if m != 0 {
				k := bits.TrailingZeros64(m) / 8
				buf, i = buf[:len(buf)+k], i+k
				break
			}
			buf, i = buf[:len(buf)+8], i+8
		}
		for i < len(b) && plain[b[i]] {
			buf = append(buf, b[i])
			i++
		}
		if i >= len(b) {
			d.pos = i
			d.syntaxError("unexpected end of JSON input")
			return nil
		}
		switch c := b[i]; {
		case c == '"':
			d.pos = i + 1
			d.buf = buf
			return buf
		case c == '\\':
			if i+1 >= len(b) {
				d.pos = i + 1
				d.syntaxError("unexpected end of JSON input")
				return nil
			}
			switch e := b[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r := hex4(b, i+2)
				if r < 0 {
					d.pos = i + 2
					d.badHex()
					return nil
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A valid pair is one rune; anything else makes this
					// one U+FFFD and is decoded on its own.
					if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if r2 := hex4(b, i+2); r2 >= 0 {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								buf = utf8.AppendRune(buf, dec)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				buf = utf8.AppendRune(buf, r)
				continue
			default:
				d.pos = i + 1
				d.unexpected("in string escape code")
				return nil
			}
			i += 2
		case c < 0x20:
			d.pos = i
			d.unexpected("in string literal")
			return nil
		default: // >= 0x80
			r, n := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && n == 1 {
				buf = append(buf, "\uFFFD"...)
			} else {
				buf = append(buf, b[i:i+n]...)
			}
			i += n
		}
	}
}

// badHex reports a bad \u escape whose hex digits start at d.pos.
func (d *decoder) badHex() {
	for j := d.pos; j < d.pos+4; j++ {
		if j >= len(d.data) {
			d.pos = j
			d.syntaxError("unexpected end of JSON input")
			return
		}
		if unhex(d.data[j]) < 0 {
			d.pos = j
			d.unexpected("in \\u hexadecimal character escape")
			return
		}
	}
}

// skipString checks and skips the string at d.pos.
func (d *decoder) skipString() {
	b := d.data
	i := d.pos + 1
	for {
		i = scanPlain(b, i)
		if i >= len(b) {
			d.pos = i
			d.syntaxError("unexpected end of JSON input")
			return
		}
		switch c := b[i]; {
		case c == '"':
			d.pos = i + 1
			return
		case c == '\\':
			if i+1 >= len(b) {
				d.pos = i + 1
				d.syntaxError("unexpected end of JSON input")
				return
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if hex4(b, i+2) < 0 {
					d.pos = i + 2
					d.badHex()
					return
				}
				i += 6
			default:
				d.pos = i + 1
				d.unexpected("in string escape code")
				return
			}
		case c < 0x20:
			d.pos = i
			d.unexpected("in string literal")
			return
		default: // >= 0x80: any bytes will do
			i++
		}
	}
}

// --- skipping

// skipValue checks and skips any JSON value.
func (d *decoder) skipValue() {
	switch c := d.peek(); c {
	case '{':
		if !d.push() {
			return
		}
		d.skipWS()
		if d.peek() == '}' {
			d.pos++
			d.depth--
			return
		}
		for more := d.member(); more; more = d.nextMember() {
			d.skipValue()
		}
	case '[':
		if !d.push() {
			return
		}
		for more := d.moreElements(true); more; more = d.moreElements(false) {
			d.skipValue()
		}
	case '"':
		d.skipString()
	case 't':
		d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	default:
		if c == '-' || c >= '0' && c <= '9' {
			d.number()
			return
		}
		d.unexpected("looking for beginning of value")
	}
}

// --- strings

// plain[c] is true for bytes that stand for themselves in a string and need
// no check: ASCII other than '"', '\\' and control characters.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return
}()
