package analyze

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
)

// KindDroppedCookie: a cookie an RFC 6265 client holding that store would
// have sent was not.
const KindDroppedCookie = "dropped-cookie"

// DroppedCookie judges each request against the cookie store the engine
// tied it to (Facts.Store), as an RFC 6265 client holding that store would
// have sent: domain, path, Secure, expiry and deletion honoured.
//
// How sure it may be depends on the tie. A request that presented other
// cookies of the store came from that client; one on the same connection,
// or with the same credentials, only may have. So:
//
//   - refused: error for a session cookie whatever the tie (the text says
//     what tied it), and for any cookie when the client keeps the others;
//     info for another cookie of a client tied by a guess;
//   - not refused, tied by cookies: warning for a session cookie, info for
//     the rest;
//   - not refused, tied by a guess, the server opened another session:
//     held until the new session is presented (another thread with its own
//     store: nothing to report) or horizon passes (a warning: the client
//     keeps no cookies, and the server opens a session per call);
//   - otherwise info when the connection tied it, nothing when only the
//     credentials did.
type DroppedCookie struct {
	held    []*heldCookie // in deadline order (deadlines follow the flows' starts)
	byStore map[*Store][]*heldCookie
	text    []byte // a finding's detail, while it is written
}

// heldCookie is a finding that waits to see whether its request's new
// session lives on. Its text is written only if it is released.
type heldCookie struct {
	fx        *Facts // a sketch of the request: no bodies
	c         *storedCookie
	sev       Severity
	store     *Store // the store its response started
	deadline  time.Time
	withdrawn bool
}

// sessionHorizon is how long a new session has to be presented before a
// held finding is released.
const sessionHorizon = time.Minute

// NewDroppedCookie returns the dropped-cookie analyzer.
func NewDroppedCookie() *DroppedCookie { return &DroppedCookie{byStore: map[*Store][]*heldCookie{}} }

// Name implements Analyzer.
func (a *DroppedCookie) Name() string { return KindDroppedCookie }

// Observe implements Analyzer.
func (a *DroppedCookie) Observe(fx *Facts, emit func(Finding)) {
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	if fx.Tie == TieCookie {
		a.withdraw(fx)
	}
	expected := fx.sentByJar()
	if len(expected) == 0 {
		return
	}
	sent := fx.SentCookies()
	forked := fx.Next != fx.Store
	for _, c := range expected {
		values, named := sent[c.Name]
		if named && contains(values, c.Value) {
			continue
		}
		sev, hold := droppedSeverity(fx, c, forked)
		if named && sev > Info {
			sev-- // a stale value is a lesser problem than none
		}
		if sev == None {
			continue
		}
		if hold {
			h := &heldCookie{fx: sketch(fx), c: c, sev: sev, store: fx.Next, deadline: fx.Flow.Start.Add(sessionHorizon)}
			a.held = append(a.held, h)
			a.byStore[h.store] = append(a.byStore[h.store], h)
			continue
		}
		var fd Finding
		if named {
			fd = staleCookieFinding(fx, c, values, sev)
		} else {
			fd = a.finding(fx, c, sev, forked, "")
		}
		emit(grouped(fd, fx, c))
	}
}

func grouped(fd Finding, fx *Facts, c *storedCookie) Finding {
	fd.group = KindDroppedCookie + "\x00" + fx.Client.Key + "\x00" + c.Name + "\x00" + fx.API
	return fd
}

// sketch keeps of fx what a held finding's text needs, and not its bodies:
// a minute of a busy run is many flows.
func sketch(fx *Facts) *Facts {
	f := fx.Flow
	g := &capture.Flow{ID: f.ID, Method: f.Method, Scheme: f.Scheme, Host: f.Host, Port: f.Port, Start: f.Start,
		End: f.End, ConnID: f.ConnID, Status: f.Status}
	for _, h := range f.RequestHeaders {
		if strings.EqualFold(h.Name, "Cookie") || strings.EqualFold(h.Name, "User-Agent") {
			g.RequestHeaders = append(g.RequestHeaders, h)
		}
	}
	return &Facts{Flow: g, Path: fx.Path, API: fx.API, Refusal: fx.Refusal, SetCookies: fx.SetCookies,
		Account: fx.Account, Client: fx.Client, Tie: fx.Tie, Store: fx.Store, Next: fx.Next}
}

// withdraw drops held findings whose new session this request presents:
// that client keeps its own session.
func (a *DroppedCookie) withdraw(fx *Facts) {
	for _, h := range a.byStore[fx.Store] {
		if fx.Flow.Start.Before(h.deadline) {
			h.withdrawn = true
		}
	}
	delete(a.byStore, fx.Store)
	a.trim()
}

// trim drops withdrawn findings from the front of the queue.
func (a *DroppedCookie) trim() {
	n := 0
	for n < len(a.held) && a.held[n].withdrawn {
		n++
	}
	if n > 0 {
		a.held = append(a.held[:0], a.held[n:]...)
	}
}

