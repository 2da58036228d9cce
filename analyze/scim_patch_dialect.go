package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
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
