package har

// A hand-written decoder for one HAR entry (one JSON object) into harEntry.
//
// It exists because encoding/json's reflection was most of `provtap analyze`
// on large captures. It gives the same result as
//
//	json.Unmarshal(data, e)
//
// for every input that encoding/json accepts (decode_test.go and
// decode_fuzz_test.go check this against encoding/json), including its less
// obvious rules:
//
//   - object keys match field names exactly, else case-insensitively
//     (bytes.EqualFold, so "\u017f" matches 's' and "\u212a" matches 'k');
//     unknown keys are skipped, in any order;
//   - a key that appears twice is decoded again into the same value: structs
//     are merged, arrays reuse the elements already there;
//   - null leaves strings, numbers, bools and structs as they were and sets
//     slices and pointers to nil; [] gives an empty, non-nil slice;
//   - strings: every escape, surrogate pairs joined, a lone or mismatched
//     surrogate becomes U+FFFD, and so does each byte of invalid UTF-8;
//   - integers must be integer literals in range, floats must be in range;
//   - nesting deeper than 10000 is an error; only whitespace may follow.
//
// It rejects every input that encoding/json rejects, syntax and type errors
// alike, but it stops at the first error, so when an input has both kinds
// the kind it reports may differ. Syntax errors are *decodeError; type
// errors are *json.UnmarshalTypeError whose Field is the JSON key (not the
// full path). On error, *e holds whatever was decoded before it.
//
// Allocation: strings are copies, as with encoding/json, except that the
// names and values of one headers (or queryString, params) array are cut
// from one copy of that array's bytes, and the start time and the URL from
// one copy of both; so keeping any of them keeps at most that array's bytes
// (or the start time) alive, never the entry. Each slice is allocated once,
// at its final length, and the name/value lists of an entry share one array
// (each cut with no spare capacity, so appending to one copies it).

import (
	"encoding/json"
	"sync"
)

// unmarshalEntry decodes one entry with decodeEntry; on an error it returns
// encoding/json's (both reject the same inputs; encoding/json's message
// names the full path of a field of the wrong type).
// cache, when not nil, interns repeated strings (decodeEntryCached).
func unmarshalEntry(data []byte, e *harEntry, cache *internCache) error {
	if err := decodeEntryCached(data, e, cache); err != nil {
		// Into a copy, so that e does not escape: a caller's entry can stay
		// on its stack, where writing its strings costs no write barrier.
		var std harEntry
		jerr := json.Unmarshal(data, &std)
		if jerr != nil {
			std = harEntry{}
			if lenientEntry(data, &std) == nil {
				*e = std
				return nil
			}
		}
		*e = std
		if jerr != nil {
			return jerr
		}
		return err
	}
	return nil
}

// decodeEntry decodes one JSON object, data, into e, as json.Unmarshal would.
// data is not retained.
func decodeEntry(data []byte, e *harEntry) error { return decodeEntryCached(data, e, nil) }

// decodeEntryCached is decodeEntry taking the strings of fields whose values
// repeat from cache, when not nil (see internCache).
func decodeEntryCached(data []byte, e *harEntry, cache *internCache) error {
	d := decoder{data: data, intern: cache}
	d.skipWS()
	switch d.peek() {
	case '{':
		d.entry(e)
	case 'n':
		d.literal("null")
	default:
		if d.pos < len(d.data) {
			d.typeErrorValue(tEntry)
		} else {
			d.syntaxError("unexpected end of JSON input")
		}
	}
	d.flushNVs()
	d.flushLater()
	if d.err == nil {
		d.skipWS()
		if d.pos < len(d.data) {
			d.syntaxError("invalid character after top-level value")
		}
	}
	d.putBuf()
	return d.err
}

// bufPool holds scratch space for decoding strings with escapes: usually a
// few kB, needed for nearly every entry (bodies are JSON text).
var bufPool = sync.Pool{New: func() any { return new([]byte) }}

func (d *decoder) entry(e *harEntry) {
	hint := 0
	for f := d.openFields(tEntry, entryFields, &hint); f != end; f = d.nextField(entryFields, &hint) {
		switch f {
		case 0:
			d.strLater(&e.StartedDateTime)
		case 1:
			d.float(&e.Time)
		case 2:
			d.request(&e.Request)
		case 3:
			d.response(&e.Response)
		case 4: // struct{}: any object, its members ignored
			var none int
			for f := d.openFields(tCache, nil, &none); f != end; f = d.nextField(nil, &none) {
				d.skipValue()
			}
		case 5:
			d.timings(&e.Timings)
		case 6:
			d.strRepeated(&e.ServerIPAddress)
		case 7:
			d.strRepeated(&e.Connection)
		case 8:
			d.strRepeated(&e.ClientAddress)
		case 9:
			d.strRepeated(&e.Kind)
		case 10:
			d.str(&e.Error)
		case 11:
			d.strRepeated(&e.OriginalHost)
		case 12:
			d.int(&e.ReplayOf)
		default:
			d.skipValue()
		}
	}
}

var requestFields = newFieldNames("method", "url", "httpVersion", "cookies", "headers", "queryString",
	"postData", "headersSize", "bodySize", "_requestTarget")

