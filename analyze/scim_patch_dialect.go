package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
)

// KindSCIMPatchDialect: a SCIM PatchOp outside RFC 7644 §3.5.2 that the
// server refused, or accepted and did not apply.
const KindSCIMPatchDialect = "scim-patch-dialect"

// SCIMPatchDialect reads the body of every SCIM PATCH (a PatchOp schema or
// an "Operations" array, JSON) and looks for what RFC 7644 does not define
// but connectors send: an op spelled "Replace" (Entra ID's casing) or not
// an op at all, a boolean sent as a string ("active":"False"), a remove
// without a path, a remove with a value on an unfiltered path ("path":
// "members" plus the members to remove: RFC 7644 removes them all), a
// path-less add/replace whose value has dotted keys
// ({"name.givenName":"x"}), "$ref": null. Then it judges what the server
// made of it.
//
// Choices: error when the PATCH was refused for its body — a 400 or 422
// (whatever its scimType, except uniqueness, tooMany, sensitive and
// invalidVers, which are about something else) or a SCIM Error inside a
// 2xx; a refusal about credentials or a session is left to the other
// analyzers. A 2xx is checked against what the PatchOp meant: the
// resource the 200 answered with, else the next GET of the same resource
// by the same logical client within a minute of the capture's clock (the
// finding is held until then; a write to the resource in between, or the
// minute passing, ends the wait). A value the server did not take is a
// warning (the server silently ignored it); a PatchOp the server applied
// or that nothing verified is info (it works here; a strict server would
// refuse it). Only what a PatchOp states can be checked: a path-less
// remove is checked for the members it names being gone, not for the
// members it should have kept (that needs the resource as it was before).
// Texts quote the RFC exactly: it spells op as "add", "remove" or
// "replace" and says nothing about case, so a server may compare exactly.
// A string "true"/"false" counts as a boolean sent as a string for the
// boolean attributes of the core schemas (active, primary, display) or
// when capitalised as .NET writes it ("True"); a string attribute may
// hold "true". Bodies are decoded only when a byte scan cannot prove the
// PatchOp conformant, and remembered by content (256 bodies); at most 256
// PATCHes wait for a read-back, keyed by resource.
type SCIMPatchDialect struct {
	held   []*patchHeld           // accepted PATCHes awaiting a read-back, in flow order
	byRes  map[resKey]*patchHeld  // resource → its latest held PATCH
	parsed map[string]*patchParse // request body → what it says
}

// patchIssue is one departure from RFC 7644 in a PatchOp.
type patchIssue struct {
	code    string // "op-case", "op-unknown", "string-boolean", "remove-no-path", "remove-value", "dotted-key", "null-ref"
	pointer string // JSON pointer into the request body: /Operations/0/op
	sent    string // what was sent, as JSON: "op":"Replace"
	expect  string // what RFC 7644 expects instead
}

// patchExpect is one thing a PatchOp, as its sender meant it, changes:
// attr (a dotted path, an extension URN first) becomes value, or with
// absent, loses it; with member, an array holding that value.
type patchExpect struct {
	attr   []string
	value  any
	absent bool
	member bool
}

// patchHeld is an accepted non-conformant PATCH waiting for a GET.
type patchHeld struct {
	flow   int
	status int
	end    time.Time
	client string
	path   string // for texts
	res    resKey
	group  string
	p      *patchParse
	readBy int    // the GET that showed it applied
	note   string // how it was verified, for the detail
	gone   bool   // settled
}

// resKey is the resource a request addresses: origin and path.
type resKey struct{ origin, path string }

func resourceKey(fx *Facts) resKey {
	return resKey{fx.Origin, strings.TrimSuffix(fx.Path, "/")}
}

// patchParse is what patchIssues made of one request body.
type patchParse struct {
	issues  []patchIssue
	expects []patchExpect
	ok      bool
	// texts of the issues, made once per body
	said, headline, fix, codes string
}

