package analyze

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindConcurrentSession: the server refused to open a second session while
// one it had opened for the same account was live and not presented.
const KindConcurrentSession = "concurrent-session"

// sessionLimitPhrases in a refusal confirm a one-session-per-user server.
var sessionLimitPhrases = []string{
	"session already exists", "already logged in", "already logged on", "maximum session", "max session",
	"maximum number of sessions", "concurrent session", "session limit", "too many sessions",
	"another session", "active session", "existing session",
}

// ConcurrentSession follows the sessions servers opened for each account (a
// successful response that set a session cookie), in every cookie store:
// a server that allows one session per user counts the user's sessions,
// whichever thread or client holds them. It explains a refusal about
// authentication of a request that authenticated afresh (credentials, no
// live session of its own) while such a session was live.
type ConcurrentSession struct {
	sessions map[string][]*openSession // account key → its live sessions, oldest first
	limit    saysMemo                  // a refusal's words about a session limit
}

// openSession is one session a server opened for an account.
type openSession struct {
	c     *storedCookie
	store *Store
}

// sessionsKept bounds what is kept per account: a client without a cookie
// jar opens a session on every call.
const sessionsKept = 64

// NewConcurrentSession returns the concurrent-session analyzer.
func NewConcurrentSession() *ConcurrentSession {
	return &ConcurrentSession{sessions: map[string][]*openSession{}}
}

// Name implements Analyzer.
func (a *ConcurrentSession) Name() string { return KindConcurrentSession }

// Observe implements Analyzer.
func (a *ConcurrentSession) Observe(fx *Facts, emit func(Finding)) {
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	if fx.Refusal.aboutAuthentication() && fx.Account.Key != "" {
		if fd, ok := a.judge(fx); ok {
			emit(fd)
		}
	}
	a.note(fx)
}

// note records the sessions fx's response opened, and those it ended.
func (a *ConcurrentSession) note(fx *Facts) {
	acct := fx.Account.Key
	if acct == "" {
		acct = fx.Store.Account
	}
	if acct == "" || len(fx.SetCookies) == 0 {
		return
	}
	list := a.sessions[acct]
	for i, sc := range fx.SetCookies {
		if !isSessionCookie(sc) {
			continue
		}
		// A new value in the same store replaces its session; a deletion ends it.
		kept := list[:0]
		for _, s := range list {
			if !(s.store == fx.Next && s.c.Name == sc.Name) {
				kept = append(kept, s)
			}
		}
		list = kept
		if sc.Value == "" || sc.IsDeletion(fx.Flow.End) || !fx.Succeeded() {
			continue
		}
		c, ok := newStoredCookie(fx, i, fx.Flow.End)
		if !ok {
			continue
		}
		c.SetAccount = acct
		list = append(list, &openSession{c: c, store: fx.Next})
	}
	if len(list) > sessionsKept {
		list = append([]*openSession(nil), list[len(list)-sessionsKept:]...)
	}
	a.sessions[acct] = list
}

func (a *ConcurrentSession) judge(fx *Facts) (Finding, bool) {
	f := fx.Flow
	var live *openSession
	var to cookieTarget // made once, if needed: up to sessionsKept sessions are tried
	made := false
	for _, s := range a.sessions[fx.Account.Key] {
		c := s.c
		if !knownTo(c, f) || !c.Expiry.IsZero() && !c.Expiry.After(f.Start) {
			continue
		}
		if !made {
			to, made = targetOf(f), true
		}
		if !to.covers(c) {
			continue
		}
		for _, p := range fx.Cookies {
			if p.Name == c.Name && a.isLive(fx.Account.Key, c.Name, p.Value) {
				return Finding{}, false // refused with a live session: another cause
			}
		}
		if live == nil || c.KnownAt.After(live.c.KnownAt) {
			live = s
		}
	}
	if live == nil || opensSession(fx, live.c.Name, "") || csrfRefusal(fx) {
		return Finding{}, false
	}
	fd := concurrentSessionFinding(fx, live.c, a.limit.says(fx.Refusal, sessionLimitPhrases...))
	fd.group = KindConcurrentSession + "\x00" + fx.Account.Key + "\x00" + live.c.Name + "\x00" + fx.Origin
	return fd, true
}

