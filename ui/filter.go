package ui

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/provtap/provtap/analyze"
)

// The filter language, one syntax in `/` and in `provtap open --filter`:
//
//	PATCH scim           terms separated by spaces: all must match
//	status:401 OR 403    OR between two terms: either (OR binds tighter
//	                     than the space: a OR b c is (a or b) and c)
//	-method:GET          - before a term negates it
//	"two words"          double quotes keep spaces (and : - OR) in a term
//
// A bare word matches, case-insensitively, the method, the status, the
// host:port, the path and query, the names and values of the request and
// response headers, and the bodies. Field terms look at one thing:
//
//	status:401 status:4xx status:40x status:err   (err: no response)
//	method:PATCH  host:gw  path:/Groups
//	header:Cookie                 a request or response header of that name
//	header:Authorization=Basic    …whose value contains Basic
//	body:usert                    the request or response body (decoded)
//	has:finding has:replay        kind:dropped-cookie
//
// Headers and bodies are read back from the capture file when the UI holds
// only a flow's metadata, so terms that need them (bare words, header:,
// body:) cost a read per flow the row's own terms let through (cheapFirst);
// filterscan.go runs them in chunks.

// filter is a parsed expression; the zero filter shows every flow.
type filter struct {
	text string // as typed, trimmed
	and  [][]term
}

// term is one term: a field (or "" for a bare word) and what it asks.
type term struct {
	neg   bool
	field string // "", status, method, host, path, header, body, has, kind
	value string // lower-case
	name  string // header: the header name (lower-case)
	hasEq bool   // header:NAME=VALUE
}

var fields = []string{"status", "method", "host", "path", "header", "body", "has", "kind"}

var hasValues = []string{"finding", "replay"}

func (q filter) active() bool { return len(q.and) > 0 }

// CheckFilter reports what is wrong with a filter expression (nil: it is
// fine), in the words the TUI shows under the prompt.
func CheckFilter(expr string) error {
	_, err := parseFilter(expr)
	return err
}

// parseFilter parses an expression; the error says what is wrong in a way
// that fits on the prompt line.
func parseFilter(text string) (filter, error) {
	q := filter{text: strings.TrimSpace(text)}
	toks, err := lexFilter(q.text)
	if err != nil {
		return filter{}, err
	}
	var group []term
	wantTerm := false // after OR
	for _, tk := range toks {
		if tk.isOR() {
			if len(group) == 0 || wantTerm {
				return filter{}, errors.New("OR needs a term on each side, e.g. status:401 OR status:403")
			}
			wantTerm = true
			continue
		}
		t, err := parseTerm(tk)
		if err != nil {
			return filter{}, err
		}
		if wantTerm {
			group = append(group, t)
			wantTerm = false
		} else {
			if len(group) > 0 {
				q.and = append(q.and, group)
			}
			group = []term{t}
		}
	}
	if wantTerm {
		return filter{}, errors.New("OR needs a term on each side, e.g. status:401 OR status:403")
	}
	if len(group) > 0 {
		q.and = append(q.and, group)
	}
	cheapFirst(q.and)
	return q, nil
}

// cheapFirst orders the groups, and the terms of each group, so that those
// the row answers come before those that read the flow back from the
// capture file: matching stops at the first group that fails (and at a
// group's first term that holds), so `body:x status:401` reads only the
// flows that answered 401. Terms have no side effects, so the order does
// not change what matches.
func cheapFirst(groups [][]term) {
	for _, g := range groups {
		slices.SortStableFunc(g, func(a, b term) int { return cmp.Compare(a.cost(), b.cost()) })
	}
	slices.SortStableFunc(groups, func(a, b []term) int { return cmp.Compare(groupCost(a), groupCost(b)) })
}

// groupCost is what the costliest term of an OR group costs: a group may
// read the flow when any of its terms may.
func groupCost(g []term) int {
	c := 0
	for _, t := range g {
		c = max(c, t.cost())
	}
	return c
}

// cost is 1 for a term that may read the whole flow (a bare word not in
// the row, header:, body:), 0 for one the row answers.
func (t term) cost() int {
	if t.field == "" || t.field == "header" || t.field == "body" {
		return 1
	}
	return 0
}

// token is one space-separated piece of an expression: its text with the
// quotes removed, and how much of its start was outside quotes (a field
// name or a - counts only there).
type token struct {
	text     string
	unquoted int // bytes of text, from the start, that were not quoted
}

