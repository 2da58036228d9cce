package scenario

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// RequiredFieldPath is where RequiredFieldAPI creates users.
const RequiredFieldPath = "/api/v1/users"

// RequiredFieldAPI is a REST API with required fields, as many SaaS
// targets are: POST RequiredFieldPath takes {"userName", "email",
// "displayName"} and answers 400 {"message":"email is a required field"}
// when a required field (userName, email) is missing, empty, the string
// "null", or a placeholder a connector's template left unfilled
// ($plan.email$, ${…}, {{…}}); else 201 with the user. It takes no
// credentials, and keeps no session.
type RequiredFieldAPI struct {
	mu    sync.Mutex
	users []string
}

// NewRequiredFieldAPI returns the API with no users.
func NewRequiredFieldAPI() *RequiredFieldAPI { return &RequiredFieldAPI{} }

// Users lists the userNames created so far.
func (a *RequiredFieldAPI) Users() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.users...)
}

var unfilled = regexp.MustCompile(`^(\$[A-Za-z_][\w.]*\$|\$\{[^}]*\}|\{\{[^}]*\}\})$`)

// ServeHTTP implements http.Handler.
func (a *RequiredFieldAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != RequiredFieldPath || r.Method != http.MethodPost {
		writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"message": "not found"})
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, "application/json", http.StatusBadRequest, map[string]any{"message": "malformed JSON"})
		return
	}
	for _, field := range []string{"userName", "email"} {
		v, _ := body[field].(string)
		t := strings.TrimSpace(v)
		if t == "" || strings.EqualFold(t, "null") || unfilled.MatchString(t) {
			writeJSON(w, "application/json", http.StatusBadRequest, map[string]any{"message": field + " is a required field"})
			return
		}
	}
	a.mu.Lock()
	name := body["userName"].(string)
	a.users = append(a.users, name)
	a.mu.Unlock()
	w.Header().Set("Location", RequiredFieldPath+"/"+name)
	writeJSON(w, "application/json", http.StatusCreated, map[string]any{"id": newUUID(), "userName": name, "email": body["email"]})
}

// RequiredFieldSteps creates one user per body, in order: what a connector
// sends for a batch of new identities.
func RequiredFieldSteps(bodies ...string) []Step {
	var steps []Step
	for _, b := range bodies {
		steps = append(steps, Step{Method: "POST", Path: RequiredFieldPath,
			Header: [][2]string{{"Content-Type", "application/json"}, {"Accept", "application/json"}}, Body: b})
	}
	return steps
}
