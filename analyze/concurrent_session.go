package analyze

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindConcurrentSession: the server refused to open a second session while
// the client's first one was live and not presented.
const KindConcurrentSession = "concurrent-session"

// sessionLimitPhrases in a refusal confirm a one-session-per-user server.
var sessionLimitPhrases = []string{
	"session already exists", "already logged in", "already logged on", "maximum session", "max session",
	"maximum number of sessions", "concurrent session", "session limit", "too many sessions",
	"another session", "active session", "existing session",
}

// ConcurrentSession tracks, per client, the sessions servers opened (a
// successful response that set a session cookie) with the same cookie model
// as DroppedCookie, and explains refusals of requests that tried to
// authenticate afresh while such a session was live.
type ConcurrentSession struct {
	jars  clientJars
	first map[clientCookie]int
}

// NewConcurrentSession returns the concurrent-session analyzer.
func NewConcurrentSession() *ConcurrentSession {
	return &ConcurrentSession{jars: clientJars{}, first: map[clientCookie]int{}}
}

// Name implements Analyzer.
func (a *ConcurrentSession) Name() string { return KindConcurrentSession }

// Observe implements Analyzer.
func (a *ConcurrentSession) Observe(f *capture.Flow, emit func(Finding)) {
	if !analyzable(f) {
		return
	}
	client := clientKey(f)
	jar := a.jars.of(client)
	if !isPreflight(f) && f.Status >= 400 {
		if ref := judgeRefusal(f); ref.Refused {
			a.judge(f, client, jar, ref, emit)
		}
	}
	jar.store(f)
}

func (a *ConcurrentSession) judge(f *capture.Flow, client string, jar *cookieJar, ref refusal, emit func(Finding)) {
	creds := credentialsPresented(f)
	if creds == "" {
		return
	}
	sent := httpx.CookieValues(f.RequestHeaderValues("Cookie"))
	var session *storedCookie
	for _, c := range jar.forRequest(f) {
		if !isSessionCookie(c) || !succeededStatus(c.SetStatus) {
			continue
		}
		if _, presented := sent[c.Name]; presented {
			// Refused although the session went along: some other cause.
			return
		}
		if session == nil || c.KnownAt.After(session.KnownAt) {
			session = c
		}
	}
	if session == nil || opensNewSession(f, session.Name) || csrfRefusal(f) {
		return
	}
	key := clientCookie{client, cookieKey{session.Name, session.Domain, session.Path}}
	first, repeat := a.first[key]
	if !repeat {
		a.first[key] = f.ID
	}
	emit(concurrentSessionFinding(f, session, creds, ref, first))
}

// opensNewSession: a refusal that itself sets a fresh session cookie shows
// the server was willing to open another session; it refused for some other
// reason (a CSRF token, say).
func opensNewSession(f *capture.Flow, name string) bool {
	for _, line := range httpx.SetCookieLines(f.ResponseHeaderValues("Set-Cookie")) {
		if c, ok := httpx.ParseSetCookie(line); ok && c.Name == name && !(c.HasMaxAge && c.MaxAge <= 0) {
			return true
		}
	}
	return false
}

// csrfRefusal: the server says the refusal is about a CSRF token.
func csrfRefusal(f *capture.Flow) bool {
	if strings.EqualFold(f.ResponseHeader("X-CSRF-Token"), "Required") {
		return true
	}
	return bytes.Contains(bytes.ToLower(f.ResponseText()), []byte("csrf"))
}

func succeededStatus(s int) bool { return s >= 200 && s < 400 }

func concurrentSessionFinding(f *capture.Flow, s *storedCookie, creds string, ref refusal, first int) Finding {
	title := fmt.Sprintf("Refused a second session while the %s session from #%d was live", s.Name, s.SetBy)
	var d strings.Builder
	fmt.Fprintf(&d, "#%d (%s) opened a session at %s: it set %s=%s", s.SetBy, s.SetOn, clock(s.KnownAt), s.Name, shorten(s.Value, 32))
	if s.Expiry.IsZero() {
		d.WriteString(" as a session cookie (no expiry), so the session lasts until the server times it out.")
	} else {
		fmt.Fprintf(&d, ", valid until %s.", s.Expiry.UTC().Format("15:04:05 MST"))
	}
	same := ""
	if s.SetAuth != "" && s.SetAuth == f.RequestHeader("Authorization") {
		same = " (the same credentials as #" + fmt.Sprint(s.SetBy) + ")"
	}
	fmt.Fprintf(&d, " %s later this %s presented %s%s but not the session cookie, so the server had to start a new session, "+
		"and it refused: %s.", ago(s.KnownAt, f.Start), f.Method, creds, same, ref.Summary())
	if ref.says(sessionLimitPhrases...) {
		d.WriteString(" Its answer says so: it will not open another session for this user while one is open.")
	} else {
		d.WriteString(" The server apparently allows one session per user and will not open a second one while the first is live.")
	}
	if first != 0 {
		title += fmt.Sprintf(" (again, first on #%d)", first)
		fmt.Fprintf(&d, " Same as on #%d.", first)
	}
	until := "until the server's session timeout"
	if !s.Expiry.IsZero() {
		until = "until " + s.Expiry.UTC().Format("15:04:05 MST")
	}
	fix := fmt.Sprintf("Reuse the session opened by #%d: keep cookies between operations (a cookie jar or CookieManager kept "+
		"for the whole run) so %s goes with every later call, or end the session (log out) before authenticating again. "+
		"With one session per user, calls with the same account that do not send the cookie fail %s.", s.SetBy, s.Name, until)
	return Finding{
		Kind: KindConcurrentSession, Severity: Error, Flow: f.ID,
		Related: related(f.ID, []int{s.SetBy, first}),
		Title:   title, Detail: d.String(), Fix: fix,
		Missing: []Missing{{Where: "cookie", Name: s.Name, Value: s.Value, Seen: fmt.Sprintf("set by #%d", s.SetBy)}},
	}
}
