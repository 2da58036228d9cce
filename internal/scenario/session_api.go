package scenario

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Seed 1, the session the connector did not keep: an admin API that opens a server-side session on
// the first authenticated call and refuses a second one for the same user.
const (
	SessionAPIUser     = "svc-provisioning"
	SessionAPIPassword = "Pr0v-S3ss10n!"
	SessionAPIRealm    = "IdentityAdmin"
	// SessionAPIGroup is the group connectors add new accounts to.
	SessionAPIGroup = "7f3c9a2e-4b1d-4e8a-9c6f-2d5b8e1a3c70"
	// SessionTTL is how long a session lives after its last use.
	SessionTTL = 15 * time.Minute
	// SessionCookie is the session cookie's name.
	SessionCookie = "JSESSIONID"
)

// sessionRefusal is the body of every 401: a wrong password and a refused
// second session look the same, which is why the forum thread took days.
var sessionRefusal = map[string]any{
	"code": 401, "description": "The request requires user authentication",
	"reasonPhrase": "Unauthorized", "uri": "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.2",
}

// SessionAPI is the seed-1 server: POST /admin/users, PATCH
// /admin/usergroups/<uuid>, GET /admin/users/<name>, with Basic auth and one
// session per user. It is an http.Handler; Serve(api, tls) runs it.
type SessionAPI struct {
	// Now is the server's clock (time.Now when nil): tests move it to
	// expire sessions.
	Now func() time.Time

	mu       sync.Mutex
	sessions map[string]*apiSession // by session id
	users    map[string]string      // name → uuid
	groups   map[string][]string    // group uuid → member uuids
}

type apiSession struct {
	user     string
	lastUsed time.Time
}

// NewSessionAPI returns a server with no users and one group, SessionAPIGroup.
func NewSessionAPI() *SessionAPI {
	return &SessionAPI{sessions: map[string]*apiSession{}, users: map[string]string{},
		groups: map[string][]string{SessionAPIGroup: nil}}
}

func (a *SessionAPI) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// LiveSessions is the number of sessions open for user.
func (a *SessionAPI) LiveSessions(user string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, s := range a.sessions {
		if s.user == user && a.live(s) {
			n++
		}
	}
	return n
}

// IsMember reports whether the named account is in the group.
func (a *SessionAPI) IsMember(group, name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	id := a.users[name]
	for _, m := range a.groups[group] {
		if m == id && id != "" {
			return true
		}
	}
	return false
}

func (a *SessionAPI) live(s *apiSession) bool { return a.now().Sub(s.lastUsed) < SessionTTL }

// ServeHTTP implements http.Handler.
func (a *SessionAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.authenticate(w, r) {
		w.Header().Set("WWW-Authenticate", `Token Basic realm="`+SessionAPIRealm+`"`)
		writeJSON(w, "application/json", http.StatusUnauthorized, sessionRefusal)
		return
	}
	switch rest := strings.TrimPrefix(r.URL.Path, "/admin/"); {
	case r.URL.Path == "/admin/users" && r.Method == http.MethodPost:
		a.createUser(w, r)
	case strings.HasPrefix(rest, "usergroups/") && r.Method == http.MethodPatch:
		a.addMembers(w, r, strings.TrimPrefix(rest, "usergroups/"))
	case strings.HasPrefix(rest, "users/") && r.Method == http.MethodGet:
		a.getUser(w, strings.TrimPrefix(rest, "users/"))
	default:
		writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"code": 404, "description": "No such resource"})
	}
}

// authenticate continues the session the cookie names, or opens one for
// valid credentials — unless that user already has a live session.
func (a *SessionAPI) authenticate(w http.ResponseWriter, r *http.Request) bool {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if s := a.sessions[c.Value]; s != nil && a.live(s) {
			s.lastUsed = a.now()
			return true
		}
	}
	user, pass, ok := r.BasicAuth()
	if !ok || user != SessionAPIUser || pass != SessionAPIPassword {
		return false
	}
	for id, s := range a.sessions {
		if !a.live(s) {
			delete(a.sessions, id)
		} else if s.user == user {
			return false // one session per user
		}
	}
	id := strings.ToUpper(randomHex(16))
	a.sessions[id] = &apiSession{user: user, lastUsed: a.now()}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: id, Path: "/", HttpOnly: true})
	return true
}

func (a *SessionAPI) createUser(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
		writeJSON(w, "application/json", http.StatusBadRequest, map[string]any{"code": 400, "description": "name is required"})
		return
	}
	if _, exists := a.users[body.Name]; exists {
		writeJSON(w, "application/json", http.StatusConflict, map[string]any{"code": 409, "description": "User already exists"})
		return
	}
	id := newUUID()
	a.users[body.Name] = id
	w.Header().Set("Location", "/admin/users/"+body.Name)
	writeJSON(w, "application/json", http.StatusCreated, map[string]any{"uuid": id, "name": body.Name, "email": body.Email})
}

func (a *SessionAPI) addMembers(w http.ResponseWriter, r *http.Request, group string) {
	members, ok := a.groups[group]
	if !ok {
		writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"code": 404, "description": "No such group"})
		return
	}
	var body struct {
		Add []string `json:"addUsers"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, "application/json", http.StatusBadRequest, map[string]any{"code": 400, "description": "malformed body"})
		return
	}
	for _, u := range body.Add {
		members = append(members, u)
	}
	a.groups[group] = members
	writeJSON(w, "application/json", http.StatusOK, map[string]any{"uuid": group, "members": members})
}

func (a *SessionAPI) getUser(w http.ResponseWriter, name string) {
	id, ok := a.users[name]
	if !ok {
		writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"code": 404, "description": "No such user"})
		return
	}
	var groups []string
	for g, ms := range a.groups {
		for _, m := range ms {
			if m == id {
				groups = append(groups, g)
			}
		}
	}
	writeJSON(w, "application/json", http.StatusOK, map[string]any{"uuid": id, "name": name, "groups": groups})
}