// isLive reports whether value is a session the account holds.
func (a *ConcurrentSession) isLive(acct, name, value string) bool {
	for _, s := range a.sessions[acct] {
		if s.c.Name == name && s.c.Value == value {
			return true
		}
	}
	return false
}

// cookieTarget is what of a flow decides which cookies apply to it.
type cookieTarget struct {
	host, path string // host in lower case
	secure     bool
}

func targetOf(f *capture.Flow) cookieTarget {
	return cookieTarget{host: strings.ToLower(f.Host), path: pathOnly(f), secure: isSecureScheme(f.Scheme)}
}

// covers: the cookie's domain, path and Secure flag cover the target.
func (t cookieTarget) covers(c *storedCookie) bool {
	if c.HostOnly && t.host != c.Domain || !c.HostOnly && !httpx.DomainMatch(t.host, c.Domain) {
		return false
	}
	return httpx.PathMatch(t.path, c.Path) && (!c.Secure || t.secure)
}

// csrfRefusal: the server says the refusal is about a CSRF token.
func csrfRefusal(fx *Facts) bool {
	if strings.EqualFold(fx.Flow.ResponseHeader("X-CSRF-Token"), "Required") {
		return true
	}
	return bytes.Contains(bytes.ToLower(fx.ResponseText()), []byte("csrf"))
}

// concurrentSessionFinding: limitSaid, the refusal's words say there is a
// session limit.
func concurrentSessionFinding(fx *Facts, s *storedCookie, limitSaid bool) Finding {
	f := fx.Flow
	// Concatenated, not formatted: one of these per refused call of a
	// connector that keeps no session, built on the engine's serial path.
	setBy := strconv.Itoa(s.SetBy)
	title := "Refused a second session while the " + s.Name + " session from #" + setBy + " was live"
	d := make([]byte, 0, 768)
	d = append(d, '#')
	d = append(d, setBy...)
	d = append(d, " ("...)
	d = append(d, s.SetOn...)
	d = append(d, ") opened a session for "...)
	d = append(d, fx.Account.Label...)
	d = append(d, " at "...)
	d = appendClock(d, s.KnownAt)
	d = append(d, ": it set "...)
	d = append(d, s.Name...)
	d = append(d, '=')
	d = append(d, maskSecret(s.Value)...)
	until := "until the server's session timeout"
	if s.Expiry.IsZero() {
		d = append(d, " as a session cookie (no expiry), so the session lasts until the server times it out."...)
	} else {
		valid := s.Expiry.In(f.Start.Location()).Format("15:04:05 MST")
		d = append(d, ", valid until "...)
		d = append(d, valid...)
		d = append(d, '.')
		until = "until " + valid
	}
	d = append(d, ' ')
	d = append(d, ago(s.KnownAt, f.Start)...)
	d = append(d, " later this "...)
	d = append(d, f.Method...)
	d = append(d, " presented the same account's credentials ("...)
	d = append(d, fx.Account.Via...)
	d = append(d, ") but not the session cookie, so the server had to start a new session, and it refused: "...)
	d = append(d, fx.Refusal.Summary()...)
	d = append(d, '.')
	if limitSaid {
		d = append(d, " Its answer says so: it will not open another session for this user while one is open."...)
	} else {
		d = append(d, " The server apparently allows one session per user and will not open a second one while the first is live."...)
	}
	fix := "Reuse the session opened by #" + setBy + ": keep cookies between operations (a cookie jar or CookieManager kept " +
		"for the whole run, shared by the connector's threads) so " + s.Name + " goes with every later call, or end the session (log out) " +
		"before authenticating again. With one session per user, calls with the same account that do not send the cookie fail " + until + "."
	return Finding{
		Kind: KindConcurrentSession, Severity: Error, Flow: f.ID,
		Related: related(f.ID, []int{s.SetBy}),
		Title:   title, Detail: string(d), Fix: fix,
		Missing: []Missing{{Where: "cookie", Name: s.Name, Value: s.Value, Seen: "set by #" + setBy}},
	}
}