const (
	patchHorizon  = time.Minute
	patchHeldKept = 256
	patchBodies   = 256 // distinct PatchOp bodies remembered: connectors send the same one again and again
)

// NewSCIMPatchDialect returns the scim-patch-dialect analyzer.
func NewSCIMPatchDialect() *SCIMPatchDialect {
	return &SCIMPatchDialect{byRes: map[resKey]*patchHeld{}, parsed: map[string]*patchParse{}}
}

// Name implements Analyzer.
func (a *SCIMPatchDialect) Name() string { return KindSCIMPatchDialect }

// Observe implements Analyzer.
func (a *SCIMPatchDialect) Observe(fx *Facts, emit func(Finding)) {
	f := fx.Flow
	if !fx.Analyzable {
		return
	}
	if len(a.held) > 0 {
		a.readBack(fx, emit)
	}
	if f.Method != "PATCH" || fx.Challenged || f.RequestBody.Size == 0 {
		return
	}
	p := a.parse(f)
	if !p.ok || len(p.issues) == 0 {
		return
	}
	client := ""
	if fx.Client != nil {
		client = fx.Client.Key
	}
	group := KindSCIMPatchDialect + "\x00" + client + "\x00" + p.codes + "\x00" + fx.API
	if ref, refused := rejection(fx); refused {
		st, detail := scimErrorOf(fx.ResponseText())
		if !patchRefusedForBody(fx, ref, st) {
			return
		}
		fd := a.refusedFinding(fx, ref, p, st, detail)
		fd.group = group + "\x00refused"
		emit(fd)
		return
	}
	if f.Status < 200 || f.Status >= 300 {
		return
	}
	h := &patchHeld{flow: f.ID, status: f.Status, end: f.End, client: client, path: shorten(pathOnly(f), 64),
		res: resourceKey(fx), group: group, p: p}
	if len(p.expects) > 0 {
		if doc, ok := resourceDoc(f.ResponseHeader("Content-Type"), fx.ResponseText()); ok {
			// RFC 7644 §3.5.2: a 200 carries the resource as it now is.
			if miss, ok := unmet(doc, p.expects); ok {
				emit(a.ignoredFinding(h, 0, miss))
			} else {
				h.note = " The resource the server answered with shows the change applied."
				emit(a.acceptedFinding(h))
			}
			return
		}
	}
	if len(p.expects) == 0 {
		emit(a.acceptedFinding(h))
		return
	}
	if old := a.byRes[h.res]; old != nil {
		a.release(old, emit)
	}
	a.held = append(a.held, h)
	a.byRes[h.res] = h
	for len(a.held) > patchHeldKept {
		a.release(a.held[0], emit)
	}
}

// parse is patchIssues, remembered by body.
func (a *SCIMPatchDialect) parse(f *capture.Flow) *patchParse {
	if f.RequestBody.Decoded || f.RequestHeader("Content-Encoding") == "" {
		if p, ok := a.parsed[string(f.RequestBody.Bytes)]; ok && len(f.RequestBody.Bytes) <= 4096 {
			return p
		}
	}
	p := &patchParse{}
	p.issues, p.expects, p.ok = patchIssues(f)
	if len(p.issues) > 0 {
		var d strings.Builder
		writeIssues(&d, p.issues)
		p.said, p.headline, p.fix, p.codes = d.String(), issueHeadline(p.issues), patchFix(p.issues), issueCodes(p.issues)
	}
	if len(f.RequestBody.Bytes) <= 4096 && (f.RequestBody.Decoded || f.RequestHeader("Content-Encoding") == "") {
		if len(a.parsed) >= patchBodies {
			clear(a.parsed)
		}
		a.parsed[string(f.RequestBody.Bytes)] = p
	}
	return p
}

