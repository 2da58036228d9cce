package scenario

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Step is one request of a scripted connector: what a provisioning
// operation sends, in order, whatever the client that sends it.
type Step struct {
	Method string
	Path   string      // joined to the base URL, with its query: "/scim/v2/Users?filter=…"
	Header [][2]string // in order, as the connector sets them
	Body   string
	Pause  time.Duration // waited before the step is sent
}

// Reply is what a step got back.
type Reply struct {
	Status int
	Header http.Header
	Body   string
}

// Caller sends a script's steps in order as one logical client: one cookie
// store when it keeps cookies, its own connections. A non-2xx reply is not
// an error; only a step that got no answer is.
type Caller interface {
	Name() string
	Call(ctx context.Context, base string, steps []Step) ([]Reply, error)
}

// GoCaller is a Caller on net/http. Give Client a Jar for a connector that
// keeps cookies, a Transport with a Proxy to go through provtap.
type GoCaller struct{ Client *http.Client }

// Name implements Caller.
func (g GoCaller) Name() string {
	if g.Client != nil && g.Client.Jar != nil {
		return "go-jar"
	}
	return "go"
}

// Call implements Caller.
func (g GoCaller) Call(ctx context.Context, base string, steps []Step) ([]Reply, error) {
	client := g.Client
	if client == nil {
		client = http.DefaultClient
	}
	var replies []Reply
	for _, s := range steps {
		if err := Pause(ctx, s.Pause); err != nil {
			return replies, err
		}
		var body io.Reader
		if s.Body != "" {
			body = strings.NewReader(s.Body)
		}
		req, err := http.NewRequestWithContext(ctx, s.Method, strings.TrimSuffix(base, "/")+s.Path, body)
		if err != nil {
			return replies, err
		}
		for _, h := range s.Header {
			if strings.EqualFold(h[0], "Host") {
				req.Host = h[1]
				continue
			}
			req.Header.Add(h[0], h[1])
		}
		resp, err := client.Do(req)
		if err != nil {
			return replies, fmt.Errorf("%s %s: %w", s.Method, s.Path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return replies, fmt.Errorf("%s %s: reading the response: %w", s.Method, s.Path, err)
		}
		replies = append(replies, Reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)})
	}
	return replies, nil
}

// Pause waits d, or until ctx ends.
func Pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// BasicAuth is the Authorization header of user and password.
func BasicAuth(user, password string) [2]string {
	return [2]string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))}
}

// Bearer is the Authorization header of a bearer token.
func Bearer(token string) [2]string { return [2]string{"Authorization", "Bearer " + token} }
