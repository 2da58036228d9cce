package capturetest

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/provtap/provtap/internal/scenario"
)

// Curl drives the seed connectors with the curl binary, one process per
// call, as the engineer who first reported the session failure did by hand
// (-c jar on the first call, -b jar on the next).
type Curl struct {
	Proxy  string // proxy URL (http://127.0.0.1:port); "" to connect directly
	CAFile string // PEM file of a CA to trust for https (provtap's CA)
	// Jar is a cookie jar file: -c on every call to save cookies, -b to send
	// them. "" runs without a jar (the failing connector).
	Jar string
	// Insecure accepts any server certificate (for a direct https run).
	Insecure bool
	// AnyAuth (--anyauth) sends each call without credentials first and
	// answers the server's challenge with them, on the same connection.
	AnyAuth bool
}

// curlResult is one call's answer.
type curlResult struct {
	status int
	body   string
}

// connArgs are the options that take curl to the server: through the proxy
// (or straight there), trusting the CA given.
func (c Curl) connArgs() []string {
	var args []string
	if c.Proxy != "" {
		// An empty --noproxy list overrides NO_PROXY, which often names 127.0.0.1.
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
	return args
}

func (c Curl) call(ctx context.Context, method, url, user, pass string, headers []string, body string) (curlResult, error) {
	bin, err := exec.LookPath("curl")
	if err != nil {
		return curlResult{}, fmt.Errorf("the curl binary is not installed: %w", err)
	}
	args := append([]string{"-sS", "-X", method, "-u", user + ":" + pass, "-w", "\n%{http_code}"}, c.connArgs()...)
	if c.AnyAuth {
		args = append(args, "--anyauth")
	}
	dir := ""
	if c.Jar != "" {
		// curl reads a -b argument containing "=" as cookie data, not a
		// file name (test temp dirs contain "="): run in the jar's directory.
		dir = filepath.Dir(c.Jar)
		name := filepath.Base(c.Jar)
		if strings.Contains(name, "=") {
			return curlResult{}, fmt.Errorf("curl cannot use a cookie jar named %q: the name contains \"=\"", name)
		}
		args = append(args, "-c", name, "-b", name)
	}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	if body != "" {
		args = append(args, "--data-binary", body)
	}
	args = append(args, url)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return curlResult{}, fmt.Errorf("curl %s %s: %v: %s", method, url, err, strings.TrimSpace(string(ee.Stderr)))
		}
		return curlResult{}, fmt.Errorf("curl %s %s: %w", method, url, err)
	}
	text := string(out)
	i := strings.LastIndexByte(text, '\n')
	status, err := strconv.Atoi(strings.TrimSpace(text[i+1:]))
	if i < 0 || err != nil {
		return curlResult{}, fmt.Errorf("curl %s %s: unexpected output %q", method, url, text)
	}
	res := curlResult{status: status, body: text[:i]}
	if status >= 400 {
		return res, &scenario.StepError{Step: method + " " + stepPath(url), Status: status, Body: res.body}
	}
	return res, nil
}

func stepPath(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		url = url[i+3:]
	}
	if i := strings.IndexByte(url, '/'); i >= 0 {
		url = url[i:]
	}
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url = url[:i]
	}
	return url
}

// RunSeed1 is scenario.RunSeed1 with curl: with a Jar the PATCH carries the session
// cookie and works; without, it is refused.
func (c Curl) RunSeed1(ctx context.Context, baseURL string) error {
	name := scenario.NewAccountName()
	return c.provision(ctx, baseURL, scenario.SessionAPIUser, scenario.SessionAPIPassword,
		`{"name":"`+name+`","email":"`+name+`@example.com"}`, scenario.SessionAPIGroup, name)
}

// provision creates an account (POST /admin/users with body), adds the
// uuid the server gave it to group and reads it back by name, each call
// with user's Basic credentials; it stops at the first refused call.
func (c Curl) provision(ctx context.Context, baseURL, user, pass, body, group, name string) error {
	base := strings.TrimSuffix(baseURL, "/")
	call := func(method, path, body string) (curlResult, error) {
		var hs []string
		if body != "" {
			hs = append(hs, "Content-Type: application/json")
		}
		return c.call(ctx, method, base+path, user, pass, append(hs, "Accept: application/json"), body)
	}
	res, err := call("POST", "/admin/users", body)
	if err != nil {
		return err
	}
	var created struct{ UUID string }
	if err := json.Unmarshal([]byte(res.body), &created); err != nil || created.UUID == "" {
		return fmt.Errorf("POST /admin/users: unexpected answer %q", res.body)
	}
	if _, err := call("PATCH", "/admin/usergroups/"+group, `{"addUsers":["`+created.UUID+`"]}`); err != nil {
		return err
	}
	_, err = call("GET", "/admin/users/"+name, "")
	return err
}

// RunSeed2 is scenario.RunSeed2 with curl.
func (c Curl) RunSeed2(ctx context.Context, baseURL string, s scenario.Seed2Client) error {
	for _, st := range s.Steps() {
		hs := []string{"Accept: " + scenario.SCIMType}
		if st.Body != "" {
			hs = append(hs, "Content-Type: "+scenario.SCIMType)
		}
		if s.KeyInHeader && s.Keyed(st.Method) {
			hs = append(hs, scenario.KeyHeader+": "+scenario.GatewayKey)
		}
		if _, err := c.call(ctx, st.Method, s.URL(baseURL, st), scenario.GatewayUser, scenario.GatewayPassword, hs, st.Body); err != nil {
			return err
		}
	}
	return nil
}