// readBack settles held PATCHes with this flow: a GET of the resource by
// the same client shows whether the change happened; another write to it
// ends the wait.
func (a *SCIMPatchDialect) readBack(fx *Facts, emit func(Finding)) {
	f := fx.Flow
	if f.Method != "GET" && !isWrite(f.Method) {
		return
	}
	h := a.byRes[resourceKey(fx)]
	if h == nil || h.gone || f.Start.Before(h.end) {
		return
	}
	if f.Method != "GET" {
		a.release(h, emit)
		return
	}
	if fx.Client == nil || fx.Client.Key != h.client || f.Status != 200 {
		return
	}
	doc, ok := resourceDoc(f.ResponseHeader("Content-Type"), fx.ResponseText())
	if !ok {
		return
	}
	if miss, ok := unmet(doc, h.p.expects); ok {
		h.gone = true
		a.drop(h)
		emit(a.ignoredFinding(h, f.ID, miss))
		return
	}
	h.readBy, h.note = f.ID, fmt.Sprintf(" GET #%d shows the change applied.", f.ID)
	a.release(h, emit)
}

// release emits a held PATCH's info finding and forgets it.
func (a *SCIMPatchDialect) release(h *patchHeld, emit func(Finding)) {
	if h.gone {
		return
	}
	h.gone = true
	a.drop(h)
	emit(a.acceptedFinding(h))
}

func (a *SCIMPatchDialect) drop(h *patchHeld) {
	if a.byRes[h.res] == h {
		delete(a.byRes, h.res)
	}
	n := 0
	for _, x := range a.held {
		if x != h && !x.gone {
			a.held[n] = x
			n++
		}
	}
	clear(a.held[n:])
	a.held = a.held[:n]
}

// Holding implements Settler: the oldest PATCH still waiting for its GET.
func (a *SCIMPatchDialect) Holding() int {
	if len(a.held) == 0 {
		return 0
	}
	return a.held[0].flow
}

// Settle implements Settler: a PATCH nobody read back within the horizon
// is reported as accepted, unverified.
func (a *SCIMPatchDialect) Settle(t time.Time, emit func(Finding)) {
	for len(a.held) > 0 && !t.Before(a.held[0].end.Add(patchHorizon)) {
		a.release(a.held[0], emit)
	}
}

// patchRefusedForBody: the refusal is about what the PatchOp said, not who
// sent it.
func patchRefusedForBody(fx *Facts, ref Refusal, st string) bool {
	if ref.aboutAuthentication() && ref.How != "error-in-2xx" {
		return false
	}
	switch strings.ToLower(st) {
	case "uniqueness", "toomany", "sensitive", "invalidvers":
		return false
	}
	return fx.Flow.Status == 400 || fx.Flow.Status == 422 || ref.How == "error-in-2xx"
}

// scimErrorOf reads a SCIM Error's scimType and detail (or another
// error body's message).
func scimErrorOf(body []byte) (scimType, detail string) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' {
		return "", ""
	}
	var doc struct {
		ScimType string `json:"scimType"`
		Detail   string `json:"detail"`
	}
	if json.Unmarshal(b, &doc) != nil {
		return "", ""
	}
	if doc.Detail == "" {
		doc.Detail = reasonFrom(b, "application/json")
	}
	return doc.ScimType, shorten(doc.Detail, 160)
}

func (a *SCIMPatchDialect) refusedFinding(fx *Facts, ref Refusal, p *patchParse, st, detail string) Finding {
	f := fx.Flow
	var d strings.Builder
	d.WriteString("This PATCH " + shorten(pathOnly(f), 64) + " sent a PatchOp outside RFC 7644 §3.5.2: ")
	d.WriteString(p.said)
	d.WriteString(" The server refused it: ")
	if ref.How == "error-in-2xx" {
		fmt.Fprintf(&d, "a SCIM Error under %d", f.Status)
	} else {
		d.WriteString(strconv.Itoa(f.Status))
	}
	if st != "" {
		fmt.Fprintf(&d, " with scimType %q", st)
	}
	if detail != "" {
		fmt.Fprintf(&d, ", detail “%s”", detail)
	} else if ref.Reason != "" {
		fmt.Fprintf(&d, ": “%s”", ref.Reason)
	}
	d.WriteString(".")
	return Finding{Kind: KindSCIMPatchDialect, Severity: Error, Flow: f.ID, Related: []int{},
		Title:  "PATCH " + shorten(pathOnly(f), 64) + " refused: " + p.headline,
		Detail: d.String(), Fix: p.fix}
}

