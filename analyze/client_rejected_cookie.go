package analyze

import (
	"fmt"
	"strings"
	"time"

	"github.com/provtap/provtap/capture/httpx"
)

// KindClientRejectedCookie: the server set a cookie that a common
// non-browser client rejects, and the client then did not send it.
const KindClientRejectedCookie = "client-rejected-cookie"

// ClientRejectedCookie explains a cookie that was not sent because the
// client threw it away when it arrived: where dropped-cookie says "not
// sent", this says why, and what header the client would have kept.
//
// The rules, measured by parsing and validating each Set-Cookie with the
// libraries themselves (Apache HttpClient 4.5.14 from Debian's
// libhttpclient-java, its CookieSpecRegistries; curl 7.88.1's cookie jar):
//
//	Expires as sent                      default  STANDARD  curl/JDK/Go
//	Wed, 02 Dec 2026 10:00:00 GMT (1123)  drops    keeps     keep
//	Wed, 02-Dec-2026 10:00:00 GMT         keeps    keeps     keep
//	Wed, 02-Dec-26 10:00:00 GMT           keeps    keeps     keep
//	Wednesday, 02-Dec-26 10:00:00 GMT     keeps    keeps     keep
//	Wed, 02-Dec-2026 10:00:00 UTC|+0000   keeps    keeps     keep
//	Wed, 2 Dec 2026 10:00:00 GMT          drops    keeps     keep
//	Wed, 02 Dec 2026 10:00:00 +0000       drops    keeps     keep
//	Wed Dec  2 10:00:00 2026 (asctime)    drops    keeps     keep
//	02 Dec 2026 10:00:00 GMT              drops    keeps     keep
//	"Wed, 02 Dec 2026 10:00:00 GMT"       drops    keeps     keep
//	Wed, 02-Dec-2026 10:00:00 (no zone)   drops    keeps     keep
//	(empty: "Expires=")                   drops    keeps     keep
//	2026-12-02T10:00:00Z (ISO 8601)       drops    drops     keep (session)
//	Wed, 02-Dec-2026 10:00 GMT (no secs)  drops    drops     keep (session)
//	Max-Age=900, no Expires               keeps    keeps     keep
//	Max-Age=900 and an RFC 1123 Expires   drops    keeps     keep
//
// "default" is CookieSpecs.DEFAULT (DefaultCookieSpec), what
// HttpClients.custom(), createDefault() and createSystem() use unless a
// RequestConfig names another spec: every Set-Cookie with an Expires is a
// Netscape draft cookie to it, read with the one pattern
// "EEE, dd-MMM-yy HH:mm:ss z"; anything else drops the whole cookie with
// only a WARN log line ("Invalid cookie header … Invalid 'expires'
// attribute"). It keeps a Max-Age-only cookie (as a session cookie).
// STANDARD is RFC6265CookieSpec (relaxed). Domain rules were the same in
// both specs as in RFC 6265 (a Domain the host does not domain-match is
// refused by every client; Domain=127.0.0.1 from 127.0.0.1 is kept); no
// size limit in Apache; curl ignores a cookie whose name and value pass
// 4096 bytes, as .NET's CookieContainer (MaxCookieSize) and browsers do.
//
// Choices:
//   - The client is told by its User-Agent: Apache-HttpClient/4.x is named;
//     a client known to parse RFC 1123 dates (curl, Go, the JDK's
//     HttpClient and HttpURLConnection, python, browsers, Apache 5) is not
//     judged for Expires; any other is "clients such as Apache HttpClient
//     4.x". A size rule judges curl, browsers and unknown clients (.NET
//     sends no User-Agent), not the Java, Go or python clients that keep
//     big cookies. A Domain the host does not match: every client.
//   - A request that did not send the cookies its client would have kept
//     either keeps none at all: dropped-cookie's case, not this one.
//   - The cookie is judged on the later requests of the store that got it
//     (Facts.Next of the setting flow; the request's Facts.Store), where
//     the cookie would apply (host, path, Secure, not expired by the
//     capture's clock) and the request did not send it: no cookie of that
//     name, or the value it had before (Apache keeps the old cookie when it
//     drops the Set-Cookie that replaces it). A later Set-Cookie of the
//     name that the client keeps ends it.
//   - Severity as dropped-cookie's: error on a refused request for a
//     session cookie (or any cookie when the request was tied by its
//     cookies), info otherwise; nothing for a load balancer's affinity
//     cookie on a request that succeeded.
//   - Bounded: 8 rejected cookies per store, 4096 stores, stores unused for
//     an hour of the capture's clock forgotten.
type ClientRejectedCookie struct {
	stores map[*Store]*rejectedStore
	order  []*Store // first use order, to bound the map
	seen   int
}

// rejectedStore is what one cookie store's client threw away.
type rejectedStore struct {
	cookies []*rejectedCookie
	lastAt  time.Time
}

