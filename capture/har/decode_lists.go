package har

// The lists of an entry: headers, query strings and cookies, decoded into
// slices without an allocation per string where none is needed.

var nvFields = newFieldNames("name", "value")

// Headers and query strings are most of an entry's strings. So that they
// do not cost an allocation each, nvPending leaves the strings that need no
// decoding (nearly all) in place and notes where they are; the caller then
// cuts them all from one string of the array's bytes (finishNVs) or, when
// that would keep much more than the strings alive, one string each.

// nvRange is where a harNV's name and value are in d.data; -1 for none.
type nvRange struct{ ns, ne, vs, ve int }

func (d *decoder) nvPending(nv *harNV, r *nvRange) {
	if !d.nvCompact(r) {
		d.nvObject(nv, r)
	}
}

// nvObject is nvPending for any element.
func (d *decoder) nvObject(nv *harNV, r *nvRange) {
	hint := 0
	*r = nvRange{-1, -1, -1, -1}
	for f := d.openFields(tNV, nvFields, &hint); f != end; f = d.nextField(nvFields, &hint) {
		switch f {
		case 0:
			d.strOrRange(&nv.Name, &r.ns, &r.ne)
		case 1:
			d.strOrRange(&nv.Value, &r.vs, &r.ve)
		default:
			d.skipValue()
		}
	}
}

// nvCompact reads the element at d.pos when it is exactly
// {"name":"…","value":"…"} with both strings plain, as provtap writes
// headers, setting *r as nvPending would; else it reads nothing and
// returns false. It spares most elements the general object machinery.
func (d *decoder) nvCompact(r *nvRange) bool {
	b := d.data
	ns, ne, vs, ve, ok := nameValueAt(b, d.pos)
	if !ok || len(b)-ve < 2 || b[ve+1] != '}' {
		return false
	}
	*r = nvRange{ns, ne, vs, ve}
	d.key, d.pos = b[ne+3:ne+3+len("value")], ve+2 // the last key, for type errors
	return true
}

// nameValueAt reads `{"name":"N","value":"V"` at p, as provtap writes a
// name/value pair or a cookie's start, N and V plain: their bounds, V's
// closing quote at ve. ok is false for anything else.
func nameValueAt(b []byte, p int) (ns, ne, vs, ve int, ok bool) {
	const open, mid = `{"name":"`, `","value":"`
	if len(b)-p < len(open) || string(b[p:p+len(open)]) != open {
		return
	}
	ns = p + len(open)
	ne = scanPlain(b, ns)
	if len(b)-ne < len(mid) || string(b[ne:ne+len(mid)]) != mid {
		return
	}
	vs = ne + len(mid)
	ve = scanPlain(b, vs)
	if ve >= len(b) || b[ve] != '"' {
		return
	}
	return ns, ne, vs, ve, true
}

// finishNVs stores the strings that nvPending left in place.
func (d *decoder) finishNVs(nvs []harNV, rs []nvRange) {
	lo, hi, n := len(d.data), 0, 0
	for _, r := range rs {
		if r.ns >= 0 {
			lo, hi, n = min(lo, r.ns), max(hi, r.ne), n+r.ne-r.ns
		}
		if r.vs >= 0 {
			lo, hi, n = min(lo, r.vs), max(hi, r.ve), n+r.ve-r.vs
		}
	}
	if hi < lo { // no string noted; empty ones are still stored below (a
		return // list decoded again over its old elements, a repeated key)
	}
	if hi-lo > 2*n+64 { // mostly not strings: keep them apart
		for i, r := range rs {
			if r.ns >= 0 {
				nvs[i].Name = string(d.data[r.ns:r.ne])
			}
			if r.vs >= 0 {
				nvs[i].Value = string(d.data[r.vs:r.ve])
			}
		}
		return
	}
	var all string
	if d.intern != nil {
		all = d.intern.array(d.data[lo:hi])
	} else {
		all = string(d.data[lo:hi])
	}
	for i, r := range rs {
		if r.ns >= 0 {
			nvs[i].Name = all[r.ns-lo : r.ne-lo]
		}
		if r.vs >= 0 {
			nvs[i].Value = all[r.vs-lo : r.ve-lo]
		}
	}
}

