package scenario

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// Lookup then create: a SCIM server whose list filter and uniqueness check
// disagree. Connectors correlate an identity by looking it up
// (GET /Users?filter=userName eq "x") and create it only when the lookup
// found nothing. This server's filter compares userName case-SENSITIVELY
// (the bug: userName is caseExact=false in RFC 7643) while its uniqueness
// check compares case-insensitively, so a lookup of "JDoe" finds nothing
// when the server holds "jdoe", and the create then gets 409 uniqueness. In
// IgnoreFilter mode it answers every query with the whole list; in Correct
// mode its filter is case-insensitive, as it should be. Pages hold one
// resource (startIndex/count are not read): an unfiltered list shows the
// newest user only.
const (
	LookupUser     = "idm-connector"
	LookupPassword = "L00kup-Cr3ate!"
	// LookupPath is where the API is mounted.
	LookupPath = "/scim/v2"
	// LookupExisting is the user the server holds from the start, spelled
	// as it stores it; LookupExistingID is its id.
	LookupExisting   = "jdoe"
	LookupExistingID = "2819c223-7f76-453a-919d-413861904646"
)

// LookupMode is how the server's filter behaves.
type LookupMode int

const (
	// LookupCaseSensitive compares userName as written (the bug).
	LookupCaseSensitive LookupMode = iota
	// LookupIgnoresFilter answers every query with every user.
	LookupIgnoresFilter
	// LookupCorrect compares userName case-insensitively (RFC 7643 §4.1.1).
	LookupCorrect
)

// LookupAPI is the server: GET /scim/v2/Users[?filter=…], POST /scim/v2/Users,
// GET and PATCH /scim/v2/Users/<id>. Basic auth.
type LookupAPI struct {
	Mode LookupMode

	mu    sync.Mutex
	users []map[string]any
}

// NewLookupAPI returns a server in mode holding LookupExisting.
func NewLookupAPI(mode LookupMode) *LookupAPI {
	return &LookupAPI{Mode: mode, users: []map[string]any{
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": LookupExistingID, "userName": LookupExisting, "active": true},
		{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": "6a1d4f0e-5b7c-4e8a-9d2f-3c4b5a6d7e8f", "userName": "asmith", "active": true},
	}}
}

// UserNames lists the users the server holds, in order.
func (a *LookupAPI) UserNames() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return userNames(a.users)
}

// lookupPage is the server's page size.
const lookupPage = 1

var lookupFilter = regexp.MustCompile(`^\s*(?i:(?:urn:[^ ]*:)?userName)\s+(?i:eq)\s+"((?:[^"\\]|\\.)*)"\s*$`)

