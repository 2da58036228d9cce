package analyze

import (
	"fmt"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindDroppedCookie: a cookie an RFC 6265 client would have sent was not.
const KindDroppedCookie = "dropped-cookie"

// DroppedCookie keeps a cookie jar per client as a correct client would and
// reports requests that lack (or carry a stale value of) a cookie from it.
type DroppedCookie struct {
	jars  clientJars
	first map[clientCookie]int // flow of the first finding per client and cookie
}

type clientCookie struct {
	client string
	key    cookieKey
}

// NewDroppedCookie returns the dropped-cookie analyzer.
func NewDroppedCookie() *DroppedCookie {
	return &DroppedCookie{jars: clientJars{}, first: map[clientCookie]int{}}
}

// Name implements Analyzer.
func (a *DroppedCookie) Name() string { return KindDroppedCookie }

// Observe implements Analyzer.
func (a *DroppedCookie) Observe(f *capture.Flow, emit func(Finding)) {
	if !analyzable(f) {
		return
	}
	client := clientKey(f)
	jar := a.jars.of(client)
	if !isPreflight(f) {
		a.judge(f, client, jar, emit)
	}
	jar.store(f)
}

func (a *DroppedCookie) judge(f *capture.Flow, client string, jar *cookieJar, emit func(Finding)) {
	expected := jar.forRequest(f)
	if len(expected) == 0 {
		return
	}
	sent := httpx.CookieValues(f.RequestHeaderValues("Cookie"))
	var ref *refusal
	for _, c := range expected {
		values, named := sent[c.Name]
		if named && contains(values, c.Value) {
			continue
		}
		if ref == nil {
			r := judgeRefusal(f)
			ref = &r
		}
		sev, newSession := droppedSeverity(f, c, *ref)
		if named && sev > Info {
			sev-- // a stale value is a lesser problem than none
		}
		key := clientCookie{client, cookieKey{c.Name, c.Domain, c.Path}}
		first, repeat := a.first[key]
		if repeat && sev < Error {
			// Not a flood: the first finding stands for the quiet repeats;
			// every refused request still gets its own explanation.
			continue
		}
		if !repeat {
			a.first[key] = f.ID
		}
		if named {
			emit(staleCookieFinding(f, c, values, sev, newSession, *ref, first))
		} else {
			emit(droppedCookieFinding(f, c, sev, newSession, *ref, first))
		}
	}
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// droppedSeverity: error when the request was refused or the server had to
// open another session; otherwise it depends on what the cookie is for.
func droppedSeverity(f *capture.Flow, c *storedCookie, ref refusal) (Severity, bool) {
	newSession := opensSession(f, c.Name, c.Value)
	switch {
	case ref.Refused || newSession:
		return Error, newSession
	case isSessionCookie(c):
		return Warning, false
	}
	return Info, false
}

func droppedCookieFinding(f *capture.Flow, c *storedCookie, sev Severity, newSession bool, ref refusal, first int) Finding {
	title := fmt.Sprintf("%s set by #%d was not sent", c.Name, c.SetBy)
	if newSession {
		title += "; the server opened another session"
	}
	var d strings.Builder
	d.WriteString(whyCookieApplies(f, c))
	if len(f.RequestHeaderValues("Cookie")) == 0 {
		d.WriteString(" The request carried no Cookie header.")
	} else {
		fmt.Fprintf(&d, " The request's Cookie header did not include %s.", c.Name)
	}
	d.WriteString(consequence(f, c, ref, newSession))
	if first != 0 {
		title += fmt.Sprintf(" (again, first on #%d)", first)
		fmt.Fprintf(&d, " Same problem as on #%d: the client does not keep this cookie.", first)
	}
	return Finding{
		Kind: KindDroppedCookie, Severity: sev, Flow: f.ID,
		Related: related(f.ID, []int{c.SetBy, first}),
		Title:   title, Detail: d.String(), Fix: droppedCookieFix(c),
		Missing: []Missing{{Where: "cookie", Name: c.Name, Value: c.Value, Seen: fmt.Sprintf("set by #%d", c.SetBy)}},
	}
}

func staleCookieFinding(f *capture.Flow, c *storedCookie, sentValues []string, sev Severity, newSession bool, ref refusal, first int) Finding {
	title := fmt.Sprintf("%s sent with a stale value; #%d had set a new one", c.Name, c.SetBy)
	var d strings.Builder
	fmt.Fprintf(&d, "The request sent %s=%s, but the latest value is %s. ", c.Name, shorten(sentValues[0], 32), shorten(c.Value, 32))
	d.WriteString(whyCookieApplies(f, c))
	d.WriteString(consequence(f, c, ref, newSession))
	if first != 0 {
		title += fmt.Sprintf(" (again, first on #%d)", first)
	}
	return Finding{
		Kind: KindDroppedCookie, Severity: sev, Flow: f.ID,
		Related: related(f.ID, []int{c.SetBy, first}),
		Title:   title, Detail: d.String(),
		Fix: fmt.Sprintf("Replace the stored cookie when a response sets it again: a cookie jar keeps %s=%s from #%d; "+
			"a Cookie header configured by hand must be refreshed the same way.", c.Name, shorten(c.Value, 32), c.SetBy),
		Missing: []Missing{{Where: "cookie", Name: c.Name, Value: c.Value, Seen: fmt.Sprintf("set by #%d", c.SetBy)}},
	}
}

// whyCookieApplies explains, like a browser's cookie inspector, why a correct
// client would have sent the cookie on f.
func whyCookieApplies(f *capture.Flow, c *storedCookie) string {
	var attrs []string
	attrs = append(attrs, "Path="+c.Path)
	if c.HostOnly {
		attrs = append(attrs, "host-only for "+c.Domain)
	} else {
		attrs = append(attrs, "Domain="+c.Domain)
	}
	if c.Secure {
		attrs = append(attrs, "Secure")
	}
	if c.HTTPOnly {
		attrs = append(attrs, "HttpOnly")
	}
	expiry := "a session cookie (no Expires or Max-Age), kept until the client exits"
	if !c.Expiry.IsZero() {
		expiry = "valid until " + c.Expiry.UTC().Format("2006-01-02 15:04:05 MST")
		if c.HasMaxAge {
			expiry += fmt.Sprintf(" (Max-Age=%d)", c.MaxAge)
		}
	}
	secure := "Secure does not apply"
	if c.Secure {
		secure = "the request is https as Secure requires"
	}
	return fmt.Sprintf("#%d (%s) set %s=%s at %s: %s; %s. A client that keeps cookies sends it on %s %s: "+
		"the host %s matches, the path is within %s, it had not expired at %s (%s later), %s.",
		c.SetBy, c.SetOn, c.Name, shorten(c.Value, 32), clock(c.KnownAt), strings.Join(attrs, ", "), expiry,
		f.Method, shorten(pathOnly(f), 60), strings.ToLower(f.Host), c.Path, clock(f.Start), ago(c.KnownAt, f.Start), secure)
}

func consequence(f *capture.Flow, c *storedCookie, ref refusal, newSession bool) string {
	var s string
	if ref.Refused {
		s = " The server refused the request: " + ref.Summary() + "."
	}
	if newSession {
		s += fmt.Sprintf(" The response set %s to a new value: the server opened another session instead of continuing the one from #%d.", c.Name, c.SetBy)
	}
	if !ref.Refused && !newSession && isAffinityCookie(c.Name) {
		s = " It is a load balancer's affinity cookie: without it the request may reach another backend."
	}
	return s
}

func droppedCookieFix(c *storedCookie) string {
	if isAffinityCookie(c.Name) {
		return fmt.Sprintf("Enable the connector's cookie handling so it returns the load balancer's %s cookie and stays on one backend.", c.Name)
	}
	return fmt.Sprintf("Keep cookies between operations: enable the connector's cookie handling (a cookie jar or "+
		"CookieManager kept for the whole run; with curl, -c jar on the first call and -b jar on the next), "+
		"or send `Cookie: %s=<value from #%d>` with this request.", c.Name, c.SetBy)
}