func (t token) isOR() bool { return t.unquoted == len(t.text) && t.text == "OR" }

// lexFilter splits an expression at spaces outside double quotes. Inside
// quotes, \" is a quote and \\ a backslash.
func lexFilter(s string) ([]token, error) {
	var toks []token
	var b strings.Builder
	in, quoted, started := false, false, false
	unq := 0
	flush := func() {
		if started {
			toks = append(toks, token{text: b.String(), unquoted: unq})
		}
		b.Reset()
		started, quoted, unq = false, false, 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case in && c == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\'):
			i++
			b.WriteByte(s[i])
		case c == '"':
			in, quoted, started = !in, true, true
		case !in && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			flush()
		default:
			b.WriteByte(c)
			started = true
			if !in && !quoted {
				unq = b.Len()
			}
		}
	}
	if in {
		return nil, errors.New(`a quote is not closed: end the term with "`)
	}
	flush()
	return toks, nil
}

// parseTerm reads one term: -, field:, value.
func parseTerm(tk token) (term, error) {
	var t term
	text, unq := tk.text, tk.unquoted
	if text == "" {
		return term{}, errors.New(`"" is an empty term: it would match every flow`)
	}
	if unq > 0 && text[0] == '-' {
		t.neg = true
		text, unq = text[1:], unq-1
		if text == "" {
			return term{}, errors.New("- needs a term right after it, e.g. -method:GET")
		}
	}
	field, value, found := strings.Cut(text[:unq], ":")
	if !found || !isWord(field) || field == "http" || field == "https" {
		t.value = strings.ToLower(text)
		return t, nil
	}
	field = strings.ToLower(field)
	value += text[unq:]
	if !known(fields, field) {
		// The quoted term as it is typed, Go-escaped only when it holds a
		// control character (the message is one line).
		quoted := `"` + text + `"`
		if strings.ContainsFunc(text, unicode.IsControl) {
			quoted = strconv.Quote(quoted)
		}
		return term{}, fmt.Errorf("there is no field %q (fields: %s); to search for the text, quote it: %s",
			field+":", strings.Join(fields, ": ")+":", quoted)
	}
	t.field = field
	if value == "" {
		return term{}, fmt.Errorf("%s: needs a value, e.g. %s", field, example(field))
	}
	t.value = strings.ToLower(value)
	switch field {
	case "status":
		if !validStatus(t.value) {
			return term{}, fmt.Errorf("status:%s is not a status: use a code (401), a class (4xx, 40x) or err (no response)", value)
		}
	case "header":
		name, v, eq := strings.Cut(t.value, "=")
		if name == "" {
			return term{}, errors.New("header: needs a header name, e.g. header:Cookie or header:Authorization=Basic")
		}
		t.name, t.value, t.hasEq = name, v, eq
	case "has":
		if !known(hasValues, t.value) {
			return term{}, fmt.Errorf("has:%s is not known; has: takes %s", value, strings.Join(hasValues, " or "))
		}
	case "kind":
		if kinds := findingKinds(); !known(kinds, t.value) {
			return term{}, fmt.Errorf("kind:%s is no kind of finding; the kinds: %s", value, strings.Join(kinds, ", "))
		}
	}
	return t, nil
}

func example(field string) string {
	return map[string]string{"status": "status:401 or status:4xx", "method": "method:PATCH", "host": "host:gw",
		"path": "path:/Groups", "body": "body:userName", "has": "has:finding", "kind": "kind:dropped-cookie",
		"header": "header:Cookie"}[field]
}

// isWord: letters only (a field name; "127.0.0.1:8080" is not one).
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func known(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validStatus: three characters, digits or x, the first 1–5 or x; or err.
func validStatus(s string) bool {
	if s == "err" {
		return true
	}
	if len(s) != 3 || s == "xxx" {
		return false
	}
	for i := 0; i < 3; i++ {
		c := s[i]
		if c == 'x' {
			continue
		}
		if c < '0' || c > '9' || (i == 0 && (c < '1' || c > '5')) {
			return false
		}
	}
	return true
}

// findingKinds are the kinds the analyzers report, for kind:'s check.
func findingKinds() []string {
	var kinds []string
	for _, a := range analyze.All() {
		kinds = append(kinds, a.Name())
	}
	return kinds
}