func (a *SCIMPatchDialect) acceptedFinding(h *patchHeld) Finding {
	var d strings.Builder
	fmt.Fprintf(&d, "This PATCH %s sent a PatchOp outside RFC 7644 §3.5.2: ", h.path)
	d.WriteString(h.p.said)
	fmt.Fprintf(&d, " The server answered %d: it accepts this dialect; a strict SCIM server would refuse it (400 invalidValue, invalidSyntax or noTarget).", h.status)
	d.WriteString(h.note)
	fd := Finding{Kind: KindSCIMPatchDialect, Severity: Info, Flow: h.flow, Related: related(h.flow, []int{h.readBy}),
		Title:  "PATCH " + h.path + " sent a non-RFC 7644 PatchOp (" + h.p.headline + "); the server took it",
		Detail: d.String(), Fix: h.p.fix}
	fd.group = h.group + "\x00accepted"
	return fd
}

// ignoredFinding: the server answered 2xx but the resource (in the 200, or
// GET #get) shows a change the PatchOp meant did not happen.
func (a *SCIMPatchDialect) ignoredFinding(h *patchHeld, get int, miss string) Finding {
	var d strings.Builder
	fmt.Fprintf(&d, "This PATCH %s sent a PatchOp outside RFC 7644 §3.5.2: ", h.path)
	d.WriteString(h.p.said)
	where := "the resource the server answered with"
	if get != 0 {
		where = fmt.Sprintf("GET #%d of the same resource", get)
	}
	fmt.Fprintf(&d, " The server answered %d, but %s shows %s: it silently ignored what it could not parse.", h.status, where, miss)
	fd := Finding{Kind: KindSCIMPatchDialect, Severity: Warning, Flow: h.flow, Related: related(h.flow, []int{get}),
		Title:  fmt.Sprintf("PATCH %s answered %d but not applied: %s", h.path, h.status, h.p.headline),
		Detail: d.String(), Fix: h.p.fix}
	fd.group = h.group + "\x00ignored"
	return fd
}

func writeIssues(d *strings.Builder, issues []patchIssue) {
	for i, is := range issues {
		if i > 0 {
			d.WriteString(" ")
		}
		fmt.Fprintf(d, "%s is %s — %s.", is.pointer, is.sent, is.expect)
	}
}

// issueHeadline names the issues briefly for a title.
func issueHeadline(issues []patchIssue) string {
	seen := map[string]bool{}
	var parts []string
	for _, is := range issues {
		if seen[is.code] {
			continue
		}
		seen[is.code] = true
		switch is.code {
		case "op-case", "op-unknown":
			parts = append(parts, is.sent)
		case "string-boolean":
			parts = append(parts, "boolean as a string "+is.sent)
		case "remove-no-path":
			parts = append(parts, "remove without a path")
		case "remove-value":
			parts = append(parts, "remove with a value")
		case "dotted-key":
			parts = append(parts, "dotted key "+is.sent+" without a path")
		case "null-ref":
			parts = append(parts, `"$ref": null`)
		}
	}
	return shorten(strings.Join(parts, ", "), 90)
}

func issueCodes(issues []patchIssue) string {
	var codes []string
	for _, is := range issues {
		if len(codes) == 0 || !contains(codes, is.code) {
			codes = append(codes, is.code)
		}
	}
	sort.Strings(codes)
	return strings.Join(codes, ",")
}

