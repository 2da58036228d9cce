package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// KindLookupCreateConflict: a lookup (`GET …/Users?filter=userName eq "x"`)
// found nothing and the create that followed, for the same user, got 409.
const KindLookupCreateConflict = "lookup-create-conflict"

// LookupCreateConflict ties a create refused for uniqueness to the lookup
// before it that said the resource did not exist.
//
// Choices:
//   - A lookup is a GET with a `filter` (SCIM) or `$filter` (OData) query
//     parameter holding an `eq` on userName, externalId or displayName (a
//     URN prefix allowed, other clauses ignored).
//   - "Found nothing": 404; an empty body; HTML; `[]`; a ListResponse with
//     totalResults 0 or no Resources; or a list whose resources all have
//     another value (the server ignored the filter). A list with the value
//     (compared case-insensitively, as userName's caseExact=false wants) is
//     "found", and a create after it is not this kind.
//   - The create is a POST to the lookup's path by the same logical client
//     at the same API, within 10 minutes, whose body carries the same
//     attribute with the same value (case-insensitively), refused with 409
//     or with scimType uniqueness: an error, related to the lookup.
//   - Two threads racing (one of them created the value between the lookup
//     and this create, with success): that is a race the server settled,
//     not a lookup that missed; info.
//   - Evidence: the filter as sent and as decoded (`+` for a space, quoting,
//     the case of attribute and operator), the lookup's answer against RFC
//     7644's ListResponse, the 409 and how the server spells the value in it.
//   - State is bounded: per client and API the last 32 lookups, per API the
//     last 32 successful creates, 4096 clients×APIs.
type LookupCreateConflict struct {
	scopes  map[scope]*lookupScope
	order   []scope
	creates map[string]*createRing // per API
	corder  []string
	// looked is the APIs where lookups were seen: only there are creates
	// worth remembering (bounded with the scopes).
	looked map[string]bool
}

type lookupScope struct {
	ring [lookupsKept]*lookup
	n    int
}

type createRing struct {
	ring [lookupsKept]createdRef
	n    int
}

type createdRef struct {
	id    int
	at    time.Time
	path  string
	value string // lower-cased
}

// lookup is one filtered GET and what it found.
type lookup struct {
	id         int
	at, end    time.Time
	path       string // lower-cased, without a trailing slash
	shown      string // the path as sent
	method     string
	attr       string // as the filter spelled it
	op         string
	value      string // decoded, unquoted
	clause     string // the clause as decoded
	param      string // "filter" or "$filter"
	raw        string // the parameter as sent
	notes      []string
	shape      string // what the answer was, for the detail
	ignored    bool   // a list that ignored the filter
	nonList    bool   // not a ListResponse at all
	found      bool
	foundAs    string // the value as the server spells it, when found
	respStatus int
}

const (
	lookupsKept  = 32
	lookupScopes = 4096
	lookupWindow = 10 * time.Minute
)

// NewLookupCreateConflict returns the lookup-create-conflict analyzer.
func NewLookupCreateConflict() *LookupCreateConflict {
	return &LookupCreateConflict{scopes: map[scope]*lookupScope{}, creates: map[string]*createRing{}, looked: map[string]bool{}}
}

// Name implements Analyzer.
func (a *LookupCreateConflict) Name() string { return KindLookupCreateConflict }

// Observe implements Analyzer.
func (a *LookupCreateConflict) Observe(fx *Facts, emit func(Finding)) {
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	f := fx.Flow
	switch f.Method {
	case "GET":
		if fx.Query == nil {
			return
		}
		if l := parseLookup(fx); l != nil {
			key := scope{fx.Client.Key, fx.API}
			sc := a.scopes[key]
			if sc == nil {
				sc = &lookupScope{}
				a.scopes[key] = sc
				a.order = append(a.order, key)
				if len(a.order) > lookupScopes {
					delete(a.scopes, a.order[0])
					a.order = a.order[1:]
				}
			}
			sc.ring[sc.n%lookupsKept] = l
			sc.n++
			if !a.looked[fx.API] {
				if len(a.looked) >= lookupScopes {
					clear(a.looked)
				}
				a.looked[fx.API] = true
			}
		}
	case "POST":
		if f.Status >= 200 && f.Status < 300 && !fx.Refusal.Refused {
			a.noteCreate(fx)
			return
		}
		ref, ok := uniquenessConflict(fx)
		if !ok {
			return
		}
		sc := a.scopes[scope{fx.Client.Key, fx.API}]
		if sc == nil {
			return
		}
		a.judge(fx, ref, sc, emit)
	}
}

