package scenario

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
	// Seed2ReadsOnly is the failing SCIM connector: the key in the header
	// and in the query string, applied to reads only.
	Seed2ReadsOnly = Seed2Client{KeyInHeader: true, KeyInQuery: true, ReadConfig: true}
	// Seed2Correct sends the key on every call.
	Seed2Correct = Seed2Client{KeyInHeader: true, KeyInQuery: true, KeyOnWrites: true, ReadConfig: true}
)

// Seed2Step is one call of the seed-2 connector.
type Seed2Step struct {
	Method, Path, Body string
}

// Steps lists the connector's calls in order: synchronization, then the
// membership it provisions.
func (c Seed2Client) Steps() []Seed2Step {
	var s []Seed2Step
	if c.ReadConfig {
		s = append(s, Seed2Step{"GET", "/ServiceProviderConfig", ""})
	}
	s = append(s, Seed2Step{"GET", "/Users", ""}, Seed2Step{"GET", "/Groups", ""}, Seed2Step{"GET", "/Groups/" + GatewayGroup, ""})
	if c.ReadConfig {
		return append(s, Seed2Step{"PATCH", "/Groups/" + GatewayGroup,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + GatewayNewMember + `"}]}]}`})
	}
	return append(s, Seed2Step{"PUT", "/Groups/" + GatewayGroup,
		`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"` + GatewayGroup + `","displayName":"Sales","members":[{"value":"a0b1c2d3-0000-4000-8000-000000000001"},{"value":"` + GatewayNewMember + `"}]}`})
}

// Keyed says whether this step carries the key (reads always, writes only
// when configured).
func (c Seed2Client) Keyed(method string) bool { return method == "GET" || c.KeyOnWrites }

// URL is the step's URL: the configured base URL (with the key in its query
// string when so configured) plus the path.
func (c Seed2Client) URL(baseURL string, st Seed2Step) string {
	u := strings.TrimSuffix(baseURL, "/") + st.Path
	if c.KeyInQuery && c.Keyed(st.Method) {
		u += "?" + KeyParam + "=" + GatewayKey
	}
	return u
}

// RunSeed1 is the web-services connector provisioning a new account through
// client: create it, add it to SessionAPIGroup, read it back, each call with
// Basic auth. With a cookie jar on client it works; without one the PATCH is
// refused (a *StepError) and the run stops there, as the connector does.
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

// RunSeed2 is the SCIM connector behind the API gateway, configured as c, through
// client. It stops at the first refused call (a *StepError).
func RunSeed2(client *http.Client, baseURL string, c Seed2Client) error {
	for _, st := range c.Steps() {
		var body io.Reader
		if st.Body != "" {
			body = strings.NewReader(st.Body)
		}
		req, err := http.NewRequest(st.Method, c.URL(baseURL, st), body)
		if err != nil {
			return err
		}
		req.SetBasicAuth(GatewayUser, GatewayPassword)
		req.Header.Set("Accept", SCIMType)
		if st.Body != "" {
			req.Header.Set("Content-Type", SCIMType)
		}
		if c.KeyInHeader && c.Keyed(st.Method) {
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
