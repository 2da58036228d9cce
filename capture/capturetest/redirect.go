package capturetest

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
)

// The redirect case of issue 6: a SCIM service whose base URL moved. The
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
		writeJSON(w, scimType, http.StatusOK, map[string]any{
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
	req.Header.Set("Accept", scimType)
	_, err = do(client, req)
	return err
}

// RunMoved is `curl -L -u user:password MovedURL(baseURL)`: curl follows the
// redirect and sends the credentials only to the host it was given.
func (c Curl) RunMoved(ctx context.Context, baseURL string) error {
	bin, err := exec.LookPath("curl")
	if err != nil {
		return fmt.Errorf("the curl binary is not installed: %w", err)
	}
	args := []string{"-sS", "-L", "-u", MovedUser + ":" + MovedPassword, "-H", "Accept: " + scimType, "-w", "\n%{http_code}"}
	if c.Proxy != "" {
		args = append(args, "--proxy", c.Proxy, "--noproxy", "")
	} else {
		args = append(args, "--noproxy", "*")
	}
	if c.CAFile != "" {
		args = append(args, "--cacert", c.CAFile)
	}
	if c.Insecure {
		args = append(args, "-k")
	}
	url := MovedURL(baseURL)
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return fmt.Errorf("curl -L %s: %v: %s", url, err, strings.TrimSpace(string(ee.Stderr)))
		}
		return fmt.Errorf("curl -L %s: %w", url, err)
	}
	text := string(out)
	i := strings.LastIndexByte(text, '\n')
	status, err := strconv.Atoi(strings.TrimSpace(text[i+1:]))
	if i < 0 || err != nil {
		return fmt.Errorf("curl -L %s: unexpected output %q", url, text)
	}
	if status >= 400 {
		return &StepError{Step: "GET " + stepPath(url), Status: status, Body: text[:i]}
	}
	return nil
}
