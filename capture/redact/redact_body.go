package redact

import (
	"bytes"
	"mime"
	"regexp"
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