func (d *decoder) request(r *harRequest) {
	hint := 0
	for f := d.openFields(tRequest, requestFields, &hint); f != end; f = d.nextField(requestFields, &hint) {
		switch f {
		case 0:
			d.strRepeated(&r.Method)
		case 1:
			d.strJoinLater(&r.URL)
		case 2:
			d.strRepeated(&r.HTTPVersion)
		case 3:
			d.cookies(&r.Cookies)
		case 4:
			d.nvs(&r.Headers)
		case 5:
			d.nvs(&r.QueryString)
		case 6:
			switch d.peek() {
			case 'n':
				d.literal("null")
				r.PostData = nil
			case '{':
				if r.PostData == nil {
					r.PostData = new(harPostData)
				}
				d.postData(r.PostData)
			default:
				d.typeErrorValue(tPostData)
			}
		case 7:
			d.int64(&r.HeadersSize)
		case 8:
			d.int64(&r.BodySize)
		case 9:
			d.strSuffixOf(&r.RequestTarget, r.URL)
		default:
			d.skipValue()
		}
	}
}

var responseFields = newFieldNames("status", "statusText", "httpVersion", "cookies", "headers", "content",
	"redirectURL", "headersSize", "bodySize")

func (d *decoder) response(r *harResponse) {
	hint := 0
	for f := d.openFields(tResponse, responseFields, &hint); f != end; f = d.nextField(responseFields, &hint) {
		switch f {
		case 0:
			d.int(&r.Status)
		case 1:
			d.strRepeated(&r.StatusText)
		case 2:
			d.strRepeated(&r.HTTPVersion)
		case 3:
			d.cookies(&r.Cookies)
		case 4:
			d.nvs(&r.Headers)
		case 5:
			d.content(&r.Content)
		case 6:
			d.strRepeated(&r.RedirectURL)
		case 7:
			d.int64(&r.HeadersSize)
		case 8:
			d.int64(&r.BodySize)
		default:
			d.skipValue()
		}
	}
}

var postDataFields = newFieldNames("mimeType", "text", "params", "encoding", "_truncated")

func (d *decoder) postData(p *harPostData) {
	hint := 0
	for f := d.openFields(tPostData, postDataFields, &hint); f != end; f = d.nextField(postDataFields, &hint) {
		switch f {
		case 0:
			d.strRepeated(&p.MimeType)
		case 1:
			d.str(&p.Text)
		case 2:
			d.nvs(&p.Params)
		case 3:
			d.strRepeated(&p.Encoding)
		case 4:
			d.boolean(&p.Truncated)
		default:
			d.skipValue()
		}
	}
}

var contentFields = newFieldNames("size", "compression", "mimeType", "text", "encoding", "_truncated", "_notDecoded")

func (d *decoder) content(c *harContent) {
	hint := 0
	for f := d.openFields(tContent, contentFields, &hint); f != end; f = d.nextField(contentFields, &hint) {
		switch f {
		case 0:
			d.int64(&c.Size)
		case 1:
			d.int64(&c.Compression)
		case 2:
			d.strRepeated(&c.MimeType)
		case 3:
			d.str(&c.Text)
		case 4:
			d.strRepeated(&c.Encoding)
		case 5:
			d.boolean(&c.Truncated)
		case 6:
			d.boolean(&c.NotDecoded)
		default:
			d.skipValue()
		}
	}
}

var timingsFields = newFieldNames("blocked", "dns", "connect", "send", "wait", "receive", "ssl")

func (d *decoder) timings(t *harTimings) {
	if !d.timingsCompact(t) {
		d.timingsObject(t)
	}
}

// timingsLiterals are what precedes each number of timings as provtap
// writes them, in harTimings' order.
var timingsLiterals = [...]string{`{"blocked":`, `,"dns":`, `,"connect":`, `,"send":`, `,"wait":`, `,"receive":`, `,"ssl":`}

// timingsCompact reads the timings at d.pos when they are exactly as
// provtap writes them, every member in order with an integer value, and
// sets *t as timingsObject would; else it reads nothing and returns false.
func (d *decoder) timingsCompact(t *harTimings) bool {
	start := d.pos
	var v [len(timingsLiterals)]float64
	for i, lit := range timingsLiterals {
		if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
			d.pos = start
			return false
		}
		d.pos += len(lit)
		n, neg, ok := d.smallInt()
		if !ok {
			d.pos = start
			return false
		}
		v[i] = float64(n)
		if neg && n == 0 {
			v[i] = -v[i] // -0, as strconv.ParseFloat gives
		}
	}
	if d.peek() != '}' {
		d.pos = start
		return false
	}
	*t = harTimings{Blocked: v[0], DNS: v[1], Connect: v[2], Send: v[3], Wait: v[4], Receive: v[5], SSL: v[6]}
	// The last key, for type errors, as timingsObject leaves it.
	last := d.pos - 1
	for d.data[last] != ':' {
		last--
	}
	d.key, d.pos = d.data[last-len("ssl\""):last-1], d.pos+1
	return true
}

// timingsObject is timings for any value.
func (d *decoder) timingsObject(t *harTimings) {
	hint := 0
	for f := d.openFields(tTimings, timingsFields, &hint); f != end; f = d.nextField(timingsFields, &hint) {
		switch f {
		case 0:
			d.float(&t.Blocked)
		case 1:
			d.float(&t.DNS)
		case 2:
			d.float(&t.Connect)
		case 3:
			d.float(&t.Send)
		case 4:
			d.float(&t.Wait)
		case 5:
			d.float(&t.Receive)
		case 6:
			d.float(&t.SSL)
		default:
			d.skipValue()
		}
	}
}

var entryFields = newFieldNames("startedDateTime", "time", "request", "response", "cache", "timings",
	"serverIPAddress", "connection", "_clientAddress", "_kind", "_error", "_originalHost", "_replayOf")
