package analyze

import (
	"strings"

	"github.com/provtap/provtap/capture/httpx"
)

// affinityPrefixes are load balancers' stickiness cookies: a client that
// ignores them still works, so they are never session cookies.
var affinityPrefixes = []string{
	"awsalb", "awselb", "bigipserver", "applicationgatewayaffinity", "arraffinity",
	"routeid", "serverid", "route", "__cf_bm", "_cfuvid", "ts01", "nsc_", "incap_ses",
	"visid_incap", "akamai", "ak_bmsc", "bm_sv",
}

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
func isSessionCookie(c httpx.SetCookie) bool {
	n := strings.ToLower(c.Name)
	if isAffinityCookie(n) {
		return false
	}
	if httpx.IsCSRFName(n) {
		return false
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

// opensSession reports whether fx's response set the named cookie to a new
// value: the server started another session for a client that did not
// present its old one.
func opensSession(fx *Facts, name, oldValue string) bool {
	for _, sc := range fx.SetCookies {
		if sc.Name == name && sc.Value != "" && sc.Value != oldValue && !(sc.HasMaxAge && sc.MaxAge <= 0) {
			return true
		}
	}
	return false
}

// Succeeded: a 2xx or 3xx answer that was not a refusal in disguise (a
// sign-in redirect, an error inside a 200).
func (fx *Facts) Succeeded() bool { return succeeded(fx.Flow) && !fx.Refusal.Refused }
