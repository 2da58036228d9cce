package analyze

import (
	"bytes"
	"fmt"
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
	scopes  capped[scope, lookupScope]
	creates capped[string, createRing] // per API
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
	return &LookupCreateConflict{scopes: newCapped[scope, lookupScope](lookupScopes),
		creates: newCapped[string, createRing](lookupScopes), looked: map[string]bool{}}
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
		if l := fx.lookup; l != nil {
			l.at, l.end = f.Start, f.End // in the zone the flow is shown in
			sc := a.scopes.add(scope{fx.Client.Key, fx.API})
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
		sc := a.scopes.get(scope{fx.Client.Key, fx.API})
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
	cr := a.creates.add(fx.API)
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
	if cr := a.creates.get(fx.API); cr != nil {
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