// patchFix says what to change, for the issues found, in a fixed order.
func patchFix(issues []patchIssue) string {
	has := map[string]bool{}
	for _, is := range issues {
		has[is.code] = true
	}
	var server []string
	if has["op-case"] || has["op-unknown"] {
		server = append(server, `compare "op" case-insensitively`)
	}
	if has["string-boolean"] {
		server = append(server, `accept "True"/"False" for boolean attributes`)
	}
	if has["remove-no-path"] || has["remove-value"] {
		server = append(server, "treat a path-less remove with a value as removing exactly those values")
	}
	if has["dotted-key"] {
		server = append(server, `read a dotted key in a path-less value as a sub-attribute path`)
	}
	if has["null-ref"] {
		server = append(server, `ignore "$ref": null`)
	}
	return "Make the connector send RFC 7644 PATCH: for Microsoft Entra ID provisioning, add the feature flag " +
		"`?aadOptscim062020` to the Tenant URL (lower-case ops, real booleans, removes with a path); for other connectors, " +
		"their SCIM 2.0/RFC-compliant PATCH option or a PATCH body template that follows RFC 7644 §3.5.2. " +
		"Or make the server's PATCH parsing lenient: " + strings.Join(server, "; ") + "."
}

// patchIssues parses f's request body as a PatchOp and lists what is
// outside RFC 7644, and what the operations meant to change. ok is false
// when the body is not a PatchOp.
func patchIssues(f *capture.Flow) (issues []patchIssue, expects []patchExpect, ok bool) {
	body := f.RequestBody.Bytes
	if !f.RequestBody.Decoded && f.RequestHeader("Content-Encoding") != "" {
		body = f.RequestText()
	}
	body = bytes.TrimSpace(body)
	if len(body) < 2 || body[0] != '{' || !bytes.Contains(body, []byte("perations")) {
		return nil, nil, false
	}
	if ct := f.RequestHeader("Content-Type"); ct != "" && !containsFold(ct, "json") {
		return nil, nil, false
	}
	if looksConformant(body) {
		return nil, nil, true
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil, nil, false
	}
	var opsKey string
	var ops []any
	for _, k := range sortedKeys(doc) {
		if strings.EqualFold(k, "Operations") {
			if v, isArr := doc[k].([]any); isArr {
				opsKey, ops = k, v
				break
			}
		}
	}
	if opsKey == "" {
		return nil, nil, false
	}
	for i, raw := range ops {
		op, isObj := raw.(map[string]any)
		if !isObj {
			continue
		}
		base := "/" + opsKey + "/" + strconv.Itoa(i)
		name, _ := lookupFold(op, "op")
		opStr, _ := name.(string)
		lower := strings.ToLower(opStr)
		switch {
		case lower != "add" && lower != "remove" && lower != "replace":
			issues = append(issues, patchIssue{"op-unknown", base + "/op", `"op":` + jsonText(name),
				`RFC 7644 §3.5.2: "op" MUST be one of "add", "remove" or "replace"`})
			continue
		case opStr != lower:
			issues = append(issues, patchIssue{"op-case", base + "/op", `"op":` + jsonText(opStr),
				`RFC 7644 §3.5.2 spells the operation "` + lower + `" ("op" … MAY be one of "add", "remove", or "replace") and does not make it case-insensitive: a server comparing exactly refuses "` + opStr + `"`})
		}
		pathV, _ := lookupFold(op, "path")
		path, _ := pathV.(string)
		value, hasValue := lookupFold(op, "value")
		if lower == "remove" && strings.TrimSpace(path) == "" {
			what := "remove without a path"
			if hasValue {
				what = "remove with a value and no path"
			}
			issues = append(issues, patchIssue{"remove-no-path", base, what + " " + shorten(jsonText(op), 80),
				`RFC 7644 §3.5.2.2: "path" is REQUIRED for remove ("If "path" is unspecified, the operation fails with HTTP status code 400 and a "scimType" error code of "noTarget""); a server that accepts it anyway may read it as "remove all members" — name the member in the path: members[value eq "<id>"]`})
			for _, id := range memberValues(value) {
				expects = append(expects, patchExpect{attr: []string{"members"}, value: id, absent: true, member: true})
			}
			continue
		}
		if lower == "remove" && hasValue && !strings.ContainsAny(path, "[]") {
			issues = append(issues, patchIssue{"remove-value", base + "/value", "a value on a remove of " + jsonText(path),
				`RFC 7644 §3.5.2.2: a remove takes no value; "If the target location is a multi-valued attribute and no filter is specified, the attribute and all values are removed" — name the values in the path: ` + path + `[value eq "<id>"]`})
			for _, id := range memberValues(value) {
				expects = append(expects, patchExpect{attr: splitAttr(path), value: id, absent: true, member: true})
			}
			continue
		}
		walkPatchValue(base+"/value", path, value, lower, 0, &issues)
		expects = append(expects, opExpects(lower, path, value)...)
	}
	return issues, expects, true
}

