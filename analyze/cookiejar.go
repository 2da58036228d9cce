package analyze

import (
	"slices"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// storedCookie is one version of a cookie in a client's jar: what one
// response set (or deleted), and when the client could first have known it.
type storedCookie struct {
	httpx.SetCookie
	Domain   string // the domain it is scoped to (host-only: the setting host)
	HostOnly bool
	Path     string    // effective path (explicit or default)
	Expiry   time.Time // zero: a session cookie (lives as long as the client)
	Deleted  bool      // this version removes the cookie

	SetBy      int       // flow whose response set it
	SetOn      string    // "POST /admin/users → 201"
	SetStatus  int       // status of that response
	SetAccount string    // account key of that request: whose session it is
	KnownAt    time.Time // end of that response: only requests starting later can send it
	Conn       int64     // the client connection of that flow

	texts *cookieTexts // written when a finding first needs them
	class cookieClass  // worked out when first asked
}

// cookieClass is what a cookie's name and attributes say it is.
type cookieClass uint8

const (
	classKnown cookieClass = 1 << iota
	classSession
	classAffinity
)

// classify is c's class: a kept cookie is judged on every request that
// lacks it, its name lowered and matched each time before.
func (c *storedCookie) classify() cookieClass {
	if c.class == 0 {
		c.class = classKnown
		if isSessionCookie(c.SetCookie) {
			c.class |= classSession
		}
		if isAffinityCookie(c.Name) {
			c.class |= classAffinity
		}
	}
	return c.class
}

// isSession is isSessionCookie(c.SetCookie).
func (c *storedCookie) isSession() bool { return c.classify()&classSession != 0 }

// isAffinity is isAffinityCookie(c.Name).
func (c *storedCookie) isAffinity() bool { return c.classify()&classAffinity != 0 }

// cookieKey identifies a cookie: a new Set-Cookie with the same name, domain
// and path replaces the old one (RFC 6265 §5.3 step 11).
type cookieKey struct{ name, domain, path string }

// cookieJar models an RFC 6265 user agent's cookie store for one client,
// judged by the capture's clock. It keeps every version a request might still
// see: flows overlap, and a response that had not ended when a request
// started could not have been known to it.
type cookieJar struct {
	versions map[cookieKey][]*storedCookie // ordered by KnownAt
}

func newCookieJar() *cookieJar { return &cookieJar{versions: map[cookieKey][]*storedCookie{}} }

// store records the cookies fx's response set, as a user agent would.
func (j *cookieJar) store(fx *Facts) {
	f := fx.Flow
	if len(fx.SetCookies) == 0 {
		return
	}
	received := receivedAt(f)
	for i := range fx.SetCookies {
		c, ok := newStoredCookie(fx, i, received)
		if ok {
			j.add(c, f.Start)
		}
	}
}

// newStoredCookie is fx's i-th Set-Cookie as its client keeps it
// (httpx.Store's rules), and false when a client ignores it.
func newStoredCookie(fx *Facts, i int, received time.Time) (*storedCookie, bool) {
	f, sc := fx.Flow, fx.SetCookies[i]
	st := fx.storage(i, received)
	if st.Blocked != "" {
		return nil, false
	}
	return &storedCookie{SetCookie: sc, Domain: st.Domain, HostOnly: st.HostOnly, Path: st.Path,
		Expiry: st.Expiry, Deleted: st.Deletes, SetBy: f.ID, KnownAt: received, Conn: f.ConnID,
		SetStatus: f.Status, SetAccount: fx.Account.Key,
		SetOn: fx.setOn()}, true
}

// add inserts a version in KnownAt order and forgets what it superseded:
// the flows arrive in start order, so nothing before c.SetBy's start matters
// to later requests.
func (j *cookieJar) add(c *storedCookie, now time.Time) {
	k := cookieKey{c.Name, c.Domain, c.Path}
	vs := j.versions[k]
	i := len(vs)
	for i > 0 && vs[i-1].KnownAt.After(c.KnownAt) {
		i--
	}
	vs = append(vs, nil)
	copy(vs[i+1:], vs[i:])
	vs[i] = c
	j.versions[k] = vs
	j.prune(k, vs, now)
}

// holdsOther reports a live version of the named cookie with another value.
func (j *cookieJar) holdsOther(name, value string) bool {
	for k, vs := range j.versions {
		if k.name != name {
			continue
		}
		for _, v := range vs {
			if !v.Deleted && v.Value != value {
				return true
			}
		}
	}
	return false
}

// knownTo reports whether f's client could have had cookie version c when
// it sent f: the setting response ended before f started, or came earlier on
// the same connection (HTTP/1.x answers in order, whatever the timestamps).
func knownTo(c *storedCookie, f *capture.Flow) bool {
	if !c.KnownAt.After(f.Start) {
		return true
	}
	return c.Conn != 0 && c.Conn == f.ConnID && c.SetBy < f.ID
}

// forRequest returns the cookies an RFC 6265 client would send on f
// (one it sends cookies on: sendsCookies), sorted by name. It also forgets
// versions no later request can see: the engine hands flows over in start
// order.
func (j *cookieJar) forRequest(fx *Facts) []*storedCookie {
	f := fx.Flow
	host := strings.ToLower(f.Host)
	reqPath := fx.Path
	secure := isSecureScheme(f.Scheme)
	var out []*storedCookie
	for k, vs := range j.versions {
		var cur *storedCookie
		for _, v := range j.prune(k, vs, f.Start) {
			if knownTo(v, f) {
				cur = v
			}
		}
		if cur == nil || cur.Deleted || (!cur.Expiry.IsZero() && !cur.Expiry.After(f.Start)) {
			continue
		}
		if cur.HostOnly && host != cur.Domain || !cur.HostOnly && !httpx.DomainMatch(host, cur.Domain) {
			continue
		}
		if !httpx.PathMatch(reqPath, cur.Path) || cur.Secure && !secure {
			continue
		}
		out = append(out, cur)
	}
	if len(out) < 2 {
		return out
	}
	slices.SortFunc(out, func(a, b *storedCookie) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return len(b.Path) - len(a.Path)
	})
	return out
}

// prune drops versions superseded before t and cookies gone by t, and
// returns what is left of k's versions vs (nil: none).
func (j *cookieJar) prune(k cookieKey, vs []*storedCookie, t time.Time) []*storedCookie {
	last := -1
	for i, v := range vs {
		if !v.KnownAt.After(t) {
			last = i
		}
	}
	if last > 0 {
		// In place: the jar alone holds vs. The dropped versions are
		// cleared so that they do not stay reachable.
		n := copy(vs, vs[last:])
		clear(vs[n:])
		vs = vs[:n]
		j.versions[k] = vs
	}
	if len(vs) == 1 && last == 0 {
		v := vs[0]
		if v.Deleted || (!v.Expiry.IsZero() && !v.Expiry.After(t)) {
			delete(j.versions, k)
			return nil
		}
	}
	return vs
}

// sendsCookies: browsers mark cross-site requests with Sec-Fetch-Site and
// withhold cookies from them (third-party blocking, SameSite, credentials
// mode); other clients have no such notion.
func sendsCookies(fx *Facts) bool {
	site := strings.ToLower(fx.reqHeader(hSecFetchSite))
	return site == "" || site == "same-origin" || site == "none"
}

// isBrowser: only browsers send Fetch Metadata headers.
func (fx *Facts) isBrowser() bool { return fx.hasReqHeader(hSecFetchMode) }

func isSecureScheme(s string) bool { return s == "https" || s == "wss" }
