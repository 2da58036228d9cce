package scenario

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Seed 2, the header that only reads carried: a SCIM service behind an API gateway that wants a
// subscription key on every call, then Basic auth.
const (
	GatewayKey      = "6c1f0a8e3b2d4f79a5c8e0d1b2a3f4e5"
	GatewayUser     = "scim-connector"
	GatewayPassword = "Sc1m-Gateway!"
	// GatewayGroup is the group connectors provision memberships in.
	GatewayGroup = "e9e30dba-f08f-4109-8486-d5c6a331660a"
	// GatewayNewMember is the user the connectors add to GatewayGroup.
	GatewayNewMember = "2819c223-7f76-453a-919d-413861904646"
	// KeyHeader and KeyParam are where the gateway looks for the key.
	KeyHeader = "Ocp-Apim-Subscription-Key"
	KeyParam  = "subscription-key"
)

// SCIMType is the SCIM media type (RFC 7644).
const SCIMType = "application/scim+json"

// Gateway is the seed-2 server: GET /Users, /Groups, /Groups/<id>,
// /ServiceProviderConfig, PUT and PATCH /Groups/<id>. It is an http.Handler;
// Serve(gw, tls) runs it.
type Gateway struct {
	mu      sync.Mutex
	members map[string]bool // members of GatewayGroup
}

// NewGateway returns a gateway whose group has one member.
func NewGateway() *Gateway {
	return &Gateway{members: map[string]bool{"a0b1c2d3-0000-4000-8000-000000000001": true}}
}

// IsMember reports whether the user id is in GatewayGroup.
func (g *Gateway) IsMember(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.members[id]
}

var users = []map[string]any{
	{"id": "a0b1c2d3-0000-4000-8000-000000000001", "userName": "alice"},
	{"id": GatewayNewMember, "userName": "bjensen"},
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(KeyHeader)
	if key == "" {
		key = r.URL.Query().Get(KeyParam)
	}
	switch {
	case key == "":
		writeJSON(w, "application/json", http.StatusUnauthorized, map[string]any{"statusCode": 401,
			"message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."})
		return
	case key != GatewayKey:
		writeJSON(w, "application/json", http.StatusUnauthorized, map[string]any{"statusCode": 401,
			"message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."})
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != GatewayUser || p != GatewayPassword {
		w.Header().Set("WWW-Authenticate", `Basic realm="SCIM"`)
		scimError(w, http.StatusUnauthorized, "Authentication failed")
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch path := strings.TrimSuffix(r.URL.Path, "/"); {
	case path == "/ServiceProviderConfig" && r.Method == http.MethodGet:
		writeJSON(w, SCIMType, http.StatusOK, map[string]any{
			"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
			"patch":   map[string]any{"supported": true}, "bulk": map[string]any{"supported": false},
			"filter":                map[string]any{"supported": true, "maxResults": 200},
			"authenticationSchemes": []map[string]any{{"type": "httpbasic", "name": "HTTP Basic"}},
		})
	case path == "/Users" && r.Method == http.MethodGet:
		listResponse(w, users)
	case path == "/Groups" && r.Method == http.MethodGet:
		listResponse(w, []map[string]any{g.group()})
	case path == "/Groups/"+GatewayGroup:
		g.groupResource(w, r)
	default:
		scimError(w, http.StatusNotFound, "Resource not found")
	}
}

func (g *Gateway) groupResource(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Members    []struct{ Value string } `json:"members"`
		Operations []struct {
			Op, Path string
			Value    []struct{ Value string }
		} `json:"Operations"`
	}
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut, http.MethodPatch:
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			scimError(w, http.StatusBadRequest, "Malformed request body")
			return
		}
		if r.Method == http.MethodPut {
			g.members = map[string]bool{}
			for _, m := range body.Members {
				g.members[m.Value] = true
			}
		}
		for _, op := range body.Operations {
			for _, v := range op.Value {
				switch strings.ToLower(op.Op) {
				case "add":
					g.members[v.Value] = true
				case "remove":
					delete(g.members, v.Value)
				}
			}
		}
	default:
		scimError(w, http.StatusMethodNotAllowed, "Method not allowed")
		return
	}
	writeJSON(w, SCIMType, http.StatusOK, g.group())
}

func (g *Gateway) group() map[string]any {
	var members []map[string]any
	for _, u := range users {
		if g.members[u["id"].(string)] {
			members = append(members, map[string]any{"value": u["id"], "display": u["userName"]})
		}
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
		"id": GatewayGroup, "displayName": "Sales", "members": members}
}

func listResponse(w http.ResponseWriter, resources []map[string]any) {
	writeJSON(w, SCIMType, http.StatusOK, map[string]any{
		"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(resources), "itemsPerPage": len(resources), "startIndex": 1, "Resources": resources,
	})
}

func scimError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, SCIMType, status, map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": strconv.Itoa(status), "detail": detail,
	})
}
