package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Reading a lookup: its filter as sent and as decoded, and what the server answered it.

// filterClause is `attr op value`; SCIM quotes strings in double quotes,
// OData in single quotes.
var filterClause = regexp.MustCompile(`(?i)([A-Za-z][\w.:$-]*)\s+(eq)\s+("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s()]+)`)

// lookupAttrs are the attributes a connector correlates on.
var lookupAttrs = setOf("username", "externalid", "displayname")

// parseLookup reads a filtered GET and classifies its answer.
func parseLookup(fx *Facts) *lookup {
	param := "filter"
	vs, ok := fx.Query["filter"]
	if !ok {
		if vs, ok = fx.Query["$filter"]; !ok {
			return nil
		}
		param = "$filter"
	}
	if len(vs) == 0 {
		return nil
	}
	f := fx.Flow
	if f.Status >= 300 && f.Status != 404 {
		return nil
	}
	filter := vs[0]
	var l *lookup
	for _, m := range filterClause.FindAllStringSubmatch(filter, 4) {
		attr := m[1]
		if !lookupAttrs[strings.ToLower(baseAttr(attr))] {
			continue
		}
		l = &lookup{attr: attr, op: m[2], clause: m[0], param: param}
		l.value = unquoteFilter(m[3], &l.notes)
		break
	}
	if l == nil {
		return nil
	}
	l.id, l.at, l.end, l.method, l.respStatus = f.ID, f.Start, f.End, f.Method, f.Status
	l.path, l.shown = normPath(fx.Path), pathOnly(f)
	l.raw = rawParam(f.Target, param)
	if strings.Contains(l.raw, "+") && strings.Contains(l.clause, " ") {
		l.notes = append(l.notes, "The query encodes spaces as `+`: form encoding, which a server that decodes the query as RFC 3986 "+
			"(%20) reads as a literal plus.")
	}
	if l.attr != baseAttr(l.attr) || !isCanonicalAttr(baseAttr(l.attr)) {
		l.notes = append(l.notes, fmt.Sprintf("The attribute is spelled %q: attribute names are case-insensitive (RFC 7644 §3.4.2.2), "+
			"some servers compare them as written.", l.attr))
	}
	if l.op != "eq" {
		l.notes = append(l.notes, fmt.Sprintf("The operator is spelled %q: operators are case-insensitive, some servers want \"eq\".", l.op))
	}
	classifyAnswer(fx, l)
	return l
}

func isCanonicalAttr(a string) bool {
	return a == "userName" || a == "externalId" || a == "displayName"
}

// baseAttr drops a schema URN prefix: "urn:…:User:userName" → "userName".
func baseAttr(a string) string {
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		return a[i+1:]
	}
	return a
}

func unquoteFilter(v string, notes *[]string) string {
	switch {
	case strings.HasPrefix(v, `"`):
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
		return strings.Trim(v, `"`)
	case strings.HasPrefix(v, "'"):
		*notes = append(*notes, "The value is in single quotes (OData); SCIM filters quote strings in double quotes (RFC 7644 §3.4.2.2).")
		return strings.ReplaceAll(strings.Trim(v, "'"), "''", "'")
	}
	*notes = append(*notes, "The value is not quoted; SCIM filters quote strings in double quotes (RFC 7644 §3.4.2.2).")
	return v
}

// rawParam is name=value as the request-target carried it.
func rawParam(target, name string) string {
	_, q, ok := strings.Cut(target, "?")
	if !ok {
		return ""
	}
	for _, p := range strings.Split(q, "&") {
		k, _, _ := strings.Cut(p, "=")
		if k == name || strings.EqualFold(strings.ReplaceAll(k, "%24", "$"), name) {
			return p
		}
	}
	return ""
}