// ServeHTTP implements http.Handler.
func (a *LookupAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != LookupUser || p != LookupPassword {
		w.Header().Set("WWW-Authenticate", `Basic realm="scim"`)
		rlError(w, http.StatusUnauthorized, "", "Authentication required")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, LookupPath)
	switch {
	case path == "/Users" && r.Method == http.MethodGet:
		filter := r.URL.Query().Get("filter")
		if filter == "" || a.Mode == LookupIgnoresFilter {
			// The first page of everything, newest first, whatever the filter said.
			list := rlList(nil)
			for i := len(a.users) - 1; i >= 0 && len(list["Resources"].([]map[string]any)) < lookupPage; i-- {
				list["Resources"] = append(list["Resources"].([]map[string]any), a.users[i])
			}
			list["totalResults"], list["itemsPerPage"] = len(a.users), len(list["Resources"].([]map[string]any))
			writeJSON(w, SCIMType, http.StatusOK, list)
			return
		}
		m := lookupFilter.FindStringSubmatch(filter)
		if m == nil {
			rlError(w, http.StatusBadRequest, "invalidFilter", "Unsupported filter: "+filter)
			return
		}
		var want string
		_ = json.Unmarshal([]byte(`"`+m[1]+`"`), &want)
		var found []map[string]any
		for _, u := range a.users {
			name := u["userName"].(string)
			if name == want || a.Mode == LookupCorrect && strings.EqualFold(name, want) {
				found = append(found, u)
			}
		}
		writeJSON(w, SCIMType, http.StatusOK, rlList(found))
	case path == "/Users" && r.Method == http.MethodPost:
		name, ok := newUserName(w, r)
		if !ok {
			return
		}
		for _, u := range a.users {
			if strings.EqualFold(u["userName"].(string), name) {
				rlError(w, http.StatusConflict, "uniqueness", "User with userName "+u["userName"].(string)+" already exists")
				return
			}
		}
		u := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": newUUID(), "userName": name, "active": true}
		a.users = append(a.users, u)
		w.Header().Set("Location", "/scim/v2/Users/"+u["id"].(string))
		writeJSON(w, SCIMType, http.StatusCreated, u)
	case strings.HasPrefix(path, "/Users/") && (r.Method == http.MethodGet || r.Method == http.MethodPatch):
		id := strings.TrimPrefix(path, "/Users/")
		for _, u := range a.users {
			if u["id"] == id {
				if r.Method == http.MethodPatch {
					var in struct {
						Operations []struct {
							Op    string          `json:"op"`
							Path  string          `json:"path"`
							Value json.RawMessage `json:"value"`
						} `json:"Operations"`
					}
					if json.NewDecoder(r.Body).Decode(&in) != nil || len(in.Operations) == 0 {
						rlError(w, http.StatusBadRequest, "invalidSyntax", "A PatchOp with Operations is required")
						return
					}
					for _, op := range in.Operations {
						var v any
						if strings.EqualFold(op.Op, "replace") && op.Path != "" && json.Unmarshal(op.Value, &v) == nil {
							u[op.Path] = v
						}
					}
				}
				writeJSON(w, SCIMType, http.StatusOK, u)
				return
			}
		}
		rlError(w, http.StatusNotFound, "", "Resource not found")
	default:
		rlError(w, http.StatusNotFound, "", "Resource not found")
	}
}

// LookupSteps are a connector's two operations for one identity: the
// lookup of userName (GET with the filter, spaces as %20), then the create
// (POST) of userName.
func LookupSteps(userName string) (lookup, create Step) {
	auth := BasicAuth(LookupUser, LookupPassword)
	q := strings.NewReplacer(" ", "%20", `"`, "%22").Replace(`userName eq "` + userName + `"`)
	lookup = Step{Method: http.MethodGet, Path: LookupPath + "/Users?filter=" + q,
		Header: [][2]string{auth, {"Accept", SCIMType}}}
	create = Step{Method: http.MethodPost, Path: LookupPath + "/Users",
		Header: [][2]string{auth, {"Content-Type", SCIMType}, {"Accept", SCIMType}},
		Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + userName +
			`","name":{"givenName":"John","familyName":"Doe"},"active":true}`}
	return lookup, create
}

// LookupPatch is the update a connector sends to a user its lookup found.
func LookupPatch(id string) Step {
	return Step{Method: http.MethodPatch, Path: LookupPath + "/Users/" + id,
		Header: [][2]string{BasicAuth(LookupUser, LookupPassword), {"Content-Type", SCIMType}, {"Accept", SCIMType}},
		Body:   `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`}
}

// ProvisionByLookup is a connector's correlation of one identity: it looks
// userName up, updates the user the lookup found, and creates it when the
// lookup found nothing. It returns every reply, the lookup's first.
func ProvisionByLookup(ctx context.Context, c Caller, base, userName string) ([]Reply, error) {
	lookup, create := LookupSteps(userName)
	replies, err := c.Call(ctx, base, []Step{lookup})
	if err != nil || len(replies) != 1 {
		return replies, err
	}
	next := create
	if id := FoundID(replies[0], userName); id != "" {
		next = LookupPatch(id)
	}
	more, err := c.Call(ctx, base, []Step{next})
	return append(replies, more...), err
}

// FoundID is the id of the user with userName (compared as the connector
// does, case-insensitively) in a lookup's ListResponse, "" when none.
func FoundID(r Reply, userName string) string {
	if r.Status != http.StatusOK {
		return ""
	}
	var list struct {
		Resources []struct {
			ID       string `json:"id"`
			UserName string `json:"userName"`
		} `json:"Resources"`
	}
	if json.Unmarshal([]byte(r.Body), &list) != nil {
		return ""
	}
	for _, u := range list.Resources {
		if strings.EqualFold(u.UserName, userName) {
			return u.ID
		}
	}
	return ""
}