// Holding implements Settler: the queue is in flow order and starts with a
// finding still held.
func (a *DroppedCookie) Holding() int {
	if len(a.held) == 0 {
		return 0
	}
	return a.held[0].fx.Flow.ID
}

// Settle implements Settler: held findings whose new session was not
// presented within the horizon are released.
func (a *DroppedCookie) Settle(t time.Time, emit func(Finding)) {
	n := 0
	for ; n < len(a.held) && !t.Before(a.held[n].deadline); n++ {
		h := a.held[n]
		if list := a.byStore[h.store]; len(list) > 0 {
			delete(a.byStore, h.store)
		}
		if h.withdrawn {
			continue
		}
		fd := a.finding(h.fx, h.c, h.sev, true, heldCookieNote)
		emit(grouped(fd, h.fx, h.c))
	}
	if n > 0 {
		a.held = append(a.held[:0], a.held[n:]...)
	}
	a.trim()
}

// heldCookieNote ends a held finding's detail once it is released.
var heldCookieNote = " No request presented the new session within " + sessionHorizon.String() + " either: the client " +
	"keeps no cookies (or each call is a new client), and the server opens a session for every call."

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// droppedSeverity is the rule in the type's comment; hold says the finding
// waits for later evidence.
func droppedSeverity(fx *Facts, c *storedCookie, forked bool) (sev Severity, hold bool) {
	session := isSessionCookie(c.SetCookie)
	switch {
	case fx.Refusal.Refused && (session || fx.Tie == TieCookie):
		// A session (or, from a client that keeps the others, any cookie:
		// an affinity cookie binds a session to its backend) the refused
		// request lacked.
		return Error, false
	case fx.Refusal.Refused:
		return Info, false
	case isAffinityCookie(c.Name):
		if fx.Tie == TieCookie {
			return Info, false
		}
		return None, false
	case fx.Tie == TieCookie:
		if session {
			return Warning, false
		}
		return Info, false
	case forked && session:
		return Warning, true
	case fx.Tie == TieConn:
		return Info, false
	}
	return None, false
}

// finding is the dropped-cookie finding, its detail ending with note; the
// text is built in a.text, reused.
func (a *DroppedCookie) finding(fx *Facts, c *storedCookie, sev Severity, forked bool, note string) Finding {
	f := fx.Flow
	setBy := strconv.Itoa(c.SetBy)
	title := c.Name + " set by #" + setBy + " was not sent"
	if forked {
		title += "; the server opened another session"
	}
	d := appendWhyCookieApplies(a.text[:0], fx, c)
	if !f.HasRequestHeader("Cookie") {
		d = append(d, " The request carried no Cookie header."...)
	} else {
		d = append(d, " The request's Cookie header did not include "...)
		d = append(d, c.Name...)
		d = append(d, '.')
	}
	d = appendTieText(d, fx, c)
	d = appendConsequence(d, fx, c, forked)
	d = append(d, note...)
	a.text = d
	return Finding{
		Kind: KindDroppedCookie, Severity: sev, Flow: f.ID,
		Related: related(f.ID, []int{c.SetBy}),
		Title:   title, Detail: string(d), Fix: droppedCookieFix(c),
		Missing: []Missing{{Where: "cookie", Name: c.Name, Value: c.Value, Seen: "set by #" + setBy}},
	}
}

func staleCookieFinding(fx *Facts, c *storedCookie, sentValues []string, sev Severity) Finding {
	f := fx.Flow
	title := fmt.Sprintf("%s sent with a stale value; #%d had set a new one", c.Name, c.SetBy)
	var d strings.Builder
	fmt.Fprintf(&d, "The request sent %s=%s, but the latest value is %s. ", c.Name, maskSecret(sentValues[0]), maskSecret(c.Value))
	d.WriteString(whyCookieApplies(fx, c))
	d.WriteString(consequence(fx, c, false))
	return Finding{
		Kind: KindDroppedCookie, Severity: sev, Flow: f.ID,
		Related: related(f.ID, []int{c.SetBy}),
		Title:   title, Detail: d.String(),
		Fix: fmt.Sprintf("Replace the stored cookie when a response sets it again: a cookie jar keeps the %s that #%d set; "+
			"a Cookie header configured by hand must be refreshed the same way.", c.Name, c.SetBy),
		Missing: []Missing{{Where: "cookie", Name: c.Name, Value: c.Value, Seen: fmt.Sprintf("set by #%d", c.SetBy)}},
	}
}

