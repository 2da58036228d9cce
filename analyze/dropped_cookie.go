package analyze

import (
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
	forked := fx.Next != fx.Store
	for _, c := range expected {
		if fx.sendsCookie(c.Name, c.Value) {
			continue
		}
		values, named := fx.sentValues(c.Name)
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
	a.dropFront(n)
}

// dropFront removes the first n held findings by reslicing, not copying the
// rest down: a busy minute holds thousands, and every flow may release one.
// The dropped slots are cleared so their findings can be collected; append
// moves the queue to a new array once the old one's tail is used up.
func (a *DroppedCookie) dropFront(n int) {
	if n == 0 {
		return
	}
	clear(a.held[:n])
	a.held = a.held[n:]
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
	a.dropFront(n)
	a.trim()
}

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
	session := c.isSession()
	switch {
	case fx.Refusal.Refused && (session || fx.Tie == TieCookie):
		// A session (or, from a client that keeps the others, any cookie:
		// an affinity cookie binds a session to its backend) the refused
		// request lacked.
		return Error, false
	case fx.Refusal.Refused:
		return Info, false
	case c.isAffinity():
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
