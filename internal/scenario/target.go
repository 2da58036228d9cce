package scenario

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Target is a provisioning API as connectors meet it in production, with
// the behaviours the diagnosis must hold against: POST /admin/users,
// PATCH /admin/usergroups/<uuid>, GET /admin/users/<name> (seed 1's
// shape), Basic credentials or a session cookie.
//
// A request with a live session cookie is its session's. One with valid
// credentials and no session gets a new session (JSESSIONID) — unless
// OneSession and the user has one live: then the seed-1 refusal. One
// without credentials gets 401 with a Basic challenge (what clients that
// wait for the challenge answer).
type Target struct {
	Accounts map[string]string // user → password

	OneSession bool // refuse a second live session per user (seed 1's server)
	NoSessions bool // authenticate every call by its credentials; set no session cookie
	Affinity   bool // a load balancer in front sets AWSALB/AWSALBCORS, new values on every response
	// SSO: only a session authenticates; POST /sso/login with Basic
	// credentials opens one, and any other request without a live session
	// is sent to the sign-in page (302).
	SSO bool
	// Scheme is the challenge's auth-scheme ("Basic" when empty); a Bearer
	// server refuses Basic.
	Scheme string

	mu       sync.Mutex
	sessions map[string]*apiSession
	users    map[string]string
	groups   map[string][]string
}

// TargetGroup is the group connectors add new accounts to.
const TargetGroup = "3a6f0c2e-9d41-4b7e-8c15-7e2d9b4a6f10"

// SSOSignIn is where the Target's single sign-on sends a request without
// its session.
const SSOSignIn = "https://login.example.test/adfs/ls/?SAMLRequest=fZJNb4MwDIb"

// NewTarget returns a Target that accepts the given user/password pairs.
func NewTarget(accounts ...string) *Target {
	t := &Target{Accounts: map[string]string{}, sessions: map[string]*apiSession{}, users: map[string]string{},
		groups: map[string][]string{TargetGroup: nil}}
	for i := 0; i+1 < len(accounts); i += 2 {
		t.Accounts[accounts[i]] = accounts[i+1]
	}
	return t
}

// IsMember reports whether the named account was added to TargetGroup.
func (t *Target) IsMember(name string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range t.groups[TargetGroup] {
		if m == t.users[name] && m != "" {
			return true
		}
	}
	return false
}

// Sessions is the number of sessions the server opened.
func (t *Target) Sessions() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sessions)
}

// ServeHTTP implements http.Handler.
func (t *Target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Affinity {
		// Every response, whatever it is, as an AWS ALB with stickiness does.
		lb := randomHex(16)
		w.Header().Add("Set-Cookie", "AWSALB="+lb+"; Expires="+time.Now().Add(7*24*time.Hour).UTC().Format(http.TimeFormat)+"; Path=/")
		w.Header().Add("Set-Cookie", "AWSALBCORS="+lb+"; Expires="+time.Now().Add(7*24*time.Hour).UTC().Format(http.TimeFormat)+"; Path=/; SameSite=None; Secure")
	}
	user, ok := t.authenticate(w, r)
	if !ok {
		return
	}
	t.serve(w, r, user)
}

// authenticate answers the request itself when it does not get through.
func (t *Target) authenticate(w http.ResponseWriter, r *http.Request) (string, bool) {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if s := t.sessions[c.Value]; s != nil && time.Since(s.lastUsed) < SessionTTL {
			s.lastUsed = time.Now()
			return s.user, true
		}
	}
	user, pass, hasCreds := r.BasicAuth()
	valid := hasCreds && t.Accounts[user] != "" && t.Accounts[user] == pass
	switch {
	case t.SSO && r.URL.Path == "/sso/login" && valid:
		t.openSession(w, user)
		writeJSON(w, "application/json", http.StatusOK, map[string]any{"user": user})
		return "", false
	case t.SSO:
		w.Header().Set("Location", SSOSignIn+"&RelayState="+url.QueryEscape(r.URL.RequestURI()))
		w.WriteHeader(http.StatusFound)
		return "", false
	case !valid:
		scheme := t.Scheme
		if scheme == "" {
			scheme = "Basic"
		}
		w.Header().Set("WWW-Authenticate", scheme+` realm="provisioning"`)
		writeJSON(w, "application/json", http.StatusUnauthorized, map[string]any{"code": 401, "description": "Authentication required"})
		return "", false
	case t.NoSessions:
		return user, true
	case t.OneSession && t.liveSessions(user) > 0:
		w.Header().Set("WWW-Authenticate", `Token Basic realm="`+SessionAPIRealm+`"`)
		writeJSON(w, "application/json", http.StatusUnauthorized, sessionRefusal)
		return "", false
	}
	t.openSession(w, user)
	return user, true
}

func (t *Target) openSession(w http.ResponseWriter, user string) {
	id := strings.ToUpper(randomHex(16))
	t.sessions[id] = &apiSession{user: user, lastUsed: time.Now()}
	w.Header().Add("Set-Cookie", SessionCookie+"="+id+"; Path=/; HttpOnly")
}

func (t *Target) liveSessions(user string) int {
	n := 0
	for _, s := range t.sessions {
		if s.user == user && time.Since(s.lastUsed) < SessionTTL {
			n++
		}
	}
	return n
}

func (t *Target) serve(w http.ResponseWriter, r *http.Request, user string) {
	p := r.URL.Path
	switch {
	case r.Method == "POST" && p == "/admin/users":
		var body struct {
			Name string `json:"name"`
		}
		if json.NewDecoder(r.Body).Decode(&body) != nil || body.Name == "" {
			writeJSON(w, "application/json", http.StatusBadRequest, map[string]any{"description": "name is required"})
			return
		}
		id := newUUID()
		t.users[body.Name] = id
		writeJSON(w, "application/json", http.StatusCreated, map[string]any{"uuid": id, "name": body.Name, "createdBy": user})
	case r.Method == "PATCH" && strings.HasPrefix(p, "/admin/usergroups/"):
		var body struct {
			AddUsers []string `json:"addUsers"`
		}
		gid := strings.TrimPrefix(p, "/admin/usergroups/")
		if _, ok := t.groups[gid]; !ok || json.NewDecoder(r.Body).Decode(&body) != nil {
			writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"description": "no such group"})
			return
		}
		t.groups[gid] = append(t.groups[gid], body.AddUsers...)
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "GET" && strings.HasPrefix(p, "/admin/users/"):
		name := strings.TrimPrefix(p, "/admin/users/")
		if t.users[name] == "" {
			writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"description": "no such user"})
			return
		}
		writeJSON(w, "application/json", http.StatusOK, map[string]any{"uuid": t.users[name], "name": name})
	default:
		writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"description": "not found"})
	}
}
