package scenario

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// CSRF tokens: an SAP Gateway-style OData service. Writes need
// the token a `X-CSRF-Token: Fetch` request obtained, in the session (cookie)
// it was fetched in; every fetch issues a new token that replaces the old.
const (
	CSRFUser     = "PROV_CONNECTOR"
	CSRFPassword = "Sap-Pr0v1s10n!"
	// CSRFServicePath is the OData service's root.
	CSRFServicePath = "/sap/opu/odata/sap/API_USERS_SRV"
	// CSRFSessionCookie is the session cookie the token is bound to.
	CSRFSessionCookie = "SAP_SESSIONID_PRD_100"
	// CSRFTokenHeader is the token header, spelled as SAP's responses do.
	CSRFTokenHeader = "x-csrf-token"
)

// CSRFAPI is the CSRF server: GET <CSRFServicePath>/Users (with
// `X-CSRF-Token: Fetch` to obtain a token), POST <CSRFServicePath>/Users to
// create one. Basic auth on every call; a call without the session cookie
// opens a new session.
type CSRFAPI struct {
	mu       sync.Mutex
	sessions map[string]string // session id → its current token ("" before a fetch)
	users    []string
}

// NewCSRFAPI returns a CSRF server with no users.
func NewCSRFAPI() *CSRFAPI { return &CSRFAPI{sessions: map[string]string{}} }

// Users lists the accounts created so far.
func (a *CSRFAPI) Users() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.users...)
}

// ServeHTTP implements http.Handler.
func (a *CSRFAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u, p, ok := r.BasicAuth(); !ok || u != CSRFUser || p != CSRFPassword {
		w.Header().Set("WWW-Authenticate", `Basic realm="SAP NetWeaver Application Server [PRD/100]"`)
		http.Error(w, "Logon failed", http.StatusUnauthorized)
		return
	}
	sid := ""
	if c, err := r.Cookie(CSRFSessionCookie); err == nil {
		if _, ok := a.sessions[c.Value]; ok {
			sid = c.Value
		}
	}
	if sid == "" {
		sid = strings.ToUpper(randomHex(20))
		a.sessions[sid] = ""
		http.SetCookie(w, &http.Cookie{Name: CSRFSessionCookie, Value: sid, Path: "/", HttpOnly: true, Secure: r.TLS != nil})
		http.SetCookie(w, &http.Cookie{Name: "sap-usercontext", Value: "sap-client=100", Path: "/"})
	}
	if strings.EqualFold(r.Header.Get("X-CSRF-Token"), "Fetch") {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		a.sessions[sid] = base64.StdEncoding.EncodeToString(b)
		w.Header()[CSRFTokenHeader] = []string{a.sessions[sid]}
	}
	path := strings.TrimPrefix(r.URL.Path, CSRFServicePath)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if tok := r.Header.Get("X-CSRF-Token"); tok == "" || tok != a.sessions[sid] {
			w.Header()[CSRFTokenHeader] = []string{"Required"}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte("CSRF token validation failed"))
			return
		}
	}
	switch {
	case path == "/Users" && r.Method == http.MethodGet:
		list := []map[string]string{}
		for _, u := range a.users {
			list = append(list, map[string]string{"UserName": u})
		}
		writeJSON(w, "application/json", http.StatusOK, map[string]any{"d": map[string]any{"results": list}})
	case path == "/Users" && r.Method == http.MethodPost:
		var body struct{ UserName string }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.UserName == "" {
			writeJSON(w, "application/json", http.StatusBadRequest, map[string]any{"error": map[string]any{"message": "UserName is required"}})
			return
		}
		a.users = append(a.users, body.UserName)
		w.Header().Set("Location", CSRFServicePath+"/Users('"+body.UserName+"')")
		writeJSON(w, "application/json", http.StatusCreated, map[string]any{"d": map[string]string{"UserName": body.UserName}})
	default:
		writeJSON(w, "application/json", http.StatusNotFound, map[string]any{"error": map[string]any{"message": "Resource not found"}})
	}
}

// CSRFClient is how a connector handles the token protocol.
type CSRFClient struct {
	KeepCookies bool // the session cookie goes with every call
	EchoToken   bool // the write carries the fetched token
	// FetchTwice fetches again on a second read but writes with the token
	// of the first fetch (a token cached at start-up).
	FetchTwice bool
}

var (
	// CSRFCorrect fetches a token and echoes it with its session.
	CSRFCorrect = CSRFClient{KeepCookies: true, EchoToken: true}
	// CSRFNoToken fetches a token and does not send it.
	CSRFNoToken = CSRFClient{KeepCookies: true}
	// CSRFNoCookies echoes the token but drops the session it belongs to.
	CSRFNoCookies = CSRFClient{EchoToken: true}
	// CSRFStale writes with the token of an earlier fetch.
	CSRFStale = CSRFClient{KeepCookies: true, EchoToken: true, FetchTwice: true}
)

// RunCSRF is the connector creating account through client: fetch a
// token, (fetch again,) create the account. A refused call stops it with a
// *StepError. client's cookie jar is the KeepCookies of the configuration.
func RunCSRF(client *http.Client, baseURL string, c CSRFClient, account string) error {
	svc := strings.TrimSuffix(baseURL, "/") + CSRFServicePath
	call := func(method, url, token, body string) (string, error) {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			return "", err
		}
		if body == "" {
			req.Body, req.ContentLength = nil, 0
		} else {
			req.Header.Set("Content-Type", "application/json")
		}
		req.SetBasicAuth(CSRFUser, CSRFPassword)
		req.Header.Set("Accept", "application/json")
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			return "", &StepError{Step: method + " " + req.URL.Path, Status: resp.StatusCode, Body: resp.Header.Get(CSRFTokenHeader)}
		}
		return resp.Header.Get(CSRFTokenHeader), nil
	}
	token, err := call("GET", svc+"/Users?$top=1", "Fetch", "")
	if err != nil {
		return err
	}
	if c.FetchTwice {
		if _, err := call("GET", svc+"/Users?$filter=UserName%20eq%20'"+account+"'", "Fetch", ""); err != nil {
			return err
		}
	}
	if !c.EchoToken {
		token = ""
	}
	_, err = call("POST", svc+"/Users", token, `{"UserName":"`+account+`"}`)
	return err
}
