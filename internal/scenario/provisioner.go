package scenario

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Provisioner is a connector provisioning accounts against a Target, on
// Go's net/http: create the account, add it to TargetGroup, read it back.
type Provisioner struct {
	Client         *http.Client // with or without a cookie jar, through the proxy
	Base           string
	User, Password string
	UserAgent      string
	// Challenged: send each request without credentials first and answer
	// the 401 challenge, as Apache HttpClient with a credentials provider,
	// .NET's CredentialCache and curl --anyauth do.
	Challenged bool
	// SSO: sign in at /sso/login once, then rely on the session cookie.
	SSO bool
}

// Provision runs the three steps for account; a refused step ends it
// with a *StepError.
func (p Provisioner) Provision(account string) error {
	if p.SSO {
		if _, err := p.call("POST", "/sso/login", "", true); err != nil {
			return err
		}
	}
	body, err := p.call("POST", "/admin/users", `{"name":"`+account+`"}`, !p.SSO)
	if err != nil {
		return err
	}
	var created struct {
		UUID string `json:"uuid"`
	}
	if err := json.Unmarshal(body, &created); err != nil {
		return fmt.Errorf("POST /admin/users: %q: %w", body, err)
	}
	if _, err := p.call("PATCH", "/admin/usergroups/"+TargetGroup, `{"addUsers":["`+created.UUID+`"]}`, !p.SSO); err != nil {
		return err
	}
	_, err = p.call("GET", "/admin/users/"+account, "", !p.SSO)
	return err
}

func (p Provisioner) call(method, path, body string, withCreds bool) ([]byte, error) {
	send := func(auth bool) (*http.Response, error) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, strings.TrimSuffix(p.Base, "/")+path, rd)
		if err != nil {
			return nil, err
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		if p.UserAgent != "" {
			req.Header.Set("User-Agent", p.UserAgent)
		}
		if auth {
			req.SetBasicAuth(p.User, p.Password)
		}
		return p.Client.Do(req)
	}
	res, err := send(withCreds && !p.Challenged)
	if err == nil && withCreds && p.Challenged && res.StatusCode == http.StatusUnauthorized &&
		strings.HasPrefix(strings.ToLower(res.Header.Get("WWW-Authenticate")), "basic") {
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		res, err = send(true) // the answer to the challenge, on the same connection
	}
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return data, &StepError{Step: method + " " + path, Status: res.StatusCode, Body: string(data)}
	}
	return data, nil
}

// RunThreads runs n connector threads, thread i starting stagger×i after
// the first, each provisioning its own account; it returns each thread's
// error.
func RunThreads(n int, stagger time.Duration, thread func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(i) * stagger)
			errs[i] = thread(i)
		}(i)
	}
	wg.Wait()
	return errs
}

// NoRedirects makes a client report a redirect instead of following it,
// as API connectors configured for JSON do with a sign-in page.
func NoRedirects(c *http.Client) *http.Client {
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}
