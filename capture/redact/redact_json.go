package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture/httpx"
)

// JSON bodies: a walker that replaces the values of secret fields and keeps every other byte.

// jsonWalker rewrites secret values in a JSON document in place: every
// other byte (spacing, key order, numbers) stays as it was.
type jsonWalker struct {
	r     *Redactor
	b     []byte
	i     int
	keep  map[string]bool // JWT claims mode: every value is secret but these
	edits []jsonEdit
}

type jsonEdit struct {
	start, end int
	repl       []byte
}

var errJSON = errors.New("not JSON")

// rewrite returns the document with secrets replaced; all marks every value
// secret (a JWT payload). ok is false when the bytes are not one JSON value.
func (w *jsonWalker) rewrite(all bool) ([]byte, bool) {
	if err := w.value(all); err != nil {
		return nil, false
	}
	if w.ws(); w.i != len(w.b) {
		return nil, false
	}
	sort.Slice(w.edits, func(i, j int) bool { return w.edits[i].start < w.edits[j].start })
	var out bytes.Buffer
	out.Grow(len(w.b))
	last := 0
	for _, e := range w.edits {
		out.Write(w.b[last:e.start])
		out.Write(e.repl)
		last = e.end
	}
	out.Write(w.b[last:])
	return out.Bytes(), true
}

func (w *jsonWalker) ws() {
	for w.i < len(w.b) && (w.b[w.i] == ' ' || w.b[w.i] == '\t' || w.b[w.i] == '\n' || w.b[w.i] == '\r') {
		w.i++
	}
}

func (w *jsonWalker) value(secret bool) error {
	if w.ws(); w.i >= len(w.b) {
		return errJSON
	}
	start := w.i
	switch c := w.b[w.i]; {
	case c == '{':
		return w.object(secret)
	case c == '[':
		w.i++
		if w.ws(); w.i < len(w.b) && w.b[w.i] == ']' {
			w.i++
			return nil
		}
		for {
			if err := w.value(secret); err != nil {
				return err
			}
			if w.ws(); w.i >= len(w.b) {
				return errJSON
			}
			w.i++
			if w.b[w.i-1] == ']' {
				return nil
			} else if w.b[w.i-1] != ',' {
				return errJSON
			}
		}
	case c == '"':
		s, err := w.str()
		if err == nil && secret {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			fn := w.r.secret
			if w.keep != nil {
				fn = w.r.pseudo // JWT claims: identities, not credentials
			}
			enc.Encode(fn(s))
			w.edits = append(w.edits, jsonEdit{start, w.i, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))})
		}
		return err
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(w.b[w.i:], []byte(lit)) {
				w.i += len(lit)
				return nil
			}
		}
		return errJSON
	default:
		for w.i < len(w.b) && strings.IndexByte("+-0123456789.eE", w.b[w.i]) >= 0 {
			w.i++
		}
		num := string(w.b[start:w.i])
		if _, err := strconv.ParseFloat(num, 64); err != nil && !errors.Is(err, strconv.ErrRange) {
			return errJSON
		}
		if secret && w.keep == nil { // a numeric PIN or password
			w.edits = append(w.edits, jsonEdit{start, w.i, []byte(validNumber(w.r.secret(num)))})
		}
		return nil
	}
}

// validNumber fixes a stand-in whose first digit became a leading zero.
func validNumber(s string) string {
	i := 0
	if strings.HasPrefix(s, "-") {
		i = 1
	}
	if len(s) > i+1 && s[i] == '0' && s[i+1] >= '0' && s[i+1] <= '9' {
		return s[:i] + "1" + s[i+1:]
	}
	return s
}

// str reads a string token and returns its value.
func (w *jsonWalker) str() (string, error) {
	start := w.i
	w.i++
	escaped := false
	for ; w.i < len(w.b); w.i++ {
		switch c := w.b[w.i]; {
		case c == '\\':
			escaped = true
			w.i++
		case c == '"':
			w.i++
			if !escaped {
				return string(w.b[start+1 : w.i-1]), nil
			}
			var s string
			if err := json.Unmarshal(w.b[start:w.i], &s); err != nil {
				return "", errJSON
			}
			return s, nil
		case c < 0x20:
			return "", errJSON
		}
	}
	return "", errJSON
}

type jsonMember struct {
	key        string
	start, end int
	str        string // the value, when a string
}

// object walks members; a value under a credential-like key is secret, and
// so is "value" beside "path": "password" (a SCIM PATCH operation) or
// "name": "password".
func (w *jsonWalker) object(secret bool) error {
	w.i++
	if w.ws(); w.i < len(w.b) && w.b[w.i] == '}' {
		w.i++
		return nil
	}
	var ms []jsonMember
	for {
		if w.ws(); w.i >= len(w.b) || w.b[w.i] != '"' {
			return errJSON
		}
		key, err := w.str()
		if err != nil {
			return err
		}
		if w.ws(); w.i >= len(w.b) || w.b[w.i] != ':' {
			return errJSON
		}
		w.i++
		w.ws()
		child := secret || httpx.IsSecretField(key)
		if w.keep != nil {
			child = !w.keep[key]
		}
		m := jsonMember{key: key, start: w.i}
		if err := w.value(child); err != nil {
			return err
		}
		m.end = w.i
		if w.b[m.start] == '"' {
			json.Unmarshal(w.b[m.start:m.end], &m.str)
		}
		ms = append(ms, m)
		if w.ws(); w.i >= len(w.b) {
			return errJSON
		}
		w.i++
		if w.b[w.i-1] == '}' {
			break
		} else if w.b[w.i-1] != ',' {
			return errJSON
		}
	}
	if secret || w.keep != nil {
		return nil
	}
	named := false
	for _, m := range ms {
		if k := normKey(m.key); (k == "path" || k == "name" || k == "attribute") && httpx.IsSecretField(lastSegment(m.str)) {
			named = true
		}
	}
	if !named {
		return nil
	}
	end := w.i
	for _, m := range ms {
		if normKey(m.key) != "value" || httpx.IsSecretField(m.key) {
			continue
		}
		kept := w.edits[:0]
		for _, e := range w.edits {
			if e.start < m.start || e.start >= m.end {
				kept = append(kept, e)
			}
		}
		w.edits = kept
		w.i = m.start
		if err := w.value(true); err != nil {
			return err
		}
	}
	w.i = end
	return nil
}

// lastSegment is "password" of "urn:…:User:password" or "credentials.password".
func lastSegment(s string) string {
	if i := strings.LastIndexAny(s, ":./"); i >= 0 {
		return s[i+1:]
	}
	return s
}
