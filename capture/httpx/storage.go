package httpx

import (
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Storage is what a user agent does with a Set-Cookie (RFC 6265 §5.3 and
// the rules every current client adds): store it for a domain and path,
// delete what it had, or ignore it, and why.
type Storage struct {
	Stored   bool      // kept, for Domain (HostOnly: that host alone) and Path
	Deletes  bool      // removes the cookie it had (Max-Age<=0, an Expires already past)
	Blocked  string    // why it was ignored, in DevTools' words ("" when not)
	Domain   string    // the domain it is scoped to
	HostOnly bool      // no Domain attribute: the setting host only
	Path     string    // the effective path (the attribute, or the request's default path)
	Expiry   time.Time // zero: a session cookie
	// BrowserOnly is a rule only browsers apply (SameSite=None without
	// Secure): other clients store the cookie.
	BrowserOnly string
}

// BlockedSecureOverHTTP is Storage.Blocked for a Secure cookie set over
// http: the one refusal that depends on the scheme.
const BlockedSecureOverHTTP = "it has Secure but came over http"

// Store says what a client does with c from a response to host and
// reqPath (the path without query), over https when secure, received at
// now; browser applies the rules only browsers have.
func Store(c SetCookie, host, reqPath string, secure, browser bool, now time.Time) Storage {
	host = strings.ToLower(host)
	s := Storage{Domain: host, HostOnly: true, Path: c.Path}
	if s.Path == "" {
		s.Path = DefaultPath(reqPath)
	}
	switch {
	case c.Secure && !secure:
		s.Blocked = BlockedSecureOverHTTP
	case strings.HasPrefix(c.Name, "__Secure-") && !c.Secure:
		s.Blocked = "invalid prefix: a __Secure- cookie needs Secure"
	case strings.HasPrefix(c.Name, "__Host-") && (!c.Secure || c.Domain != "" || c.Path != "/"):
		s.Blocked = "invalid prefix: a __Host- cookie needs Secure, no Domain and Path=/"
	}
	if s.Blocked != "" {
		return s
	}
	// The public-suffix lookup is the costly part: done once, for both the
	// refusal and the scope below.
	publicSuffix := c.Domain != "" && IsPublicSuffix(c.Domain)
	if c.Domain != "" && c.Domain != host {
		switch {
		case isIP(host):
			s.Blocked = "Domain=" + c.Domain + " on a response from the IP address " + host
		case publicSuffix:
			s.Blocked = "Domain=" + c.Domain + " is a public suffix; a cookie cannot be set for all of it"
		case !DomainMatch(host, c.Domain):
			s.Blocked = "Domain=" + c.Domain + " does not match the host " + host
		}
		if s.Blocked != "" {
			return s
		}
	}
	if c.SameSite == "none" && !c.Secure {
		s.BrowserOnly = "a browser blocks it: SameSite=None without Secure"
		if browser {
			s.Blocked = "SameSite=None without Secure"
			return s
		}
	}
	if c.Domain != "" && !publicSuffix {
		// (A public suffix may only name the host itself: host-only.)
		s.Domain, s.HostOnly = c.Domain, false
	}
	switch {
	case c.HasMaxAge && c.MaxAge <= 0:
		s.Deletes = true
	case c.HasMaxAge:
		s.Expiry = now.Add(time.Duration(c.MaxAge) * time.Second)
	case c.HasExpires:
		s.Expiry = c.Expires
		s.Deletes = !c.Expires.After(now)
	}
	s.Stored = !s.Deletes
	return s
}

// Sends reports whether a cookie scoped by s goes with a request to host
// and reqPath (over https when secure).
func (s Storage) Sends(c SetCookie, host, reqPath string, secure bool) bool {
	host = strings.ToLower(host)
	if s.HostOnly && host != s.Domain || !s.HostOnly && !DomainMatch(host, s.Domain) {
		return false
	}
	return PathMatch(reqPath, s.Path) && (!c.Secure || secure)
}

// IsPublicSuffix reports a domain under which anyone may register names
// (co.uk, github.io): no cookie may be scoped to all of it.
func IsPublicSuffix(domain string) bool {
	publicSuffixes.Lock()
	is, ok := publicSuffixes.m[domain]
	publicSuffixes.Unlock()
	if ok {
		return is
	}
	ps, _ := publicsuffix.PublicSuffix(domain)
	is = ps == domain
	publicSuffixes.Lock()
	if len(publicSuffixes.m) >= 4096 {
		clear(publicSuffixes.m)
	}
	publicSuffixes.m[strings.Clone(domain)] = is
	publicSuffixes.Unlock()
	return is
}

// publicSuffixes caches IsPublicSuffix by domain: a capture's cookies
// name few domains, and the lookup costs more than the rest of Store.
var publicSuffixes = struct {
	sync.Mutex
	m map[string]bool
}{m: map[string]bool{}}

// isIP is net.ParseIP(host) != nil without parsing the common case: an
// IPv4 address ends in a digit and an IPv6 one has a colon; a host name
// usually has neither.
func isIP(host string) bool {
	if strings.IndexByte(host, ':') < 0 && (host == "" || host[len(host)-1] < '0' || host[len(host)-1] > '9') {
		return false
	}
	return net.ParseIP(host) != nil
}
