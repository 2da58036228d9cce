package scenario

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Bearer tokens: a SCIM service behind an OAuth token
// endpoint (client credentials). Access tokens are JWTs that live TTL; the
// service refuses an expired one with `error="invalid_token"`, and refuses
// Basic credentials with a Bearer-only challenge.
const (
	TokenClientID     = "scim-connector"
	TokenClientSecret = "Cl13nt-S3cr3t!"
	// TokenPath is the token endpoint; the SCIM API is under /scim/v2.
	TokenPath = "/oauth2/token"
	// TokenGroup is the group connectors add TokenNewMember to.
	TokenGroup     = "5b0e9c1a-8d2f-4e3b-a6c7-9f1d2e3b4a50"
	TokenNewMember = "0c6f5a21-3e7b-4d98-b1a4-7e2c9d0f8b13"
)

// TokenAPI is the OAuth-protected SCIM server.
type TokenAPI struct {
	// TTL is how long an access token lives (2 s when zero): its exp is
	// the next whole second at least TTL ahead.
	TTL time.Duration

	mu      sync.Mutex
	key     []byte
	members []string
}

// NewTokenAPI returns a token-protected SCIM server whose tokens live ttl.
func NewTokenAPI(ttl time.Duration) *TokenAPI {
	return &TokenAPI{TTL: ttl, key: []byte(randomHex(32))}
}

// Lifetime is the token lifetime in whole seconds (expires_in).
func (a *TokenAPI) Lifetime() int {
	ttl := a.TTL
	if ttl <= 0 {
		ttl = 2 * time.Second
	}
	return int((ttl + time.Second - 1) / time.Second)
}

// IsMember reports whether TokenNewMember was added to TokenGroup.
func (a *TokenAPI) IsMember(id string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.members {
		if m == id {
			return true
		}
	}
	return false
}

var b64 = base64.RawURLEncoding

// ServeHTTP implements http.Handler.
func (a *TokenAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == TokenPath {
		a.issue(w, r)
		return
	}
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || cred == "" {
		a.refuse(w, "", "Bearer token required")
		return
	}
	if msg := a.verify(cred); msg != "" {
		a.refuse(w, "invalid_token", msg)
		return
	}
	switch path := strings.TrimSuffix(r.URL.Path, "/"); {
	case path == "/scim/v2/Users" && r.Method == http.MethodGet:
		writeJSON(w, SCIMType, http.StatusOK, map[string]any{
			"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
			"totalResults": 0, "Resources": []any{}})
	case path == "/scim/v2/Groups/"+TokenGroup && r.Method == http.MethodPatch:
		var op struct {
			Operations []struct {
				Value []struct{ Value string } `json:"value"`
			}
		}
		if err := json.NewDecoder(r.Body).Decode(&op); err != nil {
			scimError(w, http.StatusBadRequest, "malformed PatchOp")
			return
		}
		a.mu.Lock()
		for _, o := range op.Operations {
			for _, v := range o.Value {
				a.members = append(a.members, v.Value)
			}
		}
		a.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	default:
		scimError(w, http.StatusNotFound, "Resource not found")
	}
}

func (a *TokenAPI) refuse(w http.ResponseWriter, code, msg string) {
	challenge := `Bearer realm="scim"`
	if code != "" {
		challenge += fmt.Sprintf(`, error=%q, error_description=%q`, code, msg)
	}
	w.Header().Set("WWW-Authenticate", challenge)
	scimError(w, http.StatusUnauthorized, msg)
}

// issue is the token endpoint: client credentials, by Basic auth or form.
func (a *TokenAPI) issue(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		writeJSON(w, "application/json", http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != TokenClientID || secret != TokenClientSecret {
		w.Header().Set("WWW-Authenticate", `Basic realm="oauth"`)
		writeJSON(w, "application/json", http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, "application/json", http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	now := time.Now()
	life := a.Lifetime()
	exp := now.Truncate(time.Second).Add(time.Duration(life+1) * time.Second)
	claims, _ := json.Marshal(map[string]any{"iss": "http://" + r.Host + "/oauth2", "sub": id, "client_id": id,
		"aud": "scim", "iat": now.Unix(), "exp": exp.Unix(), "jti": randomHex(8)})
	signing := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + b64.EncodeToString(claims)
	mac := hmac.New(sha256.New, a.key)
	mac.Write([]byte(signing))
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, "application/json", http.StatusOK, map[string]any{
		"access_token": signing + "." + b64.EncodeToString(mac.Sum(nil)), "token_type": "Bearer", "expires_in": life})
}

// verify checks a token's signature and exp; "" when valid.
func (a *TokenAPI) verify(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "Malformed token"
	}
	mac := hmac.New(sha256.New, a.key)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return "Signature invalid"
	}
	payload, _ := b64.DecodeString(parts[1])
	var c struct{ Exp int64 }
	if json.Unmarshal(payload, &c) != nil || !time.Now().Before(time.Unix(c.Exp, 0)) {
		return "The access token expired"
	}
	return ""
}

// BearerClient is how a connector handles its access token.
type BearerClient struct {
	// Wait is the pause between the read and the write (a long sync run);
	// past the token's expiry, the write needs a new token.
	Wait time.Duration
	// Refresh requests a new token when the current one is within a
	// second of expires_in; without it the token of start-up is reused.
	Refresh bool
	// Basic sends the client credentials as Basic auth to the SCIM API
	// itself (a connector configured for the wrong scheme).
	Basic bool
}

// RunBearer is the connector through client: get a token, read the users,
// wait, add TokenNewMember to TokenGroup. A refused call stops it with a
// *StepError.
func RunBearer(client *http.Client, baseURL string, c BearerClient) error {
	base := strings.TrimSuffix(baseURL, "/")
	call := func(method, path, auth, ctype, body string) ([]byte, error) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body == "" {
			req.Body, req.ContentLength = nil, 0
		} else {
			req.Header.Set("Content-Type", ctype)
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("Accept", "application/json")
		return do(client, req)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(TokenClientID+":"+TokenClientSecret))
	if c.Basic {
		// A provisioning run goes on to the next operation after a refused
		// read: the write answers the server's challenge with the same
		// wrong scheme.
		_, _ = call("GET", "/scim/v2/Users", basic, "", "")
		_, err := call("PATCH", "/scim/v2/Groups/"+TokenGroup, basic, SCIMType, tokenPatchOp)
		return err
	}
	var token string
	var expires time.Time
	fetch := func() error {
		body, err := call("POST", TokenPath, basic, "application/x-www-form-urlencoded", url.Values{"grant_type": {"client_credentials"}}.Encode())
		if err != nil {
			return err
		}
		var t struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}
		if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
			return fmt.Errorf("token endpoint: unexpected answer %q", body)
		}
		token, expires = t.AccessToken, time.Now().Add(time.Duration(t.ExpiresIn)*time.Second)
		return nil
	}
	if err := fetch(); err != nil {
		return err
	}
	if _, err := call("GET", "/scim/v2/Users", "Bearer "+token, "", ""); err != nil {
		return err
	}
	time.Sleep(c.Wait)
	if c.Refresh && time.Until(expires) < time.Second {
		if err := fetch(); err != nil {
			return err
		}
	}
	_, err := call("PATCH", "/scim/v2/Groups/"+TokenGroup, "Bearer "+token, SCIMType, tokenPatchOp)
	return err
}

var tokenPatchOp = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + TokenNewMember + `"}]}]}`