// walkPatchValue finds string booleans, dotted keys (path-less only) and
// null $refs in an operation's value.
func walkPatchValue(ptr, path string, v any, op string, depth int, issues *[]patchIssue) {
	if depth > 4 {
		return
	}
	switch x := v.(type) {
	case string:
		attr := lastAttr(path)
		if depth == 0 && isStringBool(x) && (boolAttrs[strings.ToLower(attr)] || x == "True" || x == "False") {
			*issues = append(*issues, patchIssue{"string-boolean", ptr, jsonText(x) + " for " + attr,
				"RFC 7643 §2.3.2: a boolean is the JSON literal true or false, not a string"})
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			kp := ptr + "/" + pointerEscape(k)
			val := x[k]
			if k == "$ref" && val == nil {
				*issues = append(*issues, patchIssue{"null-ref", kp, `"$ref":null`,
					`RFC 7643 §2.3.7: "$ref" is a URI reference; leave it out rather than send null (servers that check references refuse null)`})
				continue
			}
			if s, isStr := val.(string); isStr && isStringBool(s) && (boolAttrs[strings.ToLower(lastAttr(k))] || s == "True" || s == "False") {
				*issues = append(*issues, patchIssue{"string-boolean", kp, fmt.Sprintf("%s:%s", jsonText(k), jsonText(s)),
					"RFC 7643 §2.3.2: a boolean is the JSON literal true or false, not a string"})
				continue
			}
			if depth == 0 && path == "" && (op == "add" || op == "replace") && strings.Contains(attrPart(k), ".") {
				*issues = append(*issues, patchIssue{"dotted-key", kp, jsonText(k),
					`RFC 7644 §3.5.2.1/§3.5.2.3: without "path" the value holds attributes as the resource does ({"name":{"givenName":…}}); a dotted name belongs in "path" ("path":"` + attrPart(k) + `")`})
				continue
			}
			walkPatchValue(kp, "", val, op, depth+1, issues)
		}
	case []any:
		for i, item := range x {
			if _, isObj := item.(map[string]any); isObj {
				walkPatchValue(ptr+"/"+strconv.Itoa(i), "", item, op, depth+1, issues)
			}
		}
	}
}

// boolAttrs are the boolean attributes of RFC 7643's core and enterprise
// schemas (and Entra's common extension).
var boolAttrs = setOf("active", "primary", "display", "issoftdeleted")

func isStringBool(s string) bool {
	return strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
}

// attrPart is an attribute name without its schema URN.
func attrPart(k string) string {
	if strings.HasPrefix(strings.ToLower(k), "urn:") {
		if i := strings.LastIndexByte(k, ':'); i >= 0 {
			return k[i+1:]
		}
	}
	return k
}

// lastAttr is the last attribute of a path: "emails[type eq \"work\"].primary" → primary.
func lastAttr(path string) string {
	p := attrPart(path)
	if i := strings.LastIndexByte(p, ']'); i >= 0 {
		p = strings.TrimPrefix(p[i+1:], ".")
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		p = p[i+1:]
	}
	return p
}

