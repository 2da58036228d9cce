package har

import "unsafe"

// Interning: the short strings that repeat from entry to entry (methods,
// HTTP versions, status texts, media types, cookie names, paths and domains,
// client addresses) are allocated once per batch of entries, not once per
// entry. A shared string keeps nothing alive but itself, as a copy would.

// internMax bounds the strings interned: longer ones rarely repeat.
const internMax = 64

// internCache is a direct-mapped cache of strings by their bytes; a miss
// replaces the slot. One goroutine uses it (decodeSpans: one per batch).
type internCache struct {
	short [128]string
	// arrays are the bytes of recent headers (and query string) arrays,
	// which finishNVs cuts names and values from: a client sends the same
	// request headers again and again, and an array equal to one decoded
	// before shares its string. That keeps alive just those bytes, as a
	// copy would.
	arrays [32]string
}

func (c *internCache) str(b []byte) string {
	if len(b) > internMax {
		return string(b)
	}
	h := uint(len(b))
	if len(b) > 0 {
		h = h*0x9E3779B1 ^ uint(b[0])<<8 ^ uint(b[len(b)-1]) ^ uint(b[len(b)/2])<<16
		h ^= h >> 7
	}
	slot := &c.short[h%uint(len(c.short))]
	if *slot == string(b) { // compared in place: no allocation
		return *slot
	}
	*slot = string(b)
	return *slot
}

// array is string(b) for the bytes of an array, from the cache when an
// equal array was seen.
func (c *internCache) array(b []byte) string {
	h := uint(len(b)) * 0x9E3779B1
	if len(b) > 0 {
		h ^= uint(b[len(b)/3]) ^ uint(b[len(b)/2])<<8 ^ uint(b[len(b)-len(b)/4-1])<<16
		h ^= h >> 11
	}
	slot := &c.arrays[h%uint(len(c.arrays))]
	if *slot != string(b) { // compared in place: no allocation
		*slot = string(b)
	}
	return *slot
}

// strRepeated is str for a field whose values repeat across entries: with
// a cache, a string that needs no decoding comes from it.
func (d *decoder) strRepeated(p *string) {
	if d.intern == nil || d.peek() != '"' {
		d.str(p)
		return
	}
	if b, plain := d.stringBytes(); plain {
		*p = d.intern.str(b)
	} else {
		*p = string(b)
	}
}

// plainRepeated is the string of plain bytes b of a field whose values
// repeat, as strRepeated would give it.
func (d *decoder) plainRepeated(b []byte) string {
	if d.intern != nil {
		return d.intern.str(b)
	}
	return string(b)
}

// strSuffixOf is str for a string that is often the end of whole (the
// request target of its URL): when it is, it is cut from whole rather than
// copied. It keeps nothing alive but whole, which its entry holds anyway.
func (d *decoder) strSuffixOf(p *string, whole string) {
	if d.peek() != '"' {
		d.str(p)
		return
	}
	b, plain := d.stringBytes()
	if plain && len(b) > 0 && len(b) <= len(whole) && string(b) == whole[len(whole)-len(b):] {
		*p = whole[len(whole)-len(b):]
	} else {
		*p = string(b)
	}
}

// An entry's start time and its request's URL, two strings every entry has,
// share one allocation: the start time, read first, waits in d.later until
// the URL is read (strJoinLater) or the entry ends (flushLater). Keeping the
// URL keeps the start time's few bytes alive with it.

// laterStr is a plain string at d.data[lo:hi] that *p is to get.
type laterStr struct {
	p      *string
	lo, hi int
}

// strLater is str, but a plain string waits in d.later.
func (d *decoder) strLater(p *string) {
	if d.peek() != '"' {
		d.str(p) // null leaves a waiting string waiting, as it leaves a string
		return
	}
	b, plain := d.stringBytes()
	if !plain {
		*p, d.later = string(b), laterStr{}
		return
	}
	d.later = laterStr{p, d.pos - 1 - len(b), d.pos - 1}
}

// strJoinLater is str, but a plain string is allocated together with the
// string waiting in d.later, if any.
func (d *decoder) strJoinLater(p *string) {
	if d.later.p == nil || d.peek() != '"' {
		d.str(p)
		return
	}
	b, plain := d.stringBytes()
	if !plain {
		*p = string(b)
		return
	}
	first := d.data[d.later.lo:d.later.hi]
	n := len(first)
	if n+len(b) == 0 {
		*d.later.p, *p, d.later = "", "", laterStr{}
		return
	}
	buf := make([]byte, n+len(b))
	copy(buf, first)
	copy(buf[n:], b)
	both := unsafe.String(&buf[0], len(buf))
	*d.later.p, *p, d.later = both[:n], both[n:], laterStr{}
}

// flushLater gives the string waiting in d.later, if any, its own copy.
func (d *decoder) flushLater() {
	if d.later.p != nil {
		*d.later.p, d.later = string(d.data[d.later.lo:d.later.hi]), laterStr{}
	}
}
