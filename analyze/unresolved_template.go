package analyze

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"

	"github.com/provtap/provtap/capture"
)

// KindUnresolvedTemplate: a request carried a connector placeholder that
// was never filled.
const KindUnresolvedTemplate = "unresolved-template"

// UnresolvedTemplate looks in each request — JSON body values (with a JSON
// pointer to each), form fields, XML (SOAP) elements, query parameters,
// path segments and header values — for what a connector's template left
// behind:
//
//   - a placeholder: `$plan.email$` (IdentityIQ), `${…}` (shell, Spring,
//     JavaScript), `{{…}}` (Mustache, Handlebars, Postman, Okta), `%NAME%`
//     (a whole value only: Windows and connector macros);
//   - the string "null" or "undefined" for a value;
//   - an empty value (or JSON null) where the sibling requests of the same
//     operation (same logical client, API, method and path with ids
//     replaced) that succeeded carried one, or that the refusal names.
//
// Choices:
//   - Severity: error when the request was refused (rejection(): 400, 422
//     and the rest; a 404 for a placeholder in the path). A placeholder in
//     a request that succeeded is a warning (the target stored it
//     literally) when it is the field's whole value and the sibling, if
//     any, had a real value there; inside a longer text (a notification
//     template, a description) it says nothing. "null" and empty values in
//     a request that succeeded say nothing: many APIs take empty optional
//     fields.
//   - Legitimate `$` and braces stay quiet: keys are never judged ("$ref"),
//     a placeholder needs a name inside its delimiters ("$5", "^[a-z]{3}$",
//     "Pa${ss" are no placeholders), and an empty or "null" field is
//     judged only on a refusal.
//   - Values are shown through maskValue: a credential field or header
//     never appears in full.
//   - Siblings are requests with a body (writes): a read's query is judged
//     for placeholders, and for empty values only when the refusal names
//     the parameter.
//   - Bounded: the last successful request of 1024 operations (bodies up
//     to 16 KiB copied), findings for up to 8 fields per request.
type UnresolvedTemplate struct {
	ops   map[opKey]*opSample
	order []opKey
}

// opKey is one operation of one logical client: the path with its ids
// replaced is kept as a hash (pathTemplate), so no string is built per flow.
type opKey struct {
	client, api, method string
	template            uint64
}

// opSample is the last request of an operation that succeeded.
type opSample struct {
	flow        int
	method      string
	path        string
	contentType string
	body        []byte
	query       url.Values
}

const (
	opsKept          = 1024
	opBodyKept       = 16 << 10
	templateFindings = 8
)

// NewUnresolvedTemplate returns the unresolved-template analyzer.
func NewUnresolvedTemplate() *UnresolvedTemplate {
	return &UnresolvedTemplate{ops: map[opKey]*opSample{}}
}

// Name implements Analyzer.
func (a *UnresolvedTemplate) Name() string { return KindUnresolvedTemplate }

// templateHit is one suspicious value.
type templateHit struct {
	where string // "JSON body", "form body", "query", "path", "header"
	field string // JSON pointer, parameter or header name, "segment 3"
	value string
	form  placeholderForm
	match string // the placeholder itself
	whole bool   // the placeholder is the whole value
}

type placeholderForm int

const (
	formNone     placeholderForm = iota
	formDollar                   // $plan.email$
	formBrace                    // ${…}
	formMustache                 // {{…}}
	formPercent                  // %NAME%
	formNull                     // "null", "undefined"
	formEmpty                    // "" or JSON null
)

var (
	dollarPattern   = regexp.MustCompile(`\$[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*\$`)
	bracePattern    = regexp.MustCompile(`\$\{[A-Za-z_][^{}\s]{0,80}\}`)
	mustachePattern = regexp.MustCompile(`\{\{\s*[A-Za-z_.$][^{}]{0,80}\}\}`)
	percentPattern  = regexp.MustCompile(`^%[A-Za-z_][A-Za-z0-9_.]*%$`)
)

// placeholder finds a template placeholder in v.
func placeholder(v string) (placeholderForm, string, bool) {
	if !hasTemplateByte(v) {
		return formNone, "", false
	}
	t := strings.TrimSpace(v)
	if m := bracePattern.FindString(v); m != "" {
		return formBrace, m, m == t
	}
	if m := mustachePattern.FindString(v); m != "" {
		return formMustache, m, m == t
	}
	if m := dollarPattern.FindString(v); m != "" && (m == t || strings.Contains(m, ".")) {
		return formDollar, m, m == t
	}
	if percentPattern.MatchString(t) {
		return formPercent, t, true
	}
	return formNone, "", false
}

// mayHold is a cheap test: could b hold a placeholder at all?
func mayHold(b []byte) bool {
	return bytes.IndexByte(b, '$') >= 0 || bytes.Contains(b, []byte("{{")) || bytes.IndexByte(b, '%') >= 0
}

// Observe implements Analyzer.
func (a *UnresolvedTemplate) Observe(fx *Facts, emit func(Finding)) {
	if !fx.judgeable() {
		return
	}
	f, scan := fx.Flow, &fx.templates
	keep := len(scan.body) > 0 && fx.Succeeded()
	if len(scan.hits) == 0 && !keep {
		return
	}
	key := opKey{fx.Client.Key, fx.API, f.Method, pathTemplate(fx.Path)}
	if len(scan.hits) > 0 {
		a.judge(fx, templateRejection(fx), key, scan.hits, emit)
	}
	if keep {
		a.remember(key, fx, scan.body, scan.ctype)
	}
}

// templateScan is what a request holds that a template may have failed to
// fill: its body (decoded, capped), that body's media type and the
// placeholders found (the flow alone decides them: they are computed with
// its facts).
type templateScan struct {
	body  []byte
	ctype string
	hits  []templateHit // at most 64
}

