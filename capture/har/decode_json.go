package har

import (
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strconv"
)

// The JSON machinery under decodeEntry: the decoder, its errors, objects,
// arrays and skipping what is not a HAR field.

func (d *decoder) getBuf() []byte {
	d.bufp = bufPool.Get().(*[]byte)
	return (*d.bufp)[:0]
}

func (d *decoder) putBuf() {
	if d.bufp != nil && cap(d.buf) <= 1<<20 {
		*d.bufp = d.buf[:0]
		bufPool.Put(d.bufp)
	}
}

// decodeError is a JSON syntax error at byte Offset of the entry.
type decodeError struct {
	Offset int64
	msg    string
}

func (e *decodeError) Error() string {
	return "json: " + e.msg + " at offset " + strconv.FormatInt(e.Offset, 10)
}

const maxDepth = 10000 // as encoding/json

type decoder struct {
	data  []byte
	pos   int
	depth int
	err   error
	key   []byte  // the current member's key (unescaped)
	buf   []byte  // scratch space for decoding strings with escapes
	bufp  *[]byte // where buf came from in bufPool

	intern *internCache // for fields whose values repeat; nil: none

	nvBuf      [24]harNV // the pending lists' elements (see nvs)
	nvUsed     int
	pendingNVs [4]pendingNV
	nPending   int
	later      laterStr // the start time, until the URL (see strLater)
	rangeBuf   [24]nvRange
	cookieBuf  [4]harCookie
}

// --- errors

func (d *decoder) syntaxError(msg string) {
	if d.err == nil {
		d.err = &decodeError{Offset: int64(d.pos), msg: msg}
	}
	d.pos = len(d.data)
}

func (d *decoder) unexpected(context string) {
	if d.pos >= len(d.data) {
		d.syntaxError("unexpected end of JSON input")
		return
	}
	d.syntaxError("invalid character " + strconv.QuoteRune(rune(d.data[d.pos])) + " " + context)
}

// typeErrorValue reports that the value at d.pos cannot go into a t. It first
// skips the value so that a syntax error in it wins, as in encoding/json.
func (d *decoder) typeErrorValue(t reflect.Type) {
	start, field := d.pos, string(d.key)
	kind := "number"
	switch d.peek() {
	case '{':
		kind = "object"
	case '[':
		kind = "array"
	case '"':
		kind = "string"
	case 't', 'f':
		kind = "bool"
	}
	d.skipValue()
	if d.err == nil {
		d.err = &json.UnmarshalTypeError{Value: kind, Type: t, Offset: int64(start), Field: field}
		d.pos = len(d.data)
	}
}

// Types named in type errors.
var (
	tEntry    = reflect.TypeFor[harEntry]()
	tRequest  = reflect.TypeFor[harRequest]()
	tResponse = reflect.TypeFor[harResponse]()
	tPostData = reflect.TypeFor[harPostData]()
	tContent  = reflect.TypeFor[harContent]()
	tTimings  = reflect.TypeFor[harTimings]()
	tNV       = reflect.TypeFor[harNV]()
	tCookie   = reflect.TypeFor[harCookie]()
	tNVs      = reflect.TypeFor[[]harNV]()
	tCookies  = reflect.TypeFor[[]harCookie]()
	tCache    = reflect.TypeFor[struct{}]()
	tString   = reflect.TypeFor[string]()
	tBool     = reflect.TypeFor[bool]()
	tFloat64  = reflect.TypeFor[float64]()
	tInt64    = reflect.TypeFor[int64]()
)

// --- low level

func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

func (d *decoder) skipWS() {
	if d.pos < len(d.data) && d.data[d.pos] > ' ' {
		return
	}
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ':
			d.pos++
			// Indented input has long runs of spaces.
			for d.pos+8 <= len(d.data) && binary.LittleEndian.Uint64(d.data[d.pos:]) == 0x2020202020202020 {
				d.pos += 8
			}
		case '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) literal(lit string) {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		for i := 0; i < len(lit) && d.pos < len(d.data) && d.data[d.pos] == lit[i]; i++ {
			d.pos++
		}
		d.unexpected("in literal " + lit)
		return
	}
	d.pos += len(lit)
}

func (d *decoder) push() bool {
	d.depth++
	if d.depth > maxDepth {
		d.syntaxError("exceeded max depth")
		return false
	}
	d.pos++
	return true
}