// strOrRange is like str, but a string that needs no decoding is not
// stored: *lo and *hi are set to where it is in d.data. A string that
// does is stored and clears them; null leaves both as they are.
func (d *decoder) strOrRange(p *string, lo, hi *int) {
	if d.peek() != '"' {
		d.str(p)
		return
	}
	b, plain := d.stringBytes()
	if plain {
		*hi = d.pos - 1 // the closing quote
		*lo = *hi - len(b)
		return
	}
	*p = string(b)
	*lo, *hi = -1, -1
}

var cookieFields = newFieldNames("name", "value", "path", "domain", "expires", "httpOnly", "secure")

func (d *decoder) cookie(c *harCookie) {
	if !d.cookieCompact(c) {
		d.cookieObject(c)
	}
}

// cookieOptional are the string members a cookie may have after its value,
// as provtap writes them (in harCookie's order, empty ones left out).
var cookieOptional = [...]string{`,"path":"`, `,"domain":"`, `,"expires":"`}

// cookieCompact reads the cookie at d.pos when it is as provtap writes it,
// {"name":"…","value":"…"} then any of path, domain and expires, then
// "httpOnly":true and "secure":true if set, in that order, every string
// plain; and sets *c as cookieObject would. Else it reads nothing and
// returns false.
func (d *decoder) cookieCompact(c *harCookie) bool {
	b := d.data
	ns, ne, vs, ve, ok := nameValueAt(b, d.pos)
	if !ok {
		return false
	}
	p := ve + 1
	at := func(lit string) bool { return len(b)-p >= len(lit) && string(b[p:p+len(lit)]) == lit }
	// str reads a plain string's content and its closing quote at p.
	str := func() (lo, hi int, ok bool) {
		lo = p
		hi = scanPlain(b, p)
		if hi >= len(b) || b[hi] != '"' {
			return 0, 0, false
		}
		p = hi + 1
		return lo, hi, true
	}
	keyLo, keyHi := ne+3, ne+3+len("value") // the last key so far
	var opt [len(cookieOptional)][2]int
	for i, lit := range cookieOptional {
		opt[i] = [2]int{-1, -1}
		if at(lit) {
			keyLo, keyHi = p+2, p+len(lit)-3
			p += len(lit)
			lo, hi, ok := str()
			if !ok {
				return false
			}
			opt[i] = [2]int{lo, hi}
		}
	}
	httpOnly, secure := at(`,"httpOnly":true`), false
	if httpOnly {
		keyLo, keyHi = p+2, p+2+len("httpOnly")
		p += len(`,"httpOnly":true`)
	}
	if at(`,"secure":true`) {
		secure = true
		keyLo, keyHi = p+2, p+2+len("secure")
		p += len(`,"secure":true`)
	}
	if !at("}") {
		return false
	}
	c.Name = d.plainRepeated(b[ns:ne])
	c.Value = string(b[vs:ve])
	for i, dst := range [...]*string{&c.Path, &c.Domain, &c.Expires} {
		if opt[i][0] >= 0 {
			*dst = d.plainRepeated(b[opt[i][0]:opt[i][1]])
		}
	}
	if httpOnly {
		c.HTTPOnly = true
	}
	if secure {
		c.Secure = true
	}
	d.key, d.pos = b[keyLo:keyHi], p+1
	return true
}

// cookieObject is cookie for any value.
func (d *decoder) cookieObject(c *harCookie) {
	hint := 0
	for f := d.openFields(tCookie, cookieFields, &hint); f != end; f = d.nextField(cookieFields, &hint) {
		switch f {
		case 0:
			d.strRepeated(&c.Name)
		case 1:
			d.str(&c.Value)
		case 2:
			d.strRepeated(&c.Path)
		case 3:
			d.strRepeated(&c.Domain)
		case 4:
			d.strRepeated(&c.Expires)
		case 5:
			d.boolean(&c.HTTPOnly)
		case 6:
			d.boolean(&c.Secure)
		default:
			d.skipValue()
		}
	}
}

