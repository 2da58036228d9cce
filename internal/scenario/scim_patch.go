package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
)

// SCIM PATCH dialects: a SCIM 2.0 Users/Groups service whose PATCH
// parsing follows RFC 7644 §3.5.2 to the letter (PatchStrict: anything
// else is a 400 SCIM Error with its scimType), or answers 204 to what it
// half understands and silently drops the rest (PatchLenient).
const (
	// SCIMPatchToken is the bearer token the service wants.
	SCIMPatchToken = "scim-patch-7b3e9c1d5a2f4e6b8d0c"
	// SCIMPatchBase is where the service is mounted.
	SCIMPatchBase = "/scim/v2"
	// PatchOpSchema is the PatchOp message schema (RFC 7644 §3.5.2).
	PatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	scimErrorURN  = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// PatchMode is how a SCIMPatchAPI parses PATCH.
type PatchMode int

const (
	// PatchStrict refuses every PatchOp outside RFC 7644 with 400.
	PatchStrict PatchMode = iota
	// PatchLenient compares op case-insensitively and answers 204, but
	// ignores string booleans, path-less removes and dotted keys.
	PatchLenient
)

// SCIMPatchAPI is the PATCH-dialect server: GET and PATCH
// <SCIMPatchBase>/Users/<id> and /Groups/<id>, bearer auth. Strict
// answers a PATCH with 200 and the resource, lenient with 204.
type SCIMPatchAPI struct {
	mode   PatchMode
	mu     sync.Mutex
	users  map[string]*patchUser
	groups map[string]*patchGroup
}

type patchUser struct {
	id, userName, displayName, title, givenName, familyName string
	active                                                  bool
}

type patchGroup struct {
	id, displayName string
	members         map[string]bool
}

// NewSCIMPatchAPI returns an empty service parsing PATCH in mode.
func NewSCIMPatchAPI(mode PatchMode) *SCIMPatchAPI {
	return &SCIMPatchAPI{mode: mode, users: map[string]*patchUser{}, groups: map[string]*patchGroup{}}
}

// AddUser creates an active user and returns its id.
func (a *SCIMPatchAPI) AddUser(userName string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := newUUID()
	a.users[id] = &patchUser{id: id, userName: userName, displayName: userName, active: true, givenName: "John", familyName: "Doe"}
	return id
}

// AddGroup creates a group with the given members and returns its id.
func (a *SCIMPatchAPI) AddGroup(displayName string, members ...string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := newUUID()
	g := &patchGroup{id: id, displayName: displayName, members: map[string]bool{}}
	for _, m := range members {
		g.members[m] = true
	}
	a.groups[id] = g
	return id
}

// Active reports whether the user is active.
func (a *SCIMPatchAPI) Active(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.users[id] != nil && a.users[id].active
}

// GivenName is the user's name.givenName.
func (a *SCIMPatchAPI) GivenName(id string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u := a.users[id]; u != nil {
		return u.givenName
	}
	return ""
}

// Members lists the group's members, sorted.
func (a *SCIMPatchAPI) Members(id string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.groups[id] == nil {
		return nil
	}
	return sortedMembers(a.groups[id].members)
}

func sortedMembers(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// scimErr is a SCIM Error response (RFC 7644 §3.12).
func scimErr(w http.ResponseWriter, status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{scimErrorURN}, "status": fmt.Sprint(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeJSON(w, SCIMType, status, body)
}

// ServeHTTP implements http.Handler.
func (a *SCIMPatchAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+SCIMPatchToken {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		scimErr(w, http.StatusUnauthorized, "", "Authorization failure")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, SCIMPatchBase+"/")
	kind, id, _ := strings.Cut(rest, "/")
	if !ok || id == "" || (kind != "Users" && kind != "Groups") {
		scimErr(w, http.StatusNotFound, "", "Resource "+r.URL.Path+" not found")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	u, g := a.users[id], a.groups[id]
	if kind == "Users" && u == nil || kind == "Groups" && g == nil {
		scimErr(w, http.StatusNotFound, "", "Resource "+id+" not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPatch:
		if st, scimType, detail := a.patch(r, u, g); st != 0 {
			scimErr(w, st, scimType, detail)
			return
		}
		if a.mode == PatchLenient {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	default:
		w.Header().Set("Allow", "GET, PATCH")
		scimErr(w, http.StatusMethodNotAllowed, "", r.Method+" not supported")
		return
	}
	if u != nil {
		writeJSON(w, SCIMType, http.StatusOK, u.doc())
	} else {
		writeJSON(w, SCIMType, http.StatusOK, g.doc())
	}
}

func (u *patchUser) doc() map[string]any {
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": u.id, "userName": u.userName,
		"displayName": u.displayName, "title": u.title, "active": u.active,
		"name": map[string]any{"givenName": u.givenName, "familyName": u.familyName}}
}

func (g *patchGroup) doc() map[string]any {
	members := []map[string]any{}
	for _, m := range sortedMembers(g.members) {
		members = append(members, map[string]any{"value": m})
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"}, "id": g.id,
		"displayName": g.displayName, "members": members}
}

// patchOp is one operation as sent.
type patchOp struct {
	Op    any             `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// patch applies a PatchOp to u or g (a copy first: RFC 7644 §3.5.2 makes
// a PATCH atomic) and returns 0 or an error status, scimType and detail.
func (a *SCIMPatchAPI) patch(r *http.Request, u *patchUser, g *patchGroup) (int, string, string) {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if !strings.Contains(ct, "json") {
		return http.StatusUnsupportedMediaType, "", "Content-Type must be " + SCIMType
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return http.StatusBadRequest, "invalidSyntax", "unreadable body"
	}
	var msg struct {
		Schemas    []string  `json:"schemas"`
		Operations []patchOp `json:"Operations"`
	}
	if err := json.Unmarshal(b, &msg); err != nil {
		return http.StatusBadRequest, "invalidSyntax", "Request is unparsable, syntactically incorrect, or violates schema: " + err.Error()
	}
	if a.mode == PatchStrict && !containsString(msg.Schemas, PatchOpSchema) {
		return http.StatusBadRequest, "invalidSyntax", "schemas must be [\"" + PatchOpSchema + "\"]"
	}
	var nu patchUser
	var ng patchGroup
	if u != nil {
		nu = *u
	} else {
		ng = patchGroup{id: g.id, displayName: g.displayName, members: map[string]bool{}}
		for m := range g.members {
			ng.members[m] = true
		}
	}
	for i, op := range msg.Operations {
		name, _ := op.Op.(string)
		if a.mode == PatchLenient {
			name = strings.ToLower(name)
		}
		if name != "add" && name != "remove" && name != "replace" {
			return http.StatusBadRequest, "invalidSyntax", fmt.Sprintf("Operations[%d]: unsupported op %v (expected add, remove or replace)", i, jsonString(op.Op))
		}
		var st int
		var scimType, detail string
		if u != nil {
			st, scimType, detail = a.patchUser(&nu, name, op)
		} else {
			st, scimType, detail = a.patchGroup(&ng, name, op)
		}
		if st != 0 {
			return st, scimType, fmt.Sprintf("Operations[%d]: %s", i, detail)
		}
	}
	if u != nil {
		*u = nu
	} else {
		g.displayName, g.members = ng.displayName, ng.members
	}
	return 0, "", ""
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func containsString(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// userAttrs sets one user attribute from JSON; a lenient server skips
// what it cannot read (ok with nothing done).
func (a *SCIMPatchAPI) setUserAttr(u *patchUser, attr string, raw json.RawMessage) (int, string, string) {
	strict := a.mode == PatchStrict
	var s string
	switch strings.ToLower(attr) {
	case "active":
		var v bool
		if json.Unmarshal(raw, &v) != nil {
			if strict {
				return http.StatusBadRequest, "invalidValue", fmt.Sprintf("Attribute 'active' must be a boolean, got %s", raw)
			}
			return 0, "", "" // lenient: a value it cannot read is dropped
		}
		u.active = v
		return 0, "", ""
	case "name":
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return http.StatusBadRequest, "invalidValue", "Attribute 'name' must be complex"
		}
		for _, k := range sortedRawKeys(m) {
			if st, t, d := a.setUserAttr(u, "name."+k, m[k]); st != 0 {
				return st, t, d
			}
		}
		return 0, "", ""
	}
	if json.Unmarshal(raw, &s) != nil {
		return http.StatusBadRequest, "invalidValue", fmt.Sprintf("Attribute '%s' must be a string", attr)
	}
	switch strings.ToLower(attr) {
	case "username":
		u.userName = s
	case "displayname":
		u.displayName = s
	case "title":
		u.title = s
	case "name.givenname":
		u.givenName = s
	case "name.familyname":
		u.familyName = s
	default:
		return http.StatusBadRequest, "invalidPath", fmt.Sprintf("Unknown attribute '%s'", attr)
	}
	return 0, "", ""
}

func sortedRawKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (a *SCIMPatchAPI) patchUser(u *patchUser, op string, o patchOp) (int, string, string) {
	strict := a.mode == PatchStrict
	if op == "remove" {
		if o.Path == "" {
			if strict {
				return http.StatusBadRequest, "noTarget", "remove requires a path"
			}
			return 0, "", ""
		}
		if strings.EqualFold(o.Path, "title") {
			u.title = ""
			return 0, "", ""
		}
		return http.StatusBadRequest, "mutability", fmt.Sprintf("Attribute '%s' cannot be removed", o.Path)
	}
	if o.Path != "" {
		return a.setUserAttr(u, o.Path, o.Value)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(o.Value, &m) != nil {
		return http.StatusBadRequest, "invalidValue", "a path-less " + op + " needs an object value"
	}
	for _, k := range sortedRawKeys(m) {
		if strings.Contains(k, ".") {
			if strict {
				return http.StatusBadRequest, "invalidValue", fmt.Sprintf("Unknown attribute '%s' (a sub-attribute belongs in path)", k)
			}
			continue // lenient: ignored
		}
		if st, t, d := a.setUserAttr(u, k, m[k]); st != 0 {
			return st, t, d
		}
	}
	return 0, "", ""
}

func (a *SCIMPatchAPI) members(raw json.RawMessage) ([]string, int, string, string) {
	var ms []map[string]json.RawMessage
	if json.Unmarshal(raw, &ms) != nil {
		return nil, http.StatusBadRequest, "invalidValue", "members must be an array of {\"value\": id}"
	}
	var ids []string
	for _, m := range ms {
		if ref, ok := m["$ref"]; ok && string(ref) == "null" && a.mode == PatchStrict {
			return nil, http.StatusBadRequest, "invalidValue", "'$ref' must be a URI, got null"
		}
		var id string
		if json.Unmarshal(m["value"], &id) != nil || id == "" {
			return nil, http.StatusBadRequest, "invalidValue", "a member needs a value"
		}
		ids = append(ids, id)
	}
	return ids, 0, "", ""
}

func (a *SCIMPatchAPI) patchGroup(g *patchGroup, op string, o patchOp) (int, string, string) {
	strict := a.mode == PatchStrict
	path := o.Path
	switch {
	case op == "remove" && path == "":
		if strict {
			return http.StatusBadRequest, "noTarget", "remove requires a path"
		}
		return 0, "", "" // lenient: it cannot tell what to remove, and says nothing
	case op == "remove" && strings.HasPrefix(strings.ToLower(path), "members["):
		f := strings.TrimSuffix(path[len("members["):], "]")
		attr, rest, _ := strings.Cut(f, " ")
		eq, val, _ := strings.Cut(strings.TrimSpace(rest), " ")
		id := strings.Trim(strings.TrimSpace(val), `"`)
		if !strings.EqualFold(attr, "value") || !strings.EqualFold(eq, "eq") || id == "" {
			return http.StatusBadRequest, "invalidFilter", "unsupported filter " + f
		}
		delete(g.members, id)
		return 0, "", ""
	case op == "remove" && strings.EqualFold(path, "members"):
		clear(g.members) // RFC 7644 §3.5.2.2: no filter removes every value
		return 0, "", ""
	case strings.EqualFold(path, "members"):
		ids, st, t, d := a.members(o.Value)
		if st != 0 {
			return st, t, d
		}
		if op == "replace" {
			clear(g.members)
		}
		for _, id := range ids {
			g.members[id] = true
		}
		return 0, "", ""
	case strings.EqualFold(path, "displayName"):
		var s string
		if json.Unmarshal(o.Value, &s) != nil {
			return http.StatusBadRequest, "invalidValue", "displayName must be a string"
		}
		g.displayName = s
		return 0, "", ""
	case path == "":
		var m map[string]json.RawMessage
		if json.Unmarshal(o.Value, &m) != nil {
			return http.StatusBadRequest, "invalidValue", "a path-less " + op + " needs an object value"
		}
		for _, k := range sortedRawKeys(m) {
			if st, t, d := a.patchGroup(g, op, patchOp{Op: op, Path: k, Value: m[k]}); st != 0 {
				return st, t, d
			}
		}
		return 0, "", ""
	}
	return http.StatusBadRequest, "invalidPath", "Unknown attribute '" + path + "'"
}

// PatchOps connectors send: Entra ID's default dialect (no aadOptscim062020
// flag) and the RFC 7644 form of the same change.
const (
	// EntraDisableUser: "Replace" and a string boolean.
	EntraDisableUser = `{"schemas":["` + PatchOpSchema + `"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`
	// RFCDisableUser is the same change as RFC 7644 writes it.
	RFCDisableUser = `{"schemas":["` + PatchOpSchema + `"],"Operations":[{"op":"replace","path":"active","value":false}]}`
	// DottedRename: a path-less replace with a dotted key.
	DottedRename = `{"schemas":["` + PatchOpSchema + `"],"Operations":[{"op":"replace","value":{"name.givenName":"Jon"}}]}`
	// RFCRename is the same change with a path.
	RFCRename = `{"schemas":["` + PatchOpSchema + `"],"Operations":[{"op":"replace","path":"name.givenName","value":"Jon"}]}`
)

// PathlessRemoveMember removes a member with a value and no path.
func PathlessRemoveMember(id string) string {
	return `{"schemas":["` + PatchOpSchema + `"],"Operations":[{"op":"Remove","value":[{"value":"` + id + `"}]}]}`
}

// RFCRemoveMember removes a member with a filtered path (RFC 7644 §3.5.2.2).
func RFCRemoveMember(id string) string {
	return `{"schemas":["` + PatchOpSchema + `"],"Operations":[{"op":"remove","path":"members[value eq \"` + id + `\"]"}]}`
}
