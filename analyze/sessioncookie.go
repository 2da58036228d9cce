package analyze

import (
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// affinityPrefixes are load balancers' stickiness cookies: a client that
// ignores them still works, so they are never session cookies.
var affinityPrefixes = []string{
	"awsalb", "awselb", "bigipserver", "applicationgatewayaffinity", "arraffinity",
	"routeid", "serverid", "route", "__cf_bm", "_cfuvid", "ts01", "nsc_", "incap_ses",
	"visid_incap", "akamai", "ak_bmsc", "bm_sv",
}

// csrfNames are anti-forgery cookies: the csrf-token analyzer owns them.
var csrfNames = []string{"csrf", "xsrf", "antiforgery", "requestverificationtoken"}

// isAffinityCookie reports a load balancer's stickiness cookie.
func isAffinityCookie(name string) bool {
	n := strings.ToLower(name)
	for _, p := range affinityPrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}

// isSessionCookie reports a cookie that carries a server-side session or a
// login: JSESSIONID, PHPSESSID, ASP.NET_SessionId, connect.sid, SMSESSION,
// LtpaToken2, .ASPXAUTH, … or any HttpOnly cookie without an expiry.
func isSessionCookie(c *storedCookie) bool {
	n := strings.ToLower(c.Name)
	if isAffinityCookie(n) {
		return false
	}
	for _, p := range csrfNames {
		if strings.Contains(n, p) {
			return false
		}
	}
	switch {
	case strings.Contains(n, "sess"),
		n == "sid", strings.HasSuffix(n, ".sid"), strings.HasSuffix(n, "_sid"), strings.HasSuffix(n, "-sid"),
		strings.Contains(n, "auth"), strings.Contains(n, "ltpatoken"), strings.Contains(n, "token"),
		strings.Contains(n, "jwt"), strings.HasPrefix(n, ".aspnetcore."):
		return true
	}
	return c.HTTPOnly && !c.HasExpires && !c.HasMaxAge
}

// opensSession reports whether f's response set the named cookie to a new
// value: the server started another session for a client that did not
// present its old one.
func opensSession(f *capture.Flow, name, oldValue string) bool {
	for _, line := range httpx.SetCookieLines(f.ResponseHeaderValues("Set-Cookie")) {
		sc, ok := httpx.ParseSetCookie(line)
		if !ok || sc.Name != name || sc.Value == "" || sc.Value == oldValue {
			continue
		}
		if sc.HasMaxAge && sc.MaxAge <= 0 {
			continue
		}
		return true
	}
	return false
}

// credentialsPresented reports how the request tried to authenticate on its
// own (instead of with a session): an Authorization header, an API-key header
// or query parameter. "" when it did not.
func credentialsPresented(f *capture.Flow) string {
	if v := f.RequestHeader("Authorization"); v != "" {
		scheme, _, _ := strings.Cut(v, " ")
		return "Authorization: " + scheme + " …"
	}
	for _, h := range f.RequestHeaders {
		if isCredentialHeader(h.Name) && h.Value != "" {
			return h.Name + " header"
		}
	}
	for name := range f.Query() {
		if httpx.IsCredentialParam(name) {
			return "query parameter " + name
		}
	}
	return ""
}
