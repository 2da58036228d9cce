package analyze

import (
	"slices"
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

// affinityNames are stickiness cookies known by their whole name: nginx
// ingress's, Google Cloud's, Traefik's.
var affinityNames = []string{"ingresscookie", "gclb", "_traefik_backend"}

// isAffinityCookie reports a load balancer's stickiness cookie.
func isAffinityCookie(name string) bool {
	var buf [32]byte
	if b, ok := lowerASCII(&buf, name); ok {
		return isAffinityLower(string(b)) // not kept: no allocation
	}
	return isAffinityLower(strings.ToLower(name))
}

// isAffinityLower is isAffinityCookie of a name in lower case. (OpenShift's
// router names its cookie with 32 hex digits, as Joomla names its session:
// the name cannot tell them apart.)
func isAffinityLower(n string) bool {
	for _, p := range affinityPrefixes {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return slices.Contains(affinityNames, n)
}

// lowerASCII is strings.ToLower(s) in buf, for an ASCII s that fits (ok
// false otherwise: ToLower maps some non-ASCII runes to ASCII ones). The
// analyzers classify the same few cookie names on every flow, several
// times over: lowering them into a buffer allocates nothing.
func lowerASCII(buf *[32]byte, s string) ([]byte, bool) {
	if len(s) > len(buf) {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return nil, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(s)], true
}

// isSessionCookie reports a cookie that carries a server-side session or a
// login: JSESSIONID, PHPSESSID, ASP.NET_SessionId, connect.sid, SMSESSION,
// LtpaToken2, .ASPXAUTH, … or any HttpOnly cookie without an expiry.
func isSessionCookie(c httpx.SetCookie) bool {
	var buf [32]byte
	if b, ok := lowerASCII(&buf, c.Name); ok {
		return isSessionLower(string(b), c) // not kept: no allocation
	}
	return isSessionLower(strings.ToLower(c.Name), c)
}

// isSessionLower is isSessionCookie of c, its name n in lower case.
func isSessionLower(n string, c httpx.SetCookie) bool {
	if isAffinityLower(n) {
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