// rejectedCookie is one Set-Cookie a client rejected, with where it would
// have applied.
type rejectedCookie struct {
	sc       httpx.SetCookie
	why      rejectRule
	setBy    int
	method   string // of the setting flow, for "POST /admin/users → 201"
	setPath  string
	status   int
	date     string // the setting response's Date header
	knownAt  time.Time
	conn     int64
	host     string
	domain   string // where it would apply
	hostOnly bool
	path     string
	expiry   time.Time
}

// detail is the client's own words for the rejection.
func (rc *rejectedCookie) detail() string {
	switch rc.why {
	case ruleApacheExpires, ruleApacheAnySpec:
		v, _ := httpx.ExpiresAttr(rc.sc)
		return "Invalid 'expires' attribute: " + v
	case ruleDomainMismatch:
		return "Illegal 'domain' attribute \"" + rc.sc.Domain + "\". Domain of origin: \"" + rc.host + "\""
	}
	return fmt.Sprintf("%d bytes", len(rc.sc.Name)+len(rc.sc.Value))
}

func (rc *rejectedCookie) setOn() string {
	return rc.method + " " + shorten(rc.setPath, 50) + " → " + fmt.Sprint(rc.status)
}

type rejectRule int

const (
	ruleApacheExpires  rejectRule = iota + 1 // Apache 4.x default spec: not the Netscape form
	ruleApacheAnySpec                        // Apache 4.x any spec: no date at all
	ruleDomainMismatch                       // every client: Domain does not match the host
	ruleOversize                             // curl, .NET, browsers: over 4096 bytes
)

const (
	rejectedPerStore = 8
	rejectedStores   = 4096
)

// NewClientRejectedCookie returns the client-rejected-cookie analyzer.
func NewClientRejectedCookie() *ClientRejectedCookie {
	return &ClientRejectedCookie{stores: map[*Store]*rejectedStore{}}
}

// Name implements Analyzer.
func (a *ClientRejectedCookie) Name() string { return KindClientRejectedCookie }

// Observe implements Analyzer.
func (a *ClientRejectedCookie) Observe(fx *Facts, emit func(Finding)) {
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	if len(a.stores) > 0 {
		if st := a.stores[fx.Store]; st != nil {
			a.judge(fx, st, emit)
			st.lastAt = fx.Flow.Start
		}
	}
	if len(fx.SetCookies) > 0 {
		a.record(fx)
	}
	a.seen++
	if a.seen%4096 == 0 {
		a.expire(fx.Flow.Start)
	}
}

// judge reports the rejected cookies fx would have carried and did not.
func (a *ClientRejectedCookie) judge(fx *Facts, st *rejectedStore, emit func(Finding)) {
	f := fx.Flow
	if !fx.sendsCookies {
		return
	}
	host := strings.ToLower(f.Host)
	secure := isSecureScheme(f.Scheme)
	agent := agentOf(fx.reqHeader(hUserAgent))
	kept := -1 // whether it sent the cookies it would have kept: -1 not looked yet
	for _, rc := range st.cookies {
		if !rc.knownTo(fx) || rc.hostOnly && host != rc.domain || !rc.hostOnly && !httpx.DomainMatch(host, rc.domain) ||
			!httpx.PathMatch(fx.Path, rc.path) || rc.sc.Secure && !secure ||
			!rc.expiry.IsZero() && !rc.expiry.After(f.Start) {
			continue
		}
		if sentValue(fx, rc.sc.Name, rc.sc.Value) || !agent.rejects(rc.why) {
			continue
		}
		sev := rejectedSeverity(fx, rc)
		if sev == None {
			continue
		}
		if kept < 0 {
			kept = 1
			if !sendsKept(fx, st) {
				kept = 0
			}
		}
		if kept == 0 {
			continue // it did not send the cookies it keeps either: no jar at all (dropped-cookie's case)
		}
		fd := rejectedFinding(fx, rc, agent, sev)
		fd.group = KindClientRejectedCookie + "\x00" + fx.Client.Key + "\x00" + rc.sc.Name + "\x00" + fx.API
		emit(fd)
	}
}

// sendsKept: the request sent every cookie of its store that the client
// would have kept (none rejected): a client without cookie handling sends
// none of them, and that, not the cookie's form, is why.
func sendsKept(fx *Facts, st *rejectedStore) bool {
	for _, c := range fx.sentByJar() {
		if st.holds(c.Name, c.Value) || c.isAffinity() {
			continue
		}
		if !sentCookie(fx, c.Name) {
			return false
		}
	}
	return true
}

func (st *rejectedStore) holds(name, value string) bool {
	for _, c := range st.cookies {
		if c.sc.Name == name && c.sc.Value == value {
			return true
		}
	}
	return false
}

func (rc *rejectedCookie) knownTo(fx *Facts) bool {
	f := fx.Flow
	return !rc.knownAt.After(f.Start) || rc.conn != 0 && rc.conn == f.ConnID && rc.setBy < f.ID
}

