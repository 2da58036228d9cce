package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// How SCIMPatchAPI applies a PatchOp's operations, strictly or leniently.

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
