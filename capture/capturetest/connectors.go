package capturetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// StepError is a connector step the server refused or failed.
type StepError struct {
	Step   string // "PATCH /admin/usergroups/…"
	Status int
	Body   string
}

func (e *StepError) Error() string {
	return fmt.Sprintf("%s: %d %s", e.Step, e.Status, strings.TrimSpace(e.Body))
}

var accountSeq atomic.Int64

// NewAccountName is a fresh account name for a seed-1 run (the server
// refuses to create the same account twice).
func NewAccountName() string { return fmt.Sprintf("jdoe%d", accountSeq.Add(1)) }

// Seed2Client is how a seed-2 SCIM connector is configured.
type Seed2Client struct {
	KeyInHeader bool // the key as the custom header Ocp-Apim-Subscription-Key
	KeyInQuery  bool // the key in the base URL's query string (subscription-key=…)
	KeyOnWrites bool // the fix: the header and the query string go on PUT/PATCH too
	ReadConfig  bool // read /ServiceProviderConfig first; it says PATCH is supported, so PATCH (else PUT)
}

var (
	// Seed2ReadsOnly is the failing connector of SCENARIOS §2: key in header
	// and query string, applied to reads only.
	Seed2ReadsOnly = Seed2Client{KeyInHeader: true, KeyInQuery: true, ReadConfig: true}
	// Seed2Correct sends the key on every call.
	Seed2Correct = Seed2Client{KeyInHeader: true, KeyInQuery: true, KeyOnWrites: true, ReadConfig: true}
)

// seed2Step is one call of the seed-2 connector.
type seed2Step struct {
	Method, Path, Body string
}

// steps lists the connector's calls in order: synchronization, then the
// membership it provisions.
func (c Seed2Client) steps() []seed2Step {
	var s []seed2Step
	if c.ReadConfig {
		s = append(s, seed2Step{"GET", "/ServiceProviderConfig", ""})
	}
	s = append(s, seed2Step{"GET", "/Users", ""}, seed2Step{"GET", "/Groups", ""}, seed2Step{"GET", "/Groups/" + GatewayGroup, ""})
	if c.ReadConfig {
		return append(s, seed2Step{"PATCH", "/Groups/" + GatewayGroup,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + GatewayNewMember + `"}]}]}`})
	}
	return append(s, seed2Step{"PUT", "/Groups/" + GatewayGroup,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"` + GatewayGroup + `","displayName":"Sales","members":[{"value":"a0b1c2d3-0000-4000-8000-000000000001"},{"value":"` + GatewayNewMember + `"}]}`})
}

// keyed says whether this step carries the key (reads always, writes only
// when configured).
func (c Seed2Client) keyed(method string) bool { return method == "GET" || c.KeyOnWrites }

// url is the step's URL: the configured base URL (with the key in its query
// string when so configured) plus the path.
func (c Seed2Client) url(baseURL string, st seed2Step) string {
	u := strings.TrimSuffix(baseURL, "/") + st.Path
	if c.KeyInQuery && c.keyed(st.Method) {
		u += "?" + KeyParam + "=" + GatewayKey
	}
	return u
}

// RunSeed1 is the web-services connector of SCENARIOS §1 provisioning a new
// account through client: create it, add it to SessionAPIGroup, read it
// back, each call with Basic auth. With a cookie jar on client it works;
// without one the PATCH is refused (a *StepError) and the run stops there,
// as the connector does. No testing dependency: `provtap demo` uses it.
func RunSeed1(client *http.Client, baseURL string) error {
	name := NewAccountName()
	base := strings.TrimSuffix(baseURL, "/")
	call := func(method, path, body string) ([]byte, error) {
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.SetBasicAuth(SessionAPIUser, SessionAPIPassword)
		req.Header.Set("Accept", "application/json")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Body, req.ContentLength = nil, 0
		}
		return do(client, req)
	}
	created, err := call("POST", "/admin/users", `{"name":"`+name+`","email":"`+name+`@example.com"}`)
	if err != nil {
		return err
	}
	var user struct{ UUID string }
	if err := json.Unmarshal(created, &user); err != nil || user.UUID == "" {
		return fmt.Errorf("POST /admin/users: unexpected answer %q", created)
	}
	if _, err := call("PATCH", "/admin/usergroups/"+SessionAPIGroup, `{"addUsers":["`+user.UUID+`"]}`); err != nil {
		return err
	}
	_, err = call("GET", "/admin/users/"+name, "")
	return err
}

// RunSeed2 is the SCIM connector of SCENARIOS §2, configured as c, through
// client. It stops at the first refused call (a *StepError).
func RunSeed2(client *http.Client, baseURL string, c Seed2Client) error {
	for _, st := range c.steps() {
		var body io.Reader
		if st.Body != "" {
			body = strings.NewReader(st.Body)
		}
		req, err := http.NewRequest(st.Method, c.url(baseURL, st), body)
		if err != nil {
			return err
		}
		req.SetBasicAuth(GatewayUser, GatewayPassword)
		req.Header.Set("Accept", scimType)
		if st.Body != "" {
			req.Header.Set("Content-Type", scimType)
		}
		if c.KeyInHeader && c.keyed(st.Method) {
			req.Header.Set(KeyHeader, GatewayKey)
		}
		if _, err := do(client, req); err != nil {
			return err
		}
	}
	return nil
}

func do(client *http.Client, req *http.Request) ([]byte, error) {
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 400 {
		return body, &StepError{Step: req.Method + " " + req.URL.Path, Status: resp.StatusCode, Body: string(bytes.TrimSpace(body))}
	}
	return body, nil
}