// appendTieText appends what ties the request to the client that received
// the cookie, and how far that goes.
func appendTieText(b []byte, fx *Facts, c *storedCookie) []byte {
	switch fx.Tie {
	case TieCookie:
		b = append(b, " It presented other cookies this client received, so it came from the client that holds "...)
		b = append(b, c.Name...)
		return append(b, '.')
	case TieConn:
		b = append(b, " It came on client connection "...)
		b = strconv.AppendInt(b, fx.Flow.ConnID, 10)
		return append(b, ", which this client used before."...)
	case TieAccount:
		b = append(b, " It carried the same credentials ("...)
		b = append(b, fx.Account.Label...)
		b = append(b, ") from the same program; nothing in the traffic shows whether it shares #"...)
		b = strconv.AppendInt(b, int64(c.SetBy), 10)
		return append(b, "'s cookie store (a connector running several threads, each with its own cookie store, looks the same)."...)
	case TieAgent:
		b = append(b, " It came from the same program (User-Agent "...)
		b = strconv.AppendQuote(b, shorten(fx.Flow.RequestHeader("User-Agent"), 60))
		b = append(b, ") without credentials; nothing in the traffic shows whether it shares #"...)
		b = strconv.AppendInt(b, int64(c.SetBy), 10)
		return append(b, "'s cookie store."...)
	}
	return b
}

// whyCookieApplies explains, like a browser's cookie inspector, why a correct
// client would have sent the cookie.
func whyCookieApplies(fx *Facts, c *storedCookie) string {
	return string(appendWhyCookieApplies(nil, fx, c))
}

// appendWhyCookieApplies is whyCookieApplies appended to b (by hand: these
// texts are built on the engine's serial path, once per finding).
func appendWhyCookieApplies(b []byte, fx *Facts, c *storedCookie) []byte {
	f := fx.Flow
	b = append(b, '#')
	b = strconv.AppendInt(b, int64(c.SetBy), 10)
	b = append(b, " ("...)
	b = append(b, c.SetOn...)
	b = append(b, ") set "...)
	b = append(b, c.Name...)
	b = append(b, '=')
	b = append(b, maskSecret(c.Value)...)
	b = append(b, " at "...)
	b = appendClock(b, c.KnownAt)
	b = append(b, ": Path="...)
	b = append(b, c.Path...)
	if c.HostOnly {
		b = append(b, ", host-only for "...)
	} else {
		b = append(b, ", Domain="...)
	}
	b = append(b, c.Domain...)
	if c.Secure {
		b = append(b, ", Secure"...)
	}
	if c.HTTPOnly {
		b = append(b, ", HttpOnly"...)
	}
	b = append(b, "; "...)
	if c.Expiry.IsZero() {
		b = append(b, "a session cookie (no Expires or Max-Age), kept until the client exits"...)
	} else {
		b = append(b, "valid until "...)
		b = c.Expiry.In(f.Start.Location()).AppendFormat(b, "2006-01-02 15:04:05 MST")
		if c.HasMaxAge {
			b = append(b, " (Max-Age="...)
			b = strconv.AppendInt(b, c.MaxAge, 10)
			b = append(b, ')')
		}
	}
	b = append(b, ". A client that keeps cookies sends it on "...)
	b = append(b, f.Method...)
	b = append(b, ' ')
	b = append(b, shorten(fx.Path, 60)...)
	b = append(b, ": the host "...)
	b = appendLower(b, f.Host)
	b = append(b, " matches, the path is within "...)
	b = append(b, c.Path...)
	b = append(b, ", it had not expired at "...)
	b = appendClock(b, f.Start)
	b = append(b, " ("...)
	b = append(b, ago(c.KnownAt, f.Start)...)
	b = append(b, " later), "...)
	if c.Secure {
		b = append(b, "the request is https as Secure requires."...)
	} else {
		b = append(b, "Secure does not apply."...)
	}
	return b
}

func appendConsequence(b []byte, fx *Facts, c *storedCookie, forked bool) []byte {
	if !fx.Refusal.Refused && !forked && isAffinityCookie(c.Name) {
		return append(b, " It is a load balancer's affinity cookie: without it the request may reach another backend."...)
	}
	if fx.Refusal.Refused {
		b = append(b, " The server refused the request: "...)
		b = append(b, fx.Refusal.Summary()...)
		b = append(b, '.')
	}
	if opensSession(fx, c.Name, c.Value) {
		b = append(b, " The response set "...)
		b = append(b, c.Name...)
		b = append(b, " to a new value: the server opened another session instead of continuing the one from #"...)
		b = strconv.AppendInt(b, int64(c.SetBy), 10)
		b = append(b, '.')
	}
	return b
}

func consequence(fx *Facts, c *storedCookie, forked bool) string {
	return string(appendConsequence(nil, fx, c, forked))
}

func droppedCookieFix(c *storedCookie) string {
	if isAffinityCookie(c.Name) {
		return fmt.Sprintf("Enable the connector's cookie handling so it returns the load balancer's %s cookie and stays on one backend.", c.Name)
	}
	return "Keep cookies between operations: enable the connector's cookie handling (a cookie jar or " +
		"CookieManager kept for the whole run; with curl, -c jar on the first call and -b jar on the next), " +
		"or send `Cookie: " + c.Name + "=<value from #" + strconv.Itoa(c.SetBy) + ">` with this request."
}
