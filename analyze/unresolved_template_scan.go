package analyze

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
)

// Where placeholders hide: the path, the query, headers, JSON, form and XML bodies.

func scanPath(path string, add func(templateHit)) {
	if !hasTemplateByte(path) {
		return
	}
	for i, seg := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		if strings.IndexByte(seg, '%') >= 0 {
			if dec, err := url.PathUnescape(seg); err == nil {
				seg = dec
			}
		}
		if form, m, whole := placeholder(seg); form != formNone {
			add(templateHit{where: "path", field: "segment " + strconv.Itoa(i+1), value: seg, form: form, match: m, whole: whole})
		}
	}
}

func scanQuery(q url.Values, full bool, add func(templateHit)) {
	if len(q) == 0 {
		return
	}
	suspect := false
	for _, vs := range q {
		for _, v := range vs {
			if hasTemplateByte(v) || full && (v == "" || isNullWord(strings.TrimSpace(v))) {
				suspect = true
			}
		}
	}
	if !suspect {
		return
	}
	for _, n := range sortedNames(q) {
		for _, v := range q[n] {
			visitValue("query", n, v, false, full, add)
		}
	}
}

// skipHeaders are headers a template does not fill.
var skipHeaders = setOf("host", "cookie", "content-length", "user-agent", "accept", "accept-encoding", "connection",
	"content-type", "if-match", "if-none-match", "traceparent", "tracestate")

func scanHeaders(hs []capture.Header, add func(templateHit)) {
	for _, h := range hs {
		if !hasTemplateByte(h.Value) {
			continue
		}
		if skipHeaders[strings.ToLower(h.Name)] {
			continue
		}
		if form, m, whole := placeholder(h.Value); form != formNone {
			if scheme, rest, ok := strings.Cut(h.Value, " "); ok && strings.TrimSpace(rest) == m && len(scheme) < 12 {
				whole = true // "Bearer ${token}"
			}
			add(templateHit{where: "header", field: h.Name, value: h.Value, form: form, match: m, whole: whole})
		}
	}
}

func scanBody(body []byte, ctype string, full bool, add func(templateHit)) {
	t := bytes.TrimSpace(body)
	switch {
	case strings.Contains(ctype, "json") || len(t) > 0 && (t[0] == '{' || t[0] == '['):
		if !jsonMayHold(t) && (!full || !jsonMayHoldEmpty(t)) {
			return // no placeholder, and no value that could be empty or null: no need to decode
		}
		walkJSON(t, func(ptr, v string, null bool) { visitValue("JSON body", ptr, v, null, full, add) })
	case strings.Contains(ctype, "xml") || len(t) > 0 && t[0] == '<':
		scanXML(string(t), add)
	case strings.Contains(ctype, "x-www-form-urlencoded"):
		q, err := url.ParseQuery(string(t))
		if err != nil {
			return
		}
		for _, n := range sortedNames(q) {
			for _, v := range q[n] {
				visitValue("form body", n, v, false, full, add)
			}
		}
	}
}

// scanXML finds placeholders in an XML (SOAP) body, each named by the
// element it is in; empty elements are not judged (XML has no one way to
// say "no value").
func scanXML(doc string, add func(templateHit)) {
	for _, re := range []*regexp.Regexp{bracePattern, mustachePattern, dollarPattern} {
		for _, loc := range re.FindAllStringIndex(doc, templateFindings) {
			m := doc[loc[0]:loc[1]]
			form, _, _ := placeholder(m)
			if form == formNone {
				continue
			}
			elem := "?"
			if i := strings.LastIndexByte(doc[:loc[0]], '<'); i >= 0 {
				tag := strings.TrimLeft(doc[i+1:loc[0]], "/")
				if j := strings.IndexAny(tag, " \t\r\n/>"); j >= 0 {
					tag = tag[:j]
				}
				elem = "<" + tag + ">"
			}
			before, after := doc[:loc[0]], doc[loc[1]:]
			whole := strings.HasSuffix(strings.TrimSpace(before), ">") && strings.HasPrefix(strings.TrimSpace(after), "<")
			add(templateHit{where: "XML body", field: elem, value: m, form: form, match: m, whole: whole})
		}
	}
}