// opExpects is what an add/replace/remove meant to change, where that is
// checkable in a resource: simple paths, value maps, member lists.
func opExpects(op, path string, v any) []patchExpect {
	if strings.ContainsAny(path, "[]") {
		// members[value eq "x"]: a remove of that member.
		if op == "remove" {
			attr, rest, _ := strings.Cut(path, "[")
			if id, ok := eqValue(rest); ok && !strings.Contains(attr, ".") {
				return []patchExpect{{attr: []string{attrPart(attr)}, value: id, absent: true, member: true}}
			}
		}
		return nil
	}
	attr := splitAttr(path)
	switch op {
	case "remove":
		if ids := memberValues(v); len(ids) > 0 {
			var out []patchExpect
			for _, id := range ids {
				out = append(out, patchExpect{attr: attr, value: id, absent: true, member: true})
			}
			return out
		}
		return []patchExpect{{attr: attr, absent: true}}
	}
	var out []patchExpect
	if path == "" {
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil
		}
		for _, k := range sortedKeys(m) {
			out = append(out, valueExpects(splitAttr(k), m[k], 0)...)
		}
		return out
	}
	if ids := memberValues(v); len(ids) > 0 && op == "add" {
		for _, id := range ids {
			out = append(out, patchExpect{attr: attr, value: id, member: true})
		}
		return out
	}
	return valueExpects(attr, v, 0)
}

func valueExpects(attr []string, v any, depth int) []patchExpect {
	switch x := v.(type) {
	case string:
		if isStringBool(x) {
			return []patchExpect{{attr: attr, value: strings.EqualFold(x, "true")}}
		}
		return []patchExpect{{attr: attr, value: x}}
	case bool, float64:
		return []patchExpect{{attr: attr, value: x}}
	case map[string]any:
		if depth > 2 {
			return nil
		}
		var out []patchExpect
		for _, k := range sortedKeys(x) {
			if k == "$ref" {
				continue
			}
			out = append(out, valueExpects(append(append([]string(nil), attr...), splitAttr(k)...), x[k], depth+1)...)
		}
		return out
	}
	return nil
}

// splitAttr splits an attribute path: "urn:…:User:manager.value" →
// ["urn:…:User", "manager", "value"]; "name.givenName" → ["name", "givenName"].
func splitAttr(path string) []string {
	if path == "" {
		return nil
	}
	var out []string
	if strings.HasPrefix(strings.ToLower(path), "urn:") {
		i := strings.LastIndexByte(path, ':')
		out = append(out, path[:i])
		path = path[i+1:]
		if path == "" {
			return out
		}
	}
	return append(out, strings.Split(path, ".")...)
}

// eqValue reads `value eq "x"]` (the filter of a members path).
func eqValue(filter string) (string, bool) {
	f := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(filter), "]"))
	attr, rest, ok := strings.Cut(f, " ")
	if !ok || !strings.EqualFold(attr, "value") {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 4 || !strings.EqualFold(rest[:2], "eq") {
		return "", false
	}
	v, err := strconv.Unquote(strings.TrimSpace(rest[2:]))
	return v, err == nil
}

