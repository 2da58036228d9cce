package ui

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
)

// subject is one flow as the filter sees it: the row's metadata at once,
// the whole flow (headers and bodies) read through load only when a term
// needs it, and at most once.
//
// A subject holds nothing the UI goroutine changes, so a background scan
// (filterscan.go) can match it.
type subject struct {
	r     *row
	texts *rowTexts // the store's: r's host and path
	kinds []string  // the kinds of the findings on the flow
	load  func(*row) *capture.Flow
	full  *capture.Flow
}

func (s *subject) flow() *capture.Flow {
	if s.full == nil {
		if s.load != nil {
			s.full = s.load(s.r)
		} else {
			s.full = s.r.meta(s.texts)
		}
	}
	return s.full
}

// inMeta reports whether the lower-case word is in the row's method,
// status, host:port or path (the whole path read back when the row holds
// only its start).
func (s *subject) inMeta(word string) bool {
	r := s.r
	if containsFold(r.methodText(), word) || containsFold(r.statusText(), word) || containsFold(s.texts.text(r.host), word) {
		return true
	}
	return containsFold(s.path(), word)
}

// path is the path cell: the row's, or the whole flow's when the row's was
// shortened.
func (s *subject) path() string {
	if s.r.flags&rowPathCut != 0 {
		return pathText(s.flow())
	}
	return s.texts.text(s.r.path)
}

// needsFlow reports whether matching reads the whole flow (a bare word
// that is not in the metadata, header:, body:): such filters run in smaller
// chunks.
func (q filter) needsFlow() bool {
	for _, g := range q.and {
		for _, t := range g {
			if t.cost() > 0 {
				return true
			}
		}
	}
	return false
}

// usesFindings reports whether the filter asks about findings (has:, kind:).
func (q filter) usesFindings() bool {
	for _, g := range q.and {
		for _, t := range g {
			if t.field == "has" || t.field == "kind" {
				return true
			}
		}
	}
	return false
}

// match reports whether the flow matches every group (a group: terms
// joined by OR).
func (q filter) match(s *subject) bool {
	for _, g := range q.and {
		ok := false
		for _, t := range g {
			if t.test(s) != t.neg {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (t term) test(s *subject) bool {
	r := s.r
	switch t.field {
	case "":
		if len(t.value) == 3 && t.value[1:] == "xx" && t.value[0] >= '1' && t.value[0] <= '5' {
			return statusIs(t.value, int(r.status)) // 4xx: the status class, as before
		}
		if s.inMeta(t.value) {
			return true
		}
		full := s.flow()
		return anyHeader(full, func(h capture.Header) bool {
			return containsFold(h.Name, t.value) || containsFold(h.Value, t.value)
		}) || bodyHas(full, t.value)
	case "status":
		return statusIs(t.value, int(r.status))
	case "method":
		return strings.ToLower(r.methodName()) == t.value
	case "host":
		return containsFold(s.texts.text(r.host), t.value)
	case "path":
		p, _, _ := strings.Cut(s.path(), "?")
		return containsFold(p, t.value)
	case "header":
		return anyHeader(s.flow(), func(h capture.Header) bool {
			return strings.EqualFold(h.Name, t.name) && (!t.hasEq || containsFold(h.Value, t.value))
		})
	case "body":
		return bodyHas(s.flow(), t.value)
	case "has":
		if t.value == "replay" {
			return r.replayOf != 0
		}
		return len(s.kinds) > 0
	case "kind":
		for _, k := range s.kinds {
			if strings.EqualFold(k, t.value) {
				return true
			}
		}
	}
	return false
}

// statusIs matches a status pattern (401, 4xx, 40x) or err (no response).
func statusIs(p string, status int) bool {
	if p == "err" {
		return status == 0
	}
	if status == 0 {
		return false
	}
	code := strconv.Itoa(status)
	if len(code) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if p[i] != 'x' && p[i] != code[i] {
			return false
		}
	}
	return true
}

func anyHeader(f *capture.Flow, ok func(capture.Header) bool) bool {
	for _, hs := range [][]capture.Header{f.RequestHeaders, f.ResponseHeaders} {
		for _, h := range hs {
			if ok(h) {
				return true
			}
		}
	}
	return false
}

// bodyHas: the request or response body, decoded, contains the (lower-case)
// text, ignoring case.
func bodyHas(f *capture.Flow, text string) bool {
	for _, b := range []struct {
		body capture.Body
		enc  string
	}{{f.RequestBody, f.RequestHeader("Content-Encoding")}, {f.ResponseBody, f.ResponseHeader("Content-Encoding")}} {
		if len(b.body.Bytes) == 0 {
			continue
		}
		data, _ := capture.DecodedBody(b.body, b.enc)
		if bytes.Contains(bytes.ToLower(data), []byte(text)) {
			return true
		}
	}
	return false
}

// containsFold: s contains the lower-case sub, ignoring case.
func containsFold(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }

// hostPort is host:port, the way the list shows a host when the port tells
// flows apart (the default port of the scheme left out).
func hostPort(f *capture.Flow) string {
	if f.Port == 0 || f.Port == capture.DefaultPort(f.Scheme) {
		return f.Host
	}
	return f.Host + ":" + strconv.Itoa(f.Port)
}
