package analyze_test

import (
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// FuzzCookieModel: any Set-Cookie line and any follow-up request leave the
// parser and the cookie model without a panic, and a cookie the server
// deleted (Max-Age<=0, set after any other attribute) is never reported as
// dropped.
func FuzzCookieModel(f *testing.F) {
	for _, seed := range []struct{ line, path string }{
		{"JSESSIONID=abc; Path=/; HttpOnly", "/admin/users"},
		{"sid=1; Domain=.example.com; Max-Age=900; Secure", "/"},
		{"a=b; Expires=Wed, 21 Oct 2015 07:28:00 GMT", "/x"},
		{"LB=node1; Path=/scim; SameSite=None", "/scim/v2/Users"},
		{"=novalue; Path", "//"},
		{"x=y; Domain=co.uk", "/"},
		{"x=y; Max-Age=-1; Max-Age=10", "/"},
		{"x=\"quoted\"; Expires=Thu, 01-Jan-1970 00:00:01 GMT", "/%2e%2e/"},
	} {
		f.Add(seed.line, seed.path)
	}
	f.Fuzz(func(t *testing.T, line, path string) {
		c, ok := httpx.ParseSetCookie(line)
		if ok && strings.ContainsAny(c.Name, ";") {
			t.Fatalf("cookie name %q holds a separator", c.Name)
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		// The deletion must name the same cookie: name, domain and path.
		del := c.Name + "=gone; Max-Age=0"
		if c.Path != "" {
			del += "; Path=" + c.Path
		}
		if c.Domain != "" {
			del += "; Domain=" + c.Domain
		}
		t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		set := &capture.Flow{ID: 1, Start: t0, End: t0.Add(time.Millisecond), ClientAddr: "10.0.0.1:1000",
			Scheme: "https", Host: "api.example.com", Port: 443, Method: "POST", URL: "https://api.example.com/admin/users",
			Target: "/admin/users", Status: 201,
			ResponseHeaders: []capture.Header{{Name: "Set-Cookie", Value: line}, {Name: "Set-Cookie", Value: del}}}
		use := &capture.Flow{ID: 2, Start: t0.Add(time.Second), End: t0.Add(time.Second + time.Millisecond), ClientAddr: "10.0.0.1:1001",
			Scheme: "https", Host: "api.example.com", Port: 443, Method: "PATCH", URL: "https://api.example.com" + path,
			Target: path, Status: 401}
		for _, fd := range analyze.Run([]*capture.Flow{set, use}, analyze.NewDroppedCookie()) {
			if ok && c.Name != "" && strings.Contains(fd.Title, c.Name+" ") && !strings.Contains(line, "\n") {
				t.Fatalf("deleted cookie %q reported dropped: %s", c.Name, fd.Title)
			}
		}
	})
}