// classifyAnswer decides whether the lookup found the value, and describes
// its answer.
func classifyAnswer(fx *Facts, l *lookup) {
	f := fx.Flow
	body := bytes.TrimSpace(fx.ResponseText())
	ct := fx.respHeader(hContentType)
	desc := strconv.Itoa(f.Status)
	if ct != "" {
		desc += " " + shorten(ct, 40)
	}
	switch {
	case f.Status == 404:
		l.shape, l.nonList = desc+", not a ListResponse with totalResults 0", true
		return
	case len(body) == 0:
		l.shape, l.nonList = desc+" with an empty body", true
		return
	case body[0] == '<' || strings.Contains(strings.ToLower(ct), "html"):
		l.shape, l.nonList = desc+" with HTML ("+shorten(strings.TrimSpace(reasonFromHTML(body)), 60)+"), not JSON", true
		return
	case body[0] == '[':
		var items []map[string]any
		if json.Unmarshal(body, &items) != nil {
			l.shape, l.nonList = desc+" with a JSON array the connector could not read as resources", true
			return
		}
		if len(items) == 0 {
			l.shape, l.nonList = desc+" with a bare empty array `[]`, not a ListResponse", true
			return
		}
		l.judgeResources(items, desc+" with a bare array, not a ListResponse")
		if !l.found {
			l.nonList = true
		}
		return
	case body[0] != '{':
		l.shape, l.nonList = desc+" with a body that is not JSON", true
		return
	}
	var doc struct {
		Schemas      []string         `json:"schemas"`
		TotalResults *json.Number     `json:"totalResults"`
		Resources    []map[string]any `json:"Resources"`
	}
	if json.Unmarshal(body, &doc) != nil {
		l.shape, l.nonList = desc+" with JSON that is not a ListResponse", true
		return
	}
	list := false
	for _, s := range doc.Schemas {
		list = list || s == "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	}
	var dev []string
	if !list {
		dev = append(dev, "no ListResponse schema")
	}
	if doc.TotalResults == nil {
		dev = append(dev, "no totalResults")
	}
	conform := "a conformant ListResponse"
	if len(dev) > 0 {
		conform = "a ListResponse with " + joinAnd(dev)
	}
	if doc.Resources == nil && doc.TotalResults == nil && !list {
		l.shape, l.nonList = desc+" with a JSON object that is not a ListResponse", true
		return
	}
	if len(doc.Resources) == 0 {
		total := "0"
		if doc.TotalResults != nil {
			total = doc.TotalResults.String()
		}
		l.shape = fmt.Sprintf("%s, totalResults %s and no Resources (%s)", desc, total, conform)
		if total != "0" {
			l.shape += ": totalResults says there were some"
		}
		return
	}
	l.judgeResources(doc.Resources, fmt.Sprintf("%s, %s", desc, conform))
}

// judgeResources: the value among the resources is found; other values
// only mean the filter was ignored.
func (l *lookup) judgeResources(items []map[string]any, desc string) {
	attr := baseAttr(l.attr)
	var others []string
	for _, it := range items {
		v, _ := fieldFold(it, attr)
		if strings.EqualFold(v, l.value) {
			l.found, l.foundAs = true, v
			l.shape = desc
			return
		}
		if v != "" && len(others) < 3 {
			others = append(others, strconv.Quote(shorten(v, 30)))
		}
	}
	l.ignored = true
	l.shape = fmt.Sprintf("%s, with %d resources none of which has %s %q", desc, len(items), attr, shorten(l.value, 40))
	if len(others) > 0 {
		l.shape += " (" + strings.Join(others, ", ") + "…)"
	}
	l.shape += ": the server ignored the filter"
}

func reasonFromHTML(body []byte) string {
	if m := htmlTitle.FindSubmatch(body); m != nil {
		return "title “" + strings.TrimSpace(string(m[1])) + "”"
	}
	return "no title"
}

var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// jsonObject parses a JSON object body (nil when it is not one).
func jsonObject(b []byte) map[string]any {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return nil
	}
	return doc
}

// fieldFold is doc's string field named name, matched case-insensitively
// (SCIM attribute names are), the lexically first spelling on a tie.
func fieldFold(doc map[string]any, name string) (string, bool) {
	if s, ok := doc[name].(string); ok {
		return s, true
	}
	var keys []string
	for k := range doc {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	for _, k := range sortedStrings(keys) {
		if s, ok := doc[k].(string); ok {
			return s, true
		}
	}
	return "", false
}

func normPath(p string) string { return strings.ToLower(strings.TrimSuffix(p, "/")) }

// scimTypeOf is a SCIM error's scimType.
func scimTypeOf(body []byte) string {
	if !bytes.Contains(body, []byte("scimType")) {
		return ""
	}
	var doc struct {
		ScimType string `json:"scimType"`
	}
	_ = json.Unmarshal(bytes.TrimSpace(body), &doc)
	return doc.ScimType
}

// spelledIn is value as body spells it (compared case-insensitively), ""
// when the body does not contain it.
func spelledIn(body []byte, value string) string {
	if value == "" || len(body) == 0 {
		return ""
	}
	i := bytes.Index(bytes.ToLower(body), []byte(strings.ToLower(value)))
	if i < 0 || len(bytes.ToLower(body)) != len(body) {
		return ""
	}
	return string(body[i : i+len(value)])
}
