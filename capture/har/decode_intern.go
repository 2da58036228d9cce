package har

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