// --- objects and arrays
//
// A struct is decoded with
//
//	for f := d.openFields(t, names, &hint); f != end; f = d.nextField(names, &hint) {
//		switch f { ... }
//	}
//
// where f is the index in names of the member's field (-1 for none) and each
// case decodes the member's value at d.pos. hint is where to look first:
// members usually come in declaration order.

const end = -2

// openFields starts an object value: it consumes '{', the first key and
// its ':', and returns the key's field. It returns end for null, for {} and
// on error (a value that is not an object is a type error against t).
func (d *decoder) openFields(t reflect.Type, names *fieldNames, hint *int) int {
	switch d.peek() {
	case '{':
		if !d.push() {
			return end
		}
		d.skipWS()
		if d.peek() == '}' {
			d.pos++
			d.depth--
			return end
		}
		return d.fieldKey(names, hint)
	case 'n':
		d.literal("null")
		return end
	}
	d.typeErrorValue(t)
	return end
}

// nextField moves past ',' to the next key and its ':' and returns its
// field, or moves past the closing '}' and returns end.
func (d *decoder) nextField(names *fieldNames, hint *int) int {
	if d.err != nil {
		return end
	}
	d.skipWS()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipWS()
		return d.fieldKey(names, hint)
	case '}':
		d.pos++
		d.depth--
		return end
	}
	d.unexpected("after object key:value pair")
	return end
}

// fieldKey reads the key at d.pos and its ':'; see field.
func (d *decoder) fieldKey(names *fieldNames, hint *int) int {
	b := d.data
	if d.peek() != '"' {
		d.unexpected("looking for beginning of object key string")
		return end
	}
	f := -1
	// Fast path: the key is one of the names as it is, without escapes: the
	// hinted one first, as members usually come in order, then the ones
	// after it (a member left out), then the ones before.
	if p := d.pos + 1; names != nil && p+16 <= len(b) {
		h, n := *hint, len(names.keys)
		for i := h; i < h+n; i++ {
			j := i
			if j >= n {
				j -= n
			}
			if names.keys[j].matches(b, p) {
				f = j
				break
			}
		}
	} else if names != nil {
		for i, n := range names.names {
			if q := p + len(n); q < len(b) && b[q] == '"' && string(b[p:q]) == n {
				f = i
				break
			}
		}
	}
	if f >= 0 {
		p, n := d.pos+1, len(names.names[f])
		d.key, d.pos, *hint = b[p:p+n], p+n+1, f+1
	} else {
		d.key = d.readKey()
		if d.err != nil {
			return end
		}
		f = d.field(names.list(), hint)
	}
	if d.pos < len(b) && b[d.pos] == ':' {
		d.pos++
	} else {
		d.skipWS()
		if d.peek() != ':' {
			d.unexpected("after object key")
			return end
		}
		d.pos++
	}
	d.skipWS()
	return f
}

// member reads a key and its ':' into d.key (for skipValue).
func (d *decoder) member() bool {
	if d.peek() != '"' {
		d.unexpected("looking for beginning of object key string")
		return false
	}
	d.key = d.readKey()
	d.skipWS()
	if d.peek() != ':' {
		d.unexpected("after object key")
		return false
	}
	d.pos++
	d.skipWS()
	return d.err == nil
}

// nextMember moves past ',' to the next key and its ':', or past the
// closing '}' (and returns false); for skipValue.
func (d *decoder) nextMember() bool {
	if d.err != nil {
		return false
	}
	d.skipWS()
	switch d.peek() {
	case ',':
		d.pos++
		d.skipWS()
		return d.member()
	case '}':
		d.pos++
		d.depth--
		return false
	}
	d.unexpected("after object key:value pair")
	return false
}

// openArray starts an array value: it consumes '['. It returns open=false
// for null (isNull), and on error (a value that is not an array is a type
// error against t).
func (d *decoder) openArray(t reflect.Type) (open, isNull bool) {
	switch d.peek() {
	case '[':
		if !d.push() {
			return false, false
		}
		return true, false
	case 'n':
		d.literal("null")
		return false, d.err == nil
	}
	d.typeErrorValue(t)
	return false, false
}

// moreElements reports whether another array element follows, consuming
// the ',' before it, or the closing ']'. first is true before the first.
func (d *decoder) moreElements(first bool) bool {
	if d.err != nil {
		return false
	}
	d.skipWS()
	c := d.peek()
	if c == ']' {
		d.pos++
		d.depth--
		return false
	}
	if first {
		return true
	}
	if c != ',' {
		d.unexpected("after array element")
		return false
	}
	d.pos++
	d.skipWS()
	return true
}
