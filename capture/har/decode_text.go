package har

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"slices"
	"strconv"
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

// readString reads the string at d.pos (its opening quote).
func (d *decoder) readString() string {
	start := d.pos + 1
	i := scanPlain(d.data, start)
	if i < len(d.data) && d.data[i] == '"' { // the usual case: nothing to decode
		d.pos = i + 1
		return string(d.data[start:i])
	}
	return string(d.unquote(start, i))
}

// readKey reads the key at d.pos; the result is valid until the next string.
func (d *decoder) readKey() []byte {
	start := d.pos + 1
	i := scanPlain(d.data, start)
	if i < len(d.data) && d.data[i] == '"' {
		d.pos = i + 1
		return d.data[start:i]
	}
	return d.unquote(start, i)
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

// --- numbers

// number checks and skips the number at d.pos and returns its text and
// whether it is an integer literal (no fraction or exponent).
func (d *decoder) number() (text []byte, integer bool) {
	b := d.data
	start, i := d.pos, d.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		digits()
	default:
		d.pos = i
		d.unexpected("in numeric literal")
		return nil, false
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		if !digits() {
			d.pos = i
			d.unexpected("after decimal point in numeric literal")
			return nil, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			d.pos = i
			d.unexpected("in exponent of numeric literal")
			return nil, false
		}
	}
	d.pos = i
	return b[start:i], integer
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseFloat converts a checked JSON number to the nearest float64, as
// strconv.ParseFloat does: exactly-representable mantissa and power of ten
// take the fast path (one correctly rounded operation), others go to strconv.
func parseFloat(s []byte) (float64, bool) {
	neg := s[0] == '-'
	i := 0
	if neg {
		i++
	}
	var m uint64
	nd, exp := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		m = m*10 + uint64(s[i]-'0')
		nd++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			m = m*10 + uint64(s[i]-'0')
			nd++
			exp--
		}
	}
	if i == len(s) && nd <= 15 && exp >= -22 { // m < 10^15 < 2^53: exact
		f := float64(m)
		if exp < 0 {
			f /= pow10[-exp]
		}
		if neg {
			f = -f
		}
		return f, true
	}
	f, err := strconv.ParseFloat(string(s), 64)
	return f, err == nil
}

// parseInt converts a checked integer literal, as strconv.ParseInt(s, 10, 64).
func parseInt(s []byte) (int64, bool) {
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range s {
		u = u*10 + uint64(c-'0') // 19 digits fit in a uint64
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// --- scalar fields (null leaves the field as it is)

func (d *decoder) str(p *string) {
	switch d.peek() {
	case '"':
		*p = d.readString()
	case 'n':
		d.literal("null")
	default:
		d.typeErrorValue(tString)
	}
}

func (d *decoder) boolean(p *bool) {
	switch d.peek() {
	case 't':
		d.literal("true")
		*p = true
	case 'f':
		d.literal("false")
		*p = false
	case 'n':
		d.literal("null")
	default:
		d.typeErrorValue(tBool)
	}
}

func (d *decoder) isNumber() bool {
	c := d.peek()
	return c == '-' || c >= '0' && c <= '9'
}

func (d *decoder) float(p *float64) {
	if d.isNumber() {
		start := d.pos
		s, _ := d.number()
		if d.err != nil {
			return
		}
		f, ok := parseFloat(s)
		if !ok {
			d.err = &json.UnmarshalTypeError{Value: "number " + string(s), Type: tFloat64, Offset: int64(start), Field: string(d.key)}
			d.pos = len(d.data)
			return
		}
		*p = f
		return
	}
	if d.peek() == 'n' {
		d.literal("null")
		return
	}
	d.typeErrorValue(tFloat64)
}

func (d *decoder) int64(p *int64) {
	if d.isNumber() {
		start := d.pos
		s, integer := d.number()
		if d.err != nil {
			return
		}
		n, ok := parseInt(s)
		if !integer || !ok {
			d.err = &json.UnmarshalTypeError{Value: "number " + string(s), Type: tInt64, Offset: int64(start), Field: string(d.key)}
			d.pos = len(d.data)
			return
		}
		*p = n
		return
	}
	if d.peek() == 'n' {
		d.literal("null")
		return
	}
	d.typeErrorValue(tInt64)
}

func (d *decoder) int(p *int) {
	n := int64(*p)
	d.int64(&n)
	*p = int(n) // int is 64 bits on the platforms provtap supports
}

// --- the HAR types

var entryFields = []string{"startedDateTime", "time", "request", "response", "cache", "timings",
	"serverIPAddress", "connection", "_clientAddress", "_kind", "_error", "_originalHost", "_replayOf"}
