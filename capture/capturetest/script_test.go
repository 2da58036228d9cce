package capturetest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// echoServer sets a session cookie on the first call and answers every
// call with what it received: the cookie, X-Step and the body.
type echoServer struct {
	mu   sync.Mutex
	seen []string
}

func (e *echoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	line := fmt.Sprintf("%s %s step=%s ct=%s cookie=%s body=%s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Step"),
		r.Header.Get("Content-Type"), r.Header.Get("Cookie"), b)
	e.mu.Lock()
	e.seen = append(e.seen, line)
	e.mu.Unlock()
	if r.Header.Get("Cookie") == "" {
		w.Header().Set("Set-Cookie", "SID=s1; Path=/")
	}
	w.Header().Set("X-Echo", r.Header.Get("X-Step"))
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, line)
}

// TestCallersThroughProxy: every real-client Caller sends the script's
// methods, headers and bodies as written, keeps its cookies when told to,
// and reads back each status, header and body.
func TestCallersThroughProxy(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	steps := []scenario.Step{
		{Method: "GET", Path: "/a?q=1", Header: [][2]string{{"X-Step", "one"}}},
		{Method: "PATCH", Path: "/b", Header: [][2]string{{"X-Step", "two"}, {"Content-Type", "application/scim+json"}},
			Body: `{"op":"replace"}`, Pause: 10 * time.Millisecond},
	}
	for _, tls := range []bool{false, true} {
		rp := capturetest.StartProxy(t, proxy.Options{InsecureUpstream: true})
		callers := capturetest.Callers(rp)
		callers = append(callers, capturetest.ApacheCaller{Apache: capturetest.Apache{JDK: capturetest.JDK{CAFile: rp.CAFile}},
			Proxy: rp.URL, CookieSpec: "standard"})
		for _, c := range callers {
			t.Run(schemeOf(tls)+"/"+c.Name(), func(t *testing.T) {
				echo := &echoServer{}
				srv := scenario.Serve(echo, tls)
				defer srv.Close()
				replies, err := c.Call(ctx, srv.URL, steps)
				if err != nil {
					t.Fatal(err)
				}
				if len(replies) != 2 {
					t.Fatalf("got %d replies, want 2", len(replies))
				}
				for i, want := range []string{"one", "two"} {
					r := replies[i]
					if r.Status != 201 || r.Header.Get("X-Echo") != want || !strings.Contains(r.Body, "step="+want) {
						t.Errorf("reply %d: %d %v %q", i, r.Status, r.Header, r.Body)
					}
				}
				wantSeen := []string{
					"GET /a?q=1 step=one ct= cookie= body=",
					`PATCH /b step=two ct=application/scim+json cookie=SID=s1 body={"op":"replace"}`,
				}
				if got := strings.Join(echo.seen, "\n"); got != strings.Join(wantSeen, "\n") {
					t.Errorf("the server received\n%s\nwant\n%s", got, strings.Join(wantSeen, "\n"))
				}
			})
		}
	}
}