func scanTemplates(fx *Facts) templateScan {
	f := fx.Flow
	var s templateScan
	s.body = requestText(f, fx.reqHeader(hContentEncoding))
	if len(s.body) > 0 {
		s.ctype = strings.ToLower(fx.contentType)
	}
	add := func(h templateHit) {
		if len(s.hits) < 64 {
			s.hits = append(s.hits, h)
		}
	}
	// Empty and "null" values are judged on rejected requests only.
	full := fx.Refusal.Refused || rejectionStatuses[f.Status] || f.Status == 503
	scanPath(fx.Path, add)
	scanQuery(fx.Query, full, add)
	scanHeaders(f.RequestHeaders, add)
	if len(s.body) > 0 && (full || mayHold(s.body)) {
		scanBody(s.body, s.ctype, full, add)
	}
	return s
}

func (a *UnresolvedTemplate) judge(fx *Facts, ref Refusal, key opKey, hits []templateHit, emit func(Finding)) {
	f := fx.Flow
	sib := a.ops[key]
	emitted := 0
	seen := map[string]bool{}
	for _, h := range hits {
		if emitted >= templateFindings || seen[h.where+h.field] {
			continue
		}
		refused := ref.Refused || h.where == "path" && f.Status == 404
		sibValue, sibHas := "", false
		if sib != nil {
			sibValue, sibHas = sib.value(h)
		}
		sev := None
		switch h.form {
		case formEmpty, formNull:
			if refused && (sibHas && sibValue != "" && !isNullWord(sibValue) || ref.Refused && names(ref, h.field)) {
				sev = Error
			}
		default:
			switch {
			case refused:
				sev = Error
			case h.whole && (!sibHas || sibValue == "" || isPlainValue(sibValue)):
				sev = Warning
			}
		}
		if sev == None {
			continue
		}
		seen[h.where+h.field] = true
		emitted++
		fd := templateFinding(fx, ref, refused, h, sib, sibValue, sibHas, sev)
		fd.group = KindUnresolvedTemplate + "\x00" + fx.Client.Key + "\x00" + h.where + " " + h.field + "\x00" + fx.API
		emit(fd)
	}
}

// isPlainValue: a value with no placeholder in it.
func isPlainValue(v string) bool {
	form, _, _ := placeholder(v)
	return form == formNone && !isNullWord(v)
}

func isNullWord(v string) bool {
	return strings.EqualFold(v, "null") || strings.EqualFold(v, "undefined")
}

// names reports whether the refusal's words name the field (its last
// segment that is not a number, or "value"'s parent).
func names(ref Refusal, field string) bool {
	word := fieldWord(field)
	if len(word) < 2 {
		return false
	}
	text := strings.ToLower(ref.Reason)
	if ref.text != "" {
		text += " " + ref.text
	}
	w := strings.ToLower(word)
	for i := 0; ; {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isWordByte(text[j-1])
		after := j+len(w) == len(text) || !isWordByte(text[j+len(w)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// fieldWord is the name a message would use for a field: "/emails/0/value" → "emails".
func fieldWord(field string) string {
	parts := strings.Split(strings.Trim(field, "/"), "/")
	for i := len(parts) - 1; i >= 0; i-- {
		p := parts[i]
		if p == "" || allDigitsStr(p) || strings.EqualFold(p, "value") && i > 0 {
			continue
		}
		return p
	}
	return field
}

func allDigitsStr(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// templateRejection is whether the server rejected the request, for the
// severity rule (rejection(): the engine's refusal, or a 400/422-style one).
func templateRejection(fx *Facts) Refusal {
	r, _ := rejection(fx)
	return r
}

// requestText is the request body, decoded and capped.
func requestText(f *capture.Flow, enc string) []byte {
	if len(f.RequestBody.Bytes) == 0 {
		return nil
	}
	b := f.RequestBody.Bytes
	if enc != "" && !f.RequestBody.Decoded {
		b, _ = capture.DecodedBody(f.RequestBody, enc)
	}
	if len(b) > maxRefusalBody {
		b = b[:maxRefusalBody]
	}
	return b
}

// hasTemplateByte: s has a byte a placeholder starts or ends with. Three
// vectorized searches beat one loop over the bytes on every request
// header of every flow.
func hasTemplateByte(s string) bool {
	return strings.IndexByte(s, '$') >= 0 || strings.IndexByte(s, '{') >= 0 || strings.IndexByte(s, '%') >= 0
}

// remember keeps fx as its operation's latest success.
func (a *UnresolvedTemplate) remember(key opKey, fx *Facts, body []byte, ctype string) {
	s := a.ops[key]
	if s == nil {
		if len(a.order) >= opsKept {
			delete(a.ops, a.order[0])
			a.order = a.order[1:]
		}
		s = &opSample{}
		a.ops[key] = s
		a.order = append(a.order, key)
	}
	if len(body) > opBodyKept {
		body = nil // too big to keep: a sibling only by its query
	}
	s.flow, s.method, s.path, s.contentType = fx.Flow.ID, fx.Flow.Method, fx.Path, ctype
	s.body = append(s.body[:0], body...)
	s.query = fx.Query
}

// value is what the sibling sent in the hit's field.
func (s *opSample) value(h templateHit) (string, bool) {
	switch h.where {
	case "query":
		vs, ok := s.query[h.field]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	case "JSON body":
		var out string
		found := false
		walkJSON(s.body, func(ptr, v string, null bool) {
			if !found && ptr == h.field {
				out, found = v, true
			}
		})
		return out, found
	case "form body":
		q, err := url.ParseQuery(string(s.body))
		if err != nil {
			return "", false
		}
		vs, ok := q[h.field]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	return "", false
}
