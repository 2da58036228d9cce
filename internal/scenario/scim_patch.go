package scenario

import (
	"fmt"
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

// SCIMPatchUser is the path of a user of a SCIMPatchAPI.
func SCIMPatchUser(id string) string { return SCIMPatchBase + "/Users/" + id }

// SCIMPatchGroup is the path of a group of a SCIMPatchAPI.
func SCIMPatchGroup(id string) string { return SCIMPatchBase + "/Groups/" + id }

// SCIMPatchStep is a connector's PATCH of body (a PatchOp) to path, with
// the service's token and the SCIM media type.
func SCIMPatchStep(path, body string) Step {
	return Step{Method: http.MethodPatch, Path: path, Body: body,
		Header: [][2]string{Bearer(SCIMPatchToken), {"Content-Type", SCIMType}, {"Accept", SCIMType}}}
}

// SCIMPatchGet is a connector's read of path, with the service's token.
func SCIMPatchGet(path string) Step {
	return Step{Method: http.MethodGet, Path: path, Header: [][2]string{Bearer(SCIMPatchToken), {"Accept", SCIMType}}}
}
