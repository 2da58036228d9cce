package har

import (
	"encoding/json"
	"math"
	"strconv"
)

// JSON numbers and literals, read as encoding/json reads them.

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

// smallInt reads the number at d.pos when it is an integer literal of at
// most 15 digits (exact in a float64, as most HAR numbers are) and returns
// its value and sign; else it reads nothing and returns ok=false.
func (d *decoder) smallInt() (n int64, neg, ok bool) {
	b, i := d.data, d.pos
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	start := i
	var u int64
	for ; i < len(b) && i-start < 16 && '0' <= b[i] && b[i] <= '9'; i++ {
		u = u*10 + int64(b[i]-'0')
	}
	switch {
	case i == start, i-start > 15, i-start > 1 && b[start] == '0':
		return 0, false, false
	case i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E'):
		return 0, false, false
	}
	d.pos = i
	if neg {
		u = -u
	}
	return u, neg, true
}

func (d *decoder) float(p *float64) {
	if n, neg, ok := d.smallInt(); ok {
		f := float64(n)
		if neg && n == 0 {
			f = -f // -0, as strconv.ParseFloat gives
		}
		*p = f
		return
	}
	d.floatNumber(p)
}

// floatNumber is float for any value.
func (d *decoder) floatNumber(p *float64) {
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
	if n, _, ok := d.smallInt(); ok {
		*p = n
		return
	}
	d.int64Number(p)
}

// int64Number is int64 for any value.
func (d *decoder) int64Number(p *int64) {
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
