package scenario

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ExpiresFormat is how a server writes its session cookie's lifetime.
type ExpiresFormat int

const (
	// ExpiresRFC1123 is "Expires=Wed, 02 Dec 2026 10:15:00 GMT": what Go's
	// http.Cookie, Java servlet containers and most frameworks write, and
	// what Apache HttpClient 4.x's default cookie spec cannot read.
	ExpiresRFC1123 ExpiresFormat = iota
	// ExpiresNetscape is "Expires=Wed, 02-Dec-2026 10:15:00 GMT", the form
	// that spec reads.
	ExpiresNetscape
	// ExpiresMaxAge is "Max-Age=900" and no Expires.
	ExpiresMaxAge
)

// CookieExpiresAPI is seed 1's session API (SessionAPI: one session per
// user, the session cookie required on every call after the first, else
// 401) whose session cookie carries its lifetime, in Format. With the
// default, ExpiresRFC1123, Apache HttpClient 4.x with its default cookie
// spec drops the cookie ("Invalid 'expires' attribute") and the connector's
// second call is refused — seed 1's symptom on an IdentityIQ connector.
// Affinity adds a load balancer's AWSALB cookie, with an RFC 1123 Expires,
// to every answer.
type CookieExpiresAPI struct {
	*SessionAPI
	Format   ExpiresFormat
	Affinity bool
}

// NewCookieExpiresAPI returns the API with the given format.
func NewCookieExpiresAPI(format ExpiresFormat) *CookieExpiresAPI {
	return &CookieExpiresAPI{SessionAPI: NewSessionAPI(), Format: format}
}

// ServeHTTP implements http.Handler.
func (a *CookieExpiresAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.SessionAPI.ServeHTTP(&expiresWriter{ResponseWriter: w, api: a}, r)
}

// expiresWriter adds the lifetime to the session cookie as the answer goes out.
type expiresWriter struct {
	http.ResponseWriter
	api   *CookieExpiresAPI
	wrote bool
}

func (w *expiresWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		h := w.Header()
		expires := w.api.now().Add(SessionTTL).UTC()
		for i, sc := range h["Set-Cookie"] {
			if strings.HasPrefix(sc, SessionCookie+"=") {
				h["Set-Cookie"][i] = sc + "; " + lifetimeAttr(w.api.Format, expires)
			}
		}
		if w.api.Affinity {
			h.Add("Set-Cookie", "AWSALB="+randomHex(24)+"; Expires="+
				w.api.now().Add(7*24*time.Hour).UTC().Format(http.TimeFormat)+"; Path=/")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *expiresWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func lifetimeAttr(f ExpiresFormat, expires time.Time) string {
	switch f {
	case ExpiresNetscape:
		return "Expires=" + expires.Format("Mon, 02-Jan-2006 15:04:05 GMT")
	case ExpiresMaxAge:
		return "Max-Age=" + strconv.Itoa(int(SessionTTL/time.Second))
	}
	return "Expires=" + expires.Format(http.TimeFormat)
}

// Seed1Steps are seed 1's connector calls for account, as a script: create
// it (POST /admin/users), add it to SessionAPIGroup (PATCH), read it back
// (GET), each with Basic auth, as one logical client.
func Seed1Steps(account string) []Step {
	auth := BasicAuth(SessionAPIUser, SessionAPIPassword)
	js := [2]string{"Content-Type", "application/json"}
	accept := [2]string{"Accept", "application/json"}
	return []Step{
		{Method: "POST", Path: "/admin/users", Header: [][2]string{auth, accept, js}, Body: `{"name":"` + account + `"}`},
		{Method: "PATCH", Path: "/admin/usergroups/" + SessionAPIGroup, Header: [][2]string{auth, accept, js},
			Body: `{"addUsers":["` + account + `"]}`},
		{Method: "GET", Path: "/admin/users/" + account, Header: [][2]string{auth, accept}},
	}
}

// AffinityAPI answers every request 200 with a load balancer's affinity
// cookie (AWSALB, an RFC 1123 Expires) and needs no cookie back: a client
// that keeps none is served all the same.
type AffinityAPI struct{}

// ServeHTTP implements http.Handler.
func (AffinityAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "AWSALB="+randomHex(24)+"; Expires="+
		time.Now().Add(7*24*time.Hour).UTC().Format(http.TimeFormat)+"; Path=/")
	writeJSON(w, "application/json", http.StatusOK, map[string]any{"path": r.URL.Path, "ok": true})
}
