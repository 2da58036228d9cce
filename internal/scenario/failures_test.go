package scenario

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// Every connector of Failures, straight to its server (no proxy), gets
// the answers its Statuses list, and the failing one is refused on Shows.
func TestFailures(t *testing.T) {
	t.Parallel()
	fs := Failures()
	if len(fs) != 6 {
		t.Fatalf("%d failures", len(fs))
	}
	agents := map[string]bool{}
	for _, f := range fs {
		conns := []*Connector{&f.Failing}
		if f.Fixed != nil {
			conns = append(conns, f.Fixed)
		}
		for i, c := range conns {
			if agents[c.UserAgent] || c.UserAgent == "" || c.Name == "" {
				t.Errorf("%s: User-Agent %q (each connector has its own), name %q", f.Kind, c.UserAgent, c.Name)
			}
			agents[c.UserAgent] = true
			t.Run(f.Kind+"/"+c.Name, func(t *testing.T) {
				t.Parallel()
				h, steps := c.Start()
				srv := Serve(h, f.TLS)
				defer srv.Close()
				client := srv.Client()
				client.Jar = c.Cookies.Jar()
				replies, err := GoCaller{Client: client}.Call(context.Background(), srv.URL, steps)
				if err != nil {
					t.Fatal(err)
				}
				var got []int
				for _, r := range replies {
					got = append(got, r.Status)
				}
				if fmt.Sprint(got) != fmt.Sprint(c.Statuses) {
					t.Errorf("statuses %v, want %v", got, c.Statuses)
				}
				if i == 0 && (f.Shows < 1 || f.Shows > len(got) || got[f.Shows-1] < 400) {
					t.Errorf("step %d is not a refusal: %v", f.Shows, got)
				}
			})
		}
	}
}

// The Apache default-spec jar throws away the cookies whose Expires that
// spec cannot read, and keeps the rest.
func TestApacheDefaultJar(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(time.Hour).UTC()
	h := http.Header{"Set-Cookie": {
		"rfc=1; Expires=" + exp.Format(http.TimeFormat) + "; Path=/",
		"netscape=2; Expires=" + exp.Format("Mon, 02-Jan-2006 15:04:05 GMT") + "; Path=/",
		"maxage=3; Max-Age=900; Path=/",
		"session=4; Path=/",
		"empty=5; Expires=; Path=/",
	}}
	u, _ := url.Parse("https://127.0.0.1/")
	for store, want := range map[CookieStore]string{
		ApacheDefaultCookies: "[netscape=2 maxage=3 session=4]",
		RFC6265Cookies:       "[rfc=1 netscape=2 maxage=3 session=4 empty=5]",
	} {
		jar := store.Jar()
		jar.SetCookies(u, (&http.Response{Header: h}).Cookies())
		if got := fmt.Sprint(jar.Cookies(u)); got != want {
			t.Errorf("store %d keeps %s, want %s", store, got, want)
		}
	}
	if NoCookies.Jar() != nil {
		t.Errorf("NoCookies has a jar")
	}
}