// visitValue judges one value; empty and "null" ones only when full.
func visitValue(where, field, v string, null, full bool, add func(templateHit)) {
	switch {
	case null || v == "":
		if full {
			add(templateHit{where: where, field: field, value: v, form: formEmpty, whole: true})
		}
	case isNullWord(strings.TrimSpace(v)):
		if full {
			add(templateHit{where: where, field: field, value: v, form: formNull, match: strings.TrimSpace(v), whole: true})
		}
	default:
		if form, m, whole := placeholder(v); form != formNone {
			add(templateHit{where: where, field: field, value: v, form: form, match: m, whole: whole})
		}
	}
}

// jsonMayHold reports whether a string value of the JSON document doc
// could hold a placeholder (placeholder's forms): the text of the forms
// appears in doc as it is unless an escape (\u0024) spells it.
func jsonMayHold(doc []byte) bool {
	return bytes.Contains(doc, []byte(`\u`)) || bytes.Contains(doc, []byte("${")) || bytes.Contains(doc, []byte("{{")) ||
		hasDelimitedName(doc, '$') || hasDelimitedName(doc, '%')
}

// jsonMayHoldEmpty reports whether a value of doc could be empty or a null
// word (visitValue's other hits, judged on rejected requests): a null, an
// empty string, or "null"/"undefined" spelled out in some case (escapes
// are jsonMayHold's \u test). ASCII folding suffices: no other letter
// folds to these words' letters.
func jsonMayHoldEmpty(doc []byte) bool {
	return bytes.Contains(doc, []byte(`""`)) || hasWordFold(doc, "null") || hasWordFold(doc, "undefined")
}

// hasWordFold reports lower-case ASCII word in b, in any ASCII case.
func hasWordFold(b []byte, word string) bool {
	for i := 0; i+len(word) <= len(b); i++ {
		j := 0
		for j < len(word) && b[i+j]|0x20 == word[j] {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}

// hasDelimitedName reports d, a name ([A-Za-z_] then [A-Za-z0-9_.]*), d in b:
// what dollarPattern and percentPattern need.
func hasDelimitedName(b []byte, d byte) bool {
	for {
		i := bytes.IndexByte(b, d)
		if i < 0 {
			return false
		}
		b = b[i+1:]
		if len(b) == 0 || !isNameStart(b[0]) {
			continue
		}
		j := 1
		for j < len(b) && (isNameStart(b[j]) || b[j] == '.' || '0' <= b[j] && b[j] <= '9') {
			j++
		}
		if j < len(b) && b[j] == d {
			return true
		}
	}
}

func isNameStart(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' }

// walkJSON calls visit for every string and null value of doc with its
// JSON pointer (RFC 6901); numbers and booleans are not templates' output.
func walkJSON(doc []byte, visit func(ptr, v string, null bool)) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var walk func(ptr string, depth int) error
	walk = func(ptr string, depth int) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			if depth > 32 {
				return io.EOF
			}
			switch t {
			case '{':
				for dec.More() {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					ks, _ := k.(string)
					if err := walk(ptr+"/"+escapePointer(ks), depth+1); err != nil {
						return err
					}
				}
				_, err = dec.Token()
				return err
			case '[':
				for i := 0; dec.More(); i++ {
					if err := walk(ptr+"/"+strconv.Itoa(i), depth+1); err != nil {
						return err
					}
				}
				_, err = dec.Token()
				return err
			}
		case string:
			visit(ptr, t, false)
		case nil:
			visit(ptr, "", true)
		}
		return nil
	}
	_ = walk("", 0)
}

func escapePointer(s string) string {
	if strings.IndexByte(s, '~') < 0 && strings.IndexByte(s, '/') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// pathTemplate is a hash (FNV-1a) of the path with its ids replaced:
// one operation whatever the resource.
func pathTemplate(p string) uint64 {
	h := uint64(14695981039346656037)
	mix := func(c byte) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	for start := 0; start <= len(p); {
		end := strings.IndexByte(p[start:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += start
		}
		if seg := p[start:end]; isIDSegment(seg) {
			mix('{')
			mix('}')
		} else {
			for i := 0; i < len(seg); i++ {
				mix(seg[i])
			}
		}
		mix('/')
		start = end + 1
	}
	return h
}

// isIDSegment: a segment with a digit, a placeholder or an escape in it,
// or a long one (a name or an id).
func isIDSegment(s string) bool {
	if len(s) > 24 {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c == '$' || c == '%' || c == '{' || c == '@' || c == '(' {
			return true
		}
	}
	return false
}
