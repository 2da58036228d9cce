package scenario

import (
	"net/http"
	"strings"
)

// A moved base URL: a SCIM service whose base URL moved. The
// old path answers 308 Permanent Redirect to the new one — on the same host,
// or on another (a new gateway) — and the new one wants Basic auth.
// curl, Java and Go drop Authorization when a redirect leaves the host.
const (
	MovedUser     = "svc-scim"
	MovedPassword = "M0ved-Perm4nently!"
)

// MovedAPI answers /v1/… with 308 to <NewBase>/v2/… (the same query), and
// serves /v2/Users to Basic-authenticated callers.
type MovedAPI struct {
	// NewBase is where the service moved (scheme://host:port); "" is this
	// server itself, so the redirect stays on the host.
	NewBase string
}

// ServeHTTP implements http.Handler.
func (m *MovedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, "/v1/"); ok {
		base := m.NewBase
		if base == "" {
			base = "http://" + r.Host
			if r.TLS != nil {
				base = "https://" + r.Host
			}
		}
		loc := strings.TrimSuffix(base, "/") + "/v2/" + rest
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusPermanentRedirect)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != MovedUser || p != MovedPassword {
		w.Header().Set("WWW-Authenticate", `Basic realm="SCIM v2"`)
		scimError(w, http.StatusUnauthorized, "Authentication failed")
		return
	}
	if strings.TrimSuffix(r.URL.Path, "/") == "/v2/Users" && r.Method == http.MethodGet {
		writeJSON(w, SCIMType, http.StatusOK, map[string]any{
			"schemas":      []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
			"totalResults": 0, "Resources": []any{}})
		return
	}
	scimError(w, http.StatusNotFound, "Resource not found")
}

// MovedURL is the old URL connectors are configured with: the users
// endpoint under /v1 on baseURL.
func MovedURL(baseURL string) string { return strings.TrimSuffix(baseURL, "/") + "/v1/Users?count=10" }

// RunMoved reads MovedURL(baseURL) through client with Basic auth, following
// redirects as Go does (dropping Authorization on another host).
func RunMoved(client *http.Client, baseURL string) error {
	req, err := http.NewRequest("GET", MovedURL(baseURL), nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(MovedUser, MovedPassword)
	req.Header.Set("Accept", SCIMType)
	_, err = do(client, req)
	return err
}