// uniquenessConflict: the create was refused because the resource exists.
func uniquenessConflict(fx *Facts) (Refusal, bool) {
	r, ok := rejection(fx)
	return r, ok && (fx.Flow.Status == 409 || r.says("uniqueness"))
}

func (a *LookupCreateConflict) noteCreate(fx *Facts) {
	if !a.looked[fx.API] {
		return
	}
	body := fx.Flow.RequestBody.Bytes
	if len(body) == 0 || len(body) > 64<<10 || bytes.IndexByte(body, '{') < 0 {
		return
	}
	doc := jsonObject(body)
	if doc == nil {
		return
	}
	var v string
	for _, attr := range []string{"userName", "externalId", "displayName"} {
		if s, ok := fieldFold(doc, attr); ok {
			v = s
			break
		}
	}
	if v == "" {
		return
	}
	cr := a.creates[fx.API]
	if cr == nil {
		cr = &createRing{}
		a.creates[fx.API] = cr
		a.corder = append(a.corder, fx.API)
		if len(a.corder) > lookupScopes {
			delete(a.creates, a.corder[0])
			a.corder = a.corder[1:]
		}
	}
	cr.ring[cr.n%lookupsKept] = createdRef{fx.Flow.ID, fx.Flow.End, normPath(fx.Path), strings.ToLower(v)}
	cr.n++
}

func (a *LookupCreateConflict) judge(fx *Facts, ref Refusal, sc *lookupScope, emit func(Finding)) {
	f := fx.Flow
	doc := jsonObject(f.RequestBody.Bytes)
	if doc == nil {
		return
	}
	path := normPath(fx.Path)
	var l *lookup
	var value string
	for i := 0; i < min(sc.n, lookupsKept); i++ {
		c := sc.ring[(sc.n-1-i)%lookupsKept]
		if c.path != path || c.id >= f.ID || f.Start.Sub(c.at) > lookupWindow {
			continue
		}
		v, ok := fieldFold(doc, baseAttr(c.attr))
		if !ok || !strings.EqualFold(v, c.value) {
			continue
		}
		l, value = c, v
		break
	}
	if l == nil || l.found {
		return
	}
	if cr := a.creates[fx.API]; cr != nil {
		for i := 0; i < min(cr.n, lookupsKept); i++ {
			c := cr.ring[(cr.n-1-i)%lookupsKept]
			if c.path == path && c.value == strings.ToLower(value) && c.id > l.id && c.id < f.ID {
				emit(raceFinding(fx, ref, l, c, value))
				return
			}
		}
	}
	fd := conflictFinding(fx, ref, l, value)
	fd.group = KindLookupCreateConflict + "\x00" + fx.Client.Key + "\x00" + fx.API + "\x00" + strings.ToLower(baseAttr(l.attr))
	emit(fd)
}

func raceFinding(fx *Facts, ref Refusal, l *lookup, c createdRef, value string) Finding {
	f := fx.Flow
	fd := Finding{Kind: KindLookupCreateConflict, Severity: Info, Flow: f.ID, Related: related(f.ID, []int{l.id, c.id}),
		Title: fmt.Sprintf("%s %s lost a race: #%d created %q after lookup #%d", f.Method, shorten(pathOnly(f), 50), c.id,
			shorten(value, 40), l.id),
		Detail: fmt.Sprintf("#%d looked up %s and found nothing; #%d (another request of this client, likely another thread) "+
			"created %q after that lookup, so this create got %s. The lookup was right when it ran: two threads provisioned the same "+
			"identity at once.", l.id, l.clause, c.id, shorten(value, 60), ref.Summary()),
		Fix: "Let the connector treat a 409 uniqueness on create as \"exists\": read the resource again and update it; or " +
			"serialise provisioning of one identity (one thread per identity)."}
	fd.group = KindLookupCreateConflict + "\x00" + fx.Client.Key + "\x00" + fx.API + "\x00race"
	return fd
}