// sentValue: the request carried the cookie with this value, or with no
// other (a value it had before the rejected one is the old session: Apache
// keeps the cookie it had when it drops the Set-Cookie that replaces it).
func sentValue(fx *Facts, name, value string) bool {
	for _, p := range fx.Cookies {
		if p.Name == name && p.Value == value {
			return true
		}
	}
	return false
}

// oldValue is the value of the named cookie the request carried, if any.
func oldValue(fx *Facts, name string) (string, bool) {
	for _, p := range fx.Cookies {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func sentCookie(fx *Facts, name string) bool {
	for _, p := range fx.Cookies {
		if p.Name == name {
			return true
		}
	}
	return false
}

func rejectedSeverity(fx *Facts, rc *rejectedCookie) Severity {
	switch {
	case fx.Refusal.Refused && (isSessionCookie(rc.sc) || fx.Tie == TieCookie):
		return Error
	case fx.Refusal.Refused:
		return Info
	case isAffinityCookie(rc.sc.Name) || !fx.Tie.Sure():
		return None // a request that succeeded, tied only by its credentials: perhaps another thread
	}
	return Info
}

// record notes the cookies fx's response set that some client rejects,
// and forgets those a kept Set-Cookie of the same name replaced.
func (a *ClientRejectedCookie) record(fx *Facts) {
	f := fx.Flow
	received := receivedAt(f)
	var st *rejectedStore
	for i, sc := range fx.SetCookies {
		if sc.Value == "" {
			continue
		}
		why := fx.set.rejection[i]
		if st == nil {
			st = a.stores[fx.Next]
		}
		if why == 0 {
			if st != nil {
				st.forget(sc.Name)
			}
			continue
		}
		storage := fx.storage(i, received)
		if storage.Deletes || why != ruleDomainMismatch && storage.Blocked != "" {
			continue
		}
		if st == nil {
			st = a.newStore(fx.Next)
		}
		var rc *rejectedCookie
		if why != ruleDomainMismatch {
			rc = st.slot(sc.Name, storage.Domain, storage.Path)
		} else {
			rc = &rejectedCookie{}
		}
		*rc = rejectedCookie{sc: sc, why: why, setBy: f.ID, method: f.Method, setPath: fx.Path, status: f.Status,
			date: f.ResponseHeader("Date"), knownAt: received, conn: f.ConnID, host: strings.ToLower(f.Host),
			domain: storage.Domain, hostOnly: storage.HostOnly, path: storage.Path, expiry: storage.Expiry}
		if why == ruleDomainMismatch {
			// It was meant for the host the client called (a server behind a
			// proxy names its own domain): judged there.
			rc.domain, rc.hostOnly = rc.host, false
			rc.path = sc.Path
			if rc.path == "" {
				rc.path = httpx.DefaultPath(fx.Path)
			}
		}
		st.add(rc)
		st.lastAt = f.Start
	}
}

// rejectionOf is the first rule sc breaks; stored is what sc's own client
// did with it (httpx.Store from host, for fx's path).
func rejectionOf(sc httpx.SetCookie, host string, fx *Facts, stored httpx.Storage) rejectRule {
	if httpx.ApacheAnySpecRejects(sc) != "" {
		return ruleApacheAnySpec
	}
	if httpx.ApacheDefaultDrops(sc) {
		return ruleApacheExpires
	}
	if sc.Domain != "" && domainRefused(sc, host, fx, stored) {
		return ruleDomainMismatch
	}
	if len(sc.Name)+len(sc.Value) > httpx.MaxCookieBytes {
		return ruleOversize
	}
	return 0
}

// domainRefused: a client refuses sc's Domain from host. The Domain rules
// come after the prefix rules and do not depend on the scheme, the client
// or the time, so stored already says it unless it was blocked first for
// Secure over http (the one rule that depends on the scheme).
func domainRefused(sc httpx.SetCookie, host string, fx *Facts, stored httpx.Storage) bool {
	if stored.Blocked == httpx.BlockedSecureOverHTTP {
		stored = httpx.Store(sc, host, fx.Path, true, false, fx.Flow.Start)
	}
	return strings.HasPrefix(stored.Blocked, "Domain=")
}

// maxAge is how many seconds the cookie was meant to live: its Max-Age,
// or its Expires against the setting response's Date (else its arrival);
// 0 when unknown.
func (rc *rejectedCookie) maxAge() int64 {
	sc := rc.sc
	if sc.HasMaxAge && sc.MaxAge > 0 {
		return sc.MaxAge
	}
	if !sc.HasExpires {
		return 0
	}
	now := rc.knownAt
	if d, ok := httpx.ParseCookieDate(rc.date); ok {
		now = d
	}
	if s := int64(sc.Expires.Sub(now).Round(time.Second) / time.Second); s > 0 {
		return s
	}
	return 0
}
