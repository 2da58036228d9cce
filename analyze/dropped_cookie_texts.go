package analyze

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The dropped-cookie finding's texts, built by hand: there is one per
// request that lacks the cookie, on the engine's serial path.

// heldCookieNote ends a held finding's detail once it is released.
var heldCookieNote = " No request presented the new session within " + sessionHorizon.String() + " either: the client " +
	"keeps no cookies (or each call is a new client), and the server opens a session for every call."

// finding is the dropped-cookie finding, its detail ending with note; the
// text is built in a.text, reused.
func (a *DroppedCookie) finding(fx *Facts, c *storedCookie, sev Severity, forked bool, note string) Finding {
	f := fx.Flow
	texts := c.textsIn(f.Start.Location())
	var title string // one concatenation either way: one allocation
	if forked {
		title = c.Name + " " + texts.seen + " was not sent; the server opened another session"
	} else {
		title = c.Name + " " + texts.seen + " was not sent"
	}
	d := appendWhyCookieApplies(a.text[:0], fx, c)
	if !fx.hasReqHeader(hCookie) {
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
		Title:   title, Detail: string(d), Fix: texts.fix,
		Missing: []Missing{{Where: "cookie", Name: c.Name, Value: c.Value, Seen: texts.seen}},
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
	b = append(b, c.textsIn(f.Start.Location()).about...)
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

// cookieTexts are the parts of the texts about a cookie version that depend
// on it alone, written once: one dropped session cookie makes a finding
// on every later request.
type cookieTexts struct {
	loc   *time.Location // the zone about shows its expiry in
	about string         // "#1 (POST /login → 200) set JSESSIONID=D37E…66 at …: Path=/, …; a session cookie …"
	fix   string         // droppedCookieFix
	seen  string         // "set by #1"
}

// textsIn is c's texts with its expiry in loc.
func (c *storedCookie) textsIn(loc *time.Location) *cookieTexts {
	if c.texts == nil || c.texts.loc != loc {
		c.texts = &cookieTexts{loc: loc, about: string(appendAboutCookie(nil, c, loc)), fix: droppedCookieFix(c),
			seen: "set by #" + strconv.Itoa(c.SetBy)}
	}
	return c.texts
}

// appendAboutCookie is what set c and how it is scoped, its expiry in loc.
func appendAboutCookie(b []byte, c *storedCookie, loc *time.Location) []byte {
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
		return append(b, "a session cookie (no Expires or Max-Age), kept until the client exits"...)
	}
	b = append(b, "valid until "...)
	b = c.Expiry.In(loc).AppendFormat(b, "2006-01-02 15:04:05 MST")
	if c.HasMaxAge {
		b = append(b, " (Max-Age="...)
		b = strconv.AppendInt(b, c.MaxAge, 10)
		b = append(b, ')')
	}
	return b
}

func appendConsequence(b []byte, fx *Facts, c *storedCookie, forked bool) []byte {
	if !fx.Refusal.Refused && !forked && c.isAffinity() {
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
	if c.isAffinity() {
		return fmt.Sprintf("Enable the connector's cookie handling so it returns the load balancer's %s cookie and stays on one backend.", c.Name)
	}
	return "Keep cookies between operations: enable the connector's cookie handling (a cookie jar or " +
		"CookieManager kept for the whole run; with curl, -c jar on the first call and -b jar on the next), " +
		"or send `Cookie: " + c.Name + "=<value from #" + strconv.Itoa(c.SetBy) + ">` with this request."
}