func conflictFinding(fx *Facts, ref Refusal, l *lookup, value string) Finding {
	f := fx.Flow
	var d strings.Builder
	fmt.Fprintf(&d, "#%d (%s %s) looked the resource up with %s=%s", l.id, l.method, shorten(l.shown, 60), l.param, shorten(l.clause, 120))
	if l.raw != "" && l.raw != l.param+"="+l.clause {
		fmt.Fprintf(&d, " (as sent: %s)", shorten(l.raw, 160))
	}
	fmt.Fprintf(&d, " and found nothing: %s.", l.shape)
	for _, n := range l.notes {
		d.WriteString(" ")
		d.WriteString(n)
	}
	fmt.Fprintf(&d, " This %s then created %s %q, and the server refused it: %s", f.Method, baseAttr(l.attr), shorten(value, 60),
		ref.Summary())
	scimType := scimTypeOf(fx.ResponseText())
	if scimType != "" {
		fmt.Fprintf(&d, " (scimType %s)", scimType)
	}
	d.WriteString(": the resource exists.")
	held := spelledIn(fx.ResponseText(), l.value)
	caseMismatch := held != "" && held != l.value
	if caseMismatch {
		fmt.Fprintf(&d, " The server holds it as %q, the lookup asked for %q.", held, l.value)
	}
	attr := baseAttr(l.attr)
	switch {
	case l.ignored:
		d.WriteString(" The list did not honour the filter: RFC 7644 §3.4.2.2 asks a server to return only the matching " +
			"resources, or 400 invalidFilter for a filter it does not support.")
	case l.nonList:
		d.WriteString(" RFC 7644 §3.4.2 answers a query with a ListResponse (schemas " +
			"urn:ietf:params:scim:api:messages:2.0:ListResponse, totalResults, Resources); the connector read this answer as \"no such resource\".")
	case strings.EqualFold(attr, "userName") || caseMismatch:
		d.WriteString(" The lookup and the uniqueness check disagree on " + attr + ": userName is caseExact=false in the core schema " +
			"(RFC 7643 §4.1.1), so `eq` must match it case-insensitively (RFC 7644 §3.4.2.2); this server's filter found nothing " +
			"for a value its uniqueness check matched.")
	default:
		d.WriteString(" The lookup and the uniqueness check disagree on " + attr + ".")
	}
	title := fmt.Sprintf("%s %s got %d for %q after lookup #%d found nothing", f.Method, shorten(pathOnly(f), 50), f.Status,
		shorten(value, 40), l.id)
	return Finding{Kind: KindLookupCreateConflict, Severity: Error, Flow: f.ID, Related: related(f.ID, []int{l.id}),
		Title: title, Detail: d.String(), Fix: conflictFix(l, attr, caseMismatch)}
}

func conflictFix(l *lookup, attr string, caseMismatch bool) string {
	var fix string
	switch {
	case l.ignored:
		fix = "The server ignores `" + l.param + "`: fix its filter support (or point the connector at the endpoint that supports it), " +
			"or set the connector to match accounts itself on a full read of the list."
	case l.nonList:
		fix = "The lookup did not get a SCIM ListResponse: check the lookup URL (base path, /Users), the Accept header and the account's " +
			"read permission. A connector that takes any answer but a list as \"not found\" creates duplicates."
	default:
		fix = "On the server, make `eq` on " + attr + " case-insensitive, as its uniqueness check already is (caseExact=false). " +
			"On the connector, look accounts up in the case the target stores them (normalise the account id, e.g. to lower case) " +
			"or correlate on externalId."
		if !caseMismatch && !strings.EqualFold(attr, "userName") {
			fix = "Look the resource up on the attribute the server enforces uniqueness on, or correlate on externalId."
		}
	}
	for _, n := range l.notes {
		if strings.Contains(n, "%20") {
			fix += " Encode spaces in the filter as %20, not +."
			break
		}
	}
	return fix + " After a 409 uniqueness, let the connector read the existing resource and update it rather than fail."
}

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
	ct := f.ResponseHeader("Content-Type")
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