// memberValues are the "value"s of a list of {"value": id} objects.
func memberValues(v any) []string {
	arr, ok := v.([]any)
	if !ok {
		if m, isObj := v.(map[string]any); isObj {
			if inner, found := lookupFold(m, "members"); found {
				return memberValues(inner)
			}
		}
		return nil
	}
	var out []string
	for _, item := range arr {
		if m, isObj := item.(map[string]any); isObj {
			if id, found := lookupFold(m, "value"); found {
				if s, isStr := id.(string); isStr {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// resourceDoc parses a SCIM resource (a JSON object with an id or schemas).
func resourceDoc(contentType string, body []byte) (map[string]any, bool) {
	b := bytes.TrimSpace(body)
	if len(b) < 2 || b[0] != '{' || contentType != "" && !containsFold(contentType, "json") {
		return nil, false
	}
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return nil, false
	}
	if _, ok := lookupFold(doc, "id"); !ok {
		return nil, false
	}
	if _, isList := lookupFold(doc, "Resources"); isList {
		return nil, false
	}
	return doc, true
}

// unmet is the first expectation the resource contradicts, described.
func unmet(doc map[string]any, expects []patchExpect) (string, bool) {
	for _, e := range expects {
		got, found := lookupPath(doc, e.attr)
		name := strings.Join(e.attr, ".")
		switch {
		case e.member:
			has := hasMember(got, e.value)
			if has == e.absent {
				if e.absent {
					return fmt.Sprintf("%s still holding %s", name, jsonText(e.value)), true
				}
				return fmt.Sprintf("%s without %s", name, jsonText(e.value)), true
			}
		case e.absent:
			if found && got != nil {
				return fmt.Sprintf("%s still %s", name, jsonText(got)), true
			}
		default:
			if !found {
				return fmt.Sprintf("no %s (the PATCH set it to %s)", name, jsonText(e.value)), true
			}
			if !sameValue(got, e.value) {
				return fmt.Sprintf("%s: %s where the PATCH meant %s", name, jsonText(got), jsonText(e.value)), true
			}
		}
	}
	return "", false
}

func sameValue(got, want any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && strings.EqualFold(g, w)
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case float64:
		g, ok := got.(float64)
		return ok && g == w
	}
	return false
}

func hasMember(list any, id any) bool {
	arr, _ := list.([]any)
	for _, item := range arr {
		if m, ok := item.(map[string]any); ok {
			if v, found := lookupFold(m, "value"); found && sameValue(v, id) {
				return true
			}
		}
	}
	return false
}

func lookupPath(doc map[string]any, attr []string) (any, bool) {
	var cur any = doc
	for _, a := range attr {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = lookupFold(m, a); !ok {
			return nil, false
		}
	}
	return cur, true
}

// lookupFold finds a key case-insensitively (SCIM attribute names are,
// RFC 7643 §2.1), the exact spelling first.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for _, k := range sortedKeys(m) {
		if strings.EqualFold(k, key) {
			return m[k], true
		}
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// jsonText is v as compact JSON (map keys sorted).
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

// looksConformant is a scan that proves, without decoding, that a PatchOp
// has none of the issues patchIssues looks for: every "op" is "add" or
// "replace" (a remove is always decoded), there are as many "path"s as
// "op"s (so no path-less value with dotted keys), no "$ref" and no quoted
// true or false. Anything else is decoded.
func looksConformant(body []byte) bool {
	if bytes.Contains(body, []byte(`"$ref"`)) || quotedBool(body) {
		return false
	}
	ops, paths := 0, bytes.Count(body, []byte(`"path"`))
	rest := body
	for {
		i := bytes.Index(rest, []byte(`"op"`))
		if i < 0 {
			break
		}
		rest = bytes.TrimLeft(rest[i+4:], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			return false
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		switch {
		case bytes.HasPrefix(rest, []byte(`"add"`)), bytes.HasPrefix(rest, []byte(`"replace"`)):
			ops++
		default:
			return false
		}
	}
	return ops > 0 && paths >= ops
}

// quotedBool: "true" or "false", quoted, in any case.
func quotedBool(b []byte) bool {
	for i := 0; i+6 <= len(b); i++ {
		if b[i] != '"' {
			continue
		}
		c := b[i+1] | 0x20
		if c == 't' && i+6 <= len(b) && b[i+5] == '"' && strings.EqualFold(string(b[i+1:i+5]), "true") {
			return true
		}
		if c == 'f' && i+7 <= len(b) && b[i+6] == '"' && strings.EqualFold(string(b[i+1:i+6]), "false") {
			return true
		}
	}
	return false
}
