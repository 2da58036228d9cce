package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// body redacts a copy of b, a message with headers hs (newHs: their
// redacted copy, whose Content-Length follows a change of length).
func (r *Redactor) body(b capture.Body, hs, newHs []capture.Header) capture.Body {
	if len(b.Bytes) == 0 {
		return b
	}
	out, data := b, b.Bytes
	ce := strings.TrimSpace(strings.ToLower(capture.HeaderValue(hs, "Content-Encoding")))
	encoded := !b.Decoded && ce != "" && ce != "identity"
	if encoded {
		dec, ok := capture.DecodedBody(b, ce)
		if !ok {
			// Nothing can be seen inside, so nothing can be kept.
			out.Bytes, out.Truncated = nil, true
			return out
		}
		data, out.Decoded = dec, true
	}
	red := r.bodyBytes(data, capture.HeaderValue(hs, "Content-Type"))
	out.Bytes = red
	if !encoded && len(red) != len(data) {
		out.Size += int64(len(red) - len(data))
		if !b.Truncated {
			fixLength(newHs, len(data), len(red))
		}
	}
	return out
}

// fixLength keeps a Content-Length that counted the body counting it.
func fixLength(hs []capture.Header, was, now int) {
	for i := range hs {
		if strings.EqualFold(hs[i].Name, "Content-Length") && strings.TrimSpace(hs[i].Value) == strconv.Itoa(was) {
			hs[i].Value = strconv.Itoa(now)
		}
	}
}

// bodyBytes redacts by the body's kind: JSON by key (keeping it valid
// JSON), forms and multipart by field name, XML by element and attribute
// name, other text by key=value patterns. JWTs and known secrets go
// everywhere afterwards (scrubFlow).
func (r *Redactor) bodyBytes(data []byte, contentType string) []byte {
	ct := mimeBase(contentType)
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case strings.Contains(ct, "json") || (len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')):
		w := &jsonWalker{r: r, b: data}
		if out, ok := w.rewrite(false); ok {
			return out
		}
		if !utf8.Valid(data) {
			return data
		}
		return []byte(r.textPairs(string(data)))
	case ct == "application/x-www-form-urlencoded":
		return []byte(r.params(string(data)))
	case !utf8.Valid(data):
		return data
	case strings.HasPrefix(ct, "multipart/"):
		return []byte(r.multipart(string(data)))
	case strings.Contains(ct, "xml") || (len(trimmed) > 0 && trimmed[0] == '<'):
		return []byte(r.xml(string(data)))
	}
	return []byte(r.textPairs(string(data)))
}

var (
	xmlElemText = regexp.MustCompile(`<((?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*))(\s[^<>]*)?>([^<]+)</`)
	xmlAttr     = regexp.MustCompile(`(\s(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)\s*=\s*)("[^"<]*"|'[^'<]*')`)
	xmlEntity   = regexp.MustCompile(`&[#\w]+;`)
	formPart    = regexp.MustCompile(`(?s)(Content-Disposition:[^\r\n]*\bname="([^"]*)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n)(.*?)(\r\n--)`)
	textPair    = regexp.MustCompile(`(?i)(["']?[\w.-]*(?:passw|secret|token|api[_-]?key|credential)[\w.-]*["']?\s*[:=]\s*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s"'&,;<>})\]]+)`)
)

// xml redacts the text of elements and the values of attributes with a
// credential-like local name (wsse:Password, BinarySecurityToken, …).
func (r *Redactor) xml(s string) string {
	s = xmlElemText.ReplaceAllStringFunc(s, func(m string) string {
		sm := xmlElemText.FindStringSubmatchIndex(m)
		if !httpx.IsSecretField(m[sm[4]:sm[5]]) {
			return m
		}
		return m[:sm[8]] + r.xmlText(m[sm[8]:sm[9]]) + m[sm[9]:]
	})
	return xmlAttr.ReplaceAllStringFunc(s, func(m string) string {
		sm := xmlAttr.FindStringSubmatch(m)
		if !httpx.IsSecretField(sm[2]) || len(sm[3]) < 3 {
			return m
		}
		q := sm[3][:1]
		return sm[1] + q + r.xmlText(sm[3][1:len(sm[3])-1]) + q
	})
}

// xmlText replaces character data, leaving entity references and the
// surrounding white space as they are.
func (r *Redactor) xmlText(t string) string {
	core := strings.TrimSpace(t)
	if core == "" {
		return t
	}
	lead := t[:strings.Index(t, core)]
	trail := t[len(lead)+len(core):]
	if !strings.Contains(core, "&") {
		return lead + r.secret(core) + trail
	}
	var b strings.Builder
	last := 0
	for _, loc := range xmlEntity.FindAllStringIndex(core, -1) {
		b.WriteString(r.secret(core[last:loc[0]]))
		b.WriteString(core[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(r.secret(core[last:]))
	return lead + b.String() + trail
}

// multipart redacts form-data fields with a credential-like name.
func (r *Redactor) multipart(s string) string {
	return formPart.ReplaceAllStringFunc(s, func(m string) string {
		sm := formPart.FindStringSubmatch(m)
		if !httpx.IsCredentialParam(sm[2]) || sm[3] == "" {
			return m
		}
		return sm[1] + r.secret(sm[3]) + sm[4]
	})
}

// textPairs redacts password=…, "token": "…" and the like in text that is
// no JSON or form (a log line, a truncated JSON body).
func (r *Redactor) textPairs(s string) string {
	return textPair.ReplaceAllStringFunc(s, func(m string) string {
		sm := textPair.FindStringSubmatch(m)
		v := sm[2]
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			return sm[1] + v[:1] + r.secret(v[1:len(v)-1]) + v[:1]
		}
		return sm[1] + r.secret(v)
	})
}

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

// mimeBase returns the media type without parameters, lower-cased.
func mimeBase(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	return mt
}

// normKey lower-cases and drops '-', '_' and '.', so a SCIM "path" and a
// "Path" key compare equal.
func normKey(s string) string { return keyNorm.Replace(strings.ToLower(s)) }

var keyNorm = strings.NewReplacer("-", "", "_", "", ".", "")
