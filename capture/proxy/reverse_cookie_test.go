package proxy_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
)

// TestReverseModeKeepsTheSession: in reverse mode the connector talks
// plain http to provtap, on provtap's host. The https target's session
// cookie is Secure and scoped to the target's domain and base path: passed
// on as it is, a correct cookie jar (Go's, like Apache HttpClient's and the
// JDK's) would never send it back, and the target would refuse the next
// call for lack of its session — provtap's doing, not the connector's.
func TestReverseModeKeepsTheSession(t *testing.T) {
	var calls []string
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("JSESSIONID")
		switch {
		case err == nil && c.Value == "s3ss10n":
			calls = append(calls, "with session")
			_, _ = io.WriteString(w, `{"id":"g1"}`)
		case err == nil:
			calls = append(calls, "other session")
			w.WriteHeader(http.StatusUnauthorized)
		default:
			calls = append(calls, "no session")
			w.Header().Add("Set-Cookie", "JSESSIONID=s3ss10n; Path=/scim; Domain=scim.example.com; Secure; HttpOnly")
			w.Header().Add("Set-Cookie", "__Host-csrf=c1; Path=/; Secure")
			w.WriteHeader(http.StatusCreated)
		}
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL + "/scim/")
	rp := capturetest.StartProxy(t, proxy.Options{Target: target, InsecureUpstream: true})

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for _, path := range []string{"/Users", "/Groups/g1"} {
		res, err := client.Get(rp.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if path == "/Users" {
			if got := res.Header.Values("Set-Cookie"); strings.Join(got, "\n") != "JSESSIONID=s3ss10n; Path=/; HttpOnly\n__Host-csrf=c1; Path=/; Secure" {
				t.Errorf("the client received Set-Cookie %q", got)
			}
		}
	}
	if strings.Join(calls, ", ") != "no session, with session" {
		t.Errorf("the target saw: %s", strings.Join(calls, ", "))
	}
	flows := rp.Flows(2, 5*time.Second)
	if len(flows) != 2 {
		t.Fatalf("%d flows", len(flows))
	}
	// The capture keeps what the target sent.
	if got := flows[0].ResponseHeaderValues("Set-Cookie"); len(got) != 2 || got[0] != "JSESSIONID=s3ss10n; Path=/scim; Domain=scim.example.com; Secure; HttpOnly" {
		t.Errorf("recorded Set-Cookie %q", got)
	}
	// (Go's jar counts loopback as a secure origin and also sends the
	// __Host- cookie; Apache HttpClient and the JDK do not.)
	if got := flows[1].RequestHeader("Cookie"); !strings.HasPrefix(got, "JSESSIONID=s3ss10n") {
		t.Errorf("the second request carried Cookie %q", got)
	}
}