// Slices. Into a nil or empty slice (the usual case), elements are decoded
// into scratch space on the decoder and copied into a slice of exactly the
// right length: one allocation. Into a slice that already has capacity (a
// repeated key), elements are decoded in place as encoding/json does:
// existing elements are decoded into (merged), the slice grows as needed and
// is cut to the number of elements.
//
// The name/value lists of an entry (headers, queryString, params) share one
// allocation: each list stays in d.nvBuf, noted in d.pendingNVs, until the
// entry is decoded (or a list needs its slice: a repeated key), when
// flushNVs copies them all into one array and gives each list its part, with
// no spare capacity.

// pendingNV is a list decoded into d.nvBuf[lo:hi] that *dst is to get.
type pendingNV struct {
	dst    *[]harNV
	lo, hi int
}

func (d *decoder) nvs(p *[]harNV) {
	for _, pn := range d.pendingNVs[:d.nPending] {
		if pn.dst == p { // a repeated key: decode into the list as it is
			d.flushNVs()
			break
		}
	}
	open, isNull := d.openArray(tNVs)
	if isNull {
		*p = nil
	}
	if !open {
		return
	}
	if cap(*p) == 0 {
		if d.nPending == len(d.pendingNVs) {
			d.flushNVs()
		}
		lo := d.nvUsed
		scratch, ranges := d.nvBuf[lo:lo], d.rangeBuf[:0]
		for more := d.moreElements(true); more; more = d.moreElements(false) {
			scratch, ranges = append(scratch, harNV{}), append(ranges, nvRange{})
			d.nvPending(&scratch[len(scratch)-1], &ranges[len(ranges)-1])
		}
		if lo+len(scratch) > len(d.nvBuf) { // outgrew nvBuf: a slice of its own
			out := append(make([]harNV, 0, len(scratch)), scratch...)
			d.finishNVs(out, ranges)
			*p = out
			return
		}
		d.finishNVs(scratch, ranges)
		d.nvUsed += len(scratch)
		d.pendingNVs[d.nPending] = pendingNV{p, lo, d.nvUsed}
		d.nPending++
		return
	}
	s, i := *p, 0
	for more := d.moreElements(true); more; more = d.moreElements(false) {
		if i >= cap(s) {
			s = append(s[:cap(s)], harNV{})
		}
		if i >= len(s) {
			s = s[:i+1]
		}
		var r nvRange
		d.nvPending(&s[i], &r)
		d.finishNVs(s[i:i+1], []nvRange{r})
		i++
	}
	if i == 0 {
		s = []harNV{}
	}
	*p = s[:i]
}

// flushNVs gives the pending lists their slices, all cut from one array.
func (d *decoder) flushNVs() {
	if d.nPending == 0 {
		return
	}
	all := append(make([]harNV, 0, d.nvUsed), d.nvBuf[:d.nvUsed]...)
	for _, pn := range d.pendingNVs[:d.nPending] {
		*pn.dst = all[pn.lo:pn.hi:pn.hi]
	}
	d.nPending, d.nvUsed = 0, 0
}

func (d *decoder) cookies(p *[]harCookie) {
	open, isNull := d.openArray(tCookies)
	if isNull {
		*p = nil
	}
	if !open {
		return
	}
	if cap(*p) == 0 {
		scratch := d.cookieBuf[:0]
		for more := d.moreElements(true); more; more = d.moreElements(false) {
			scratch = append(scratch, harCookie{})
			d.cookie(&scratch[len(scratch)-1])
		}
		*p = append(make([]harCookie, 0, len(scratch)), scratch...)
		return
	}
	s, i := *p, 0
	for more := d.moreElements(true); more; more = d.moreElements(false) {
		if i >= cap(s) {
			s = append(s[:cap(s)], harCookie{})
		}
		if i >= len(s) {
			s = s[:i+1]
		}
		d.cookie(&s[i])
		i++
	}
	if i == 0 {
		s = []harCookie{}
	}
	*p = s[:i]
}
