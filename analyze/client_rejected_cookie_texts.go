package analyze

import (
	"fmt"
	"strings"
	"time"

	"github.com/provtap/provtap/capture/httpx"
)

// Which clients reject a cookie, and the finding's texts.

// cookieAgent is what the User-Agent says of the client's cookie handling.
type cookieAgent struct {
	ua   string
	kind agentKind
}

type agentKind int

const (
	agentUnknown agentKind = iota
	agentApache4           // Apache-HttpClient/4.x
	agentCurl
	agentBrowser
	agentRFCDates // parses RFC 1123 dates and keeps big cookies: Go, the JDK, python, Apache 5, okhttp
)

func agentOf(ua string) cookieAgent {
	a := cookieAgent{ua: ua}
	l := strings.ToLower(ua)
	switch {
	case strings.Contains(l, "apache-httpclient/4"):
		a.kind = agentApache4
	case strings.HasPrefix(l, "curl/"):
		a.kind = agentCurl
	case strings.HasPrefix(l, "mozilla/"):
		a.kind = agentBrowser
	case strings.HasPrefix(l, "go-http-client"), strings.HasPrefix(l, "java-http-client"), strings.HasPrefix(l, "java/"),
		strings.HasPrefix(l, "python-"), strings.Contains(l, "apache-httpclient/5"), strings.HasPrefix(l, "okhttp"):
		a.kind = agentRFCDates
	}
	return a
}

// rejects: a client of this kind (as far as its User-Agent tells) throws
// away a cookie that breaks the rule.
func (a cookieAgent) rejects(r rejectRule) bool {
	switch r {
	case ruleApacheExpires, ruleApacheAnySpec:
		return a.kind == agentApache4 || a.kind == agentUnknown
	case ruleOversize:
		return a.kind == agentCurl || a.kind == agentBrowser || a.kind == agentUnknown
	}
	return true
}

// who names the client in a finding's text.
func (a cookieAgent) who() string {
	if a.ua == "" {
		return "the client (it sent no User-Agent)"
	}
	return fmt.Sprintf("the client (User-Agent %q)", shorten(a.ua, 60))
}

// maskedSetCookie is the Set-Cookie line as received, its value masked.
func maskedSetCookie(sc httpx.SetCookie) string {
	_, attrs, _ := strings.Cut(sc.Raw, ";")
	s := sc.Name + "=" + maskSecret(sc.Value)
	if attrs != "" {
		s += ";" + attrs
	}
	return shorten(s, 240)
}

// acceptedHeader is the same cookie as the client would keep it.
func acceptedHeader(rc *rejectedCookie) string {
	parts := []string{rc.sc.Name + "=<value>"}
	for _, attr := range strings.Split(rc.sc.Raw, ";")[1:] {
		k, _, _ := strings.Cut(attr, "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "expires", "max-age":
			continue
		case "domain":
			if rc.why == ruleDomainMismatch {
				continue
			}
		}
		if a := strings.TrimSpace(attr); a != "" {
			parts = append(parts, a)
		}
	}
	if n := rc.maxAge(); n > 0 {
		parts = append(parts[:1], append([]string{fmt.Sprintf("Max-Age=%d", n)}, parts[1:]...)...)
	}
	return strings.Join(parts, "; ")
}

func rejectedFinding(fx *Facts, rc *rejectedCookie, agent cookieAgent, sev Severity) Finding {
	f := fx.Flow
	name := rc.sc.Name
	exp, _ := httpx.ExpiresAttr(rc.sc)
	var title, why, clients, fix string
	fixed := acceptedHeader(rc)
	switch rc.why {
	case ruleApacheExpires:
		if agent.kind == agentApache4 {
			title = fmt.Sprintf("Apache HttpClient rejected %s from #%d: it cannot read its Expires", name, rc.setBy)
		} else {
			title = fmt.Sprintf("%s from #%d has an Expires Apache HttpClient 4.x cannot read", name, rc.setBy)
		}
		why = fmt.Sprintf("Its Expires, %q, is not in the Netscape form \"EEE, dd-MMM-yy HH:mm:ss z\". Apache HttpClient 4.x's "+
			"default cookie spec (CookieSpecs.DEFAULT, what HttpClients.custom(), createDefault() and createSystem() use) "+
			"reads a cookie's Expires with that pattern only and drops the whole cookie, logging just "+
			"\"Invalid cookie header … %s\" at WARN.", exp, rc.detail())
		clients = " curl, the JDK's CookieManager and HttpClient, Go, python and browsers read this date and keep the cookie; " +
			"so does Apache HttpClient with CookieSpecs.STANDARD."
		fix = fmt.Sprintf("On the server, send the lifetime as Max-Age without Expires: `Set-Cookie: %s`, or Expires in the "+
			"form Apache's default spec reads (`Expires=%s`). In the connector, build the client with "+
			"RequestConfig.custom().setCookieSpec(CookieSpecs.STANDARD) (RFC 6265) as its default request config.",
			fixed, netscapeExpiry(rc))
	case ruleApacheAnySpec:
		if agent.kind == agentApache4 {
			title = fmt.Sprintf("Apache HttpClient rejected %s from #%d: its Expires is no date", name, rc.setBy)
		} else {
			title = fmt.Sprintf("%s from #%d has an Expires Apache HttpClient 4.x cannot read", name, rc.setBy)
		}
		why = fmt.Sprintf("Its Expires, %q, is no date RFC 6265 §5.1.1 can read. RFC 6265 says to ignore such an attribute, "+
			"but Apache HttpClient 4.x drops the whole cookie with every cookie spec, CookieSpecs.STANDARD included "+
			"(\"Invalid cookie header … %s\").", exp, rc.detail())
		clients = " curl, the JDK, Go and browsers ignore the attribute and keep the cookie for the session."
		fix = fmt.Sprintf("On the server, send a real date or, better, the lifetime as Max-Age: `Set-Cookie: %s`.", fixed)
	case ruleDomainMismatch:
		title = fmt.Sprintf("%s from #%d was rejected: Domain=%s does not match %s", name, rc.setBy, rc.sc.Domain, rc.host)
		why = fmt.Sprintf("Its Domain=%s does not domain-match the host %s that set it, so every client refuses it "+
			"(RFC 6265 §5.3 step 6; Apache HttpClient: %q).", rc.sc.Domain, rc.host, rc.detail())
		clients = ""
		fix = fmt.Sprintf("On the server, leave Domain out (a host-only cookie) or set a Domain the host is within: "+
			"`Set-Cookie: %s` (behind a proxy or load balancer, the host the client called is %s).", fixed, rc.host)
	case ruleOversize:
		title = fmt.Sprintf("%s from #%d is %d bytes: over the %d-byte cookie limit", name, rc.setBy,
			len(rc.sc.Name)+len(rc.sc.Value), httpx.MaxCookieBytes)
		why = fmt.Sprintf("Its name and value are %s, over the %d that curl keeps of one cookie: curl ignores a bigger one, "+
			"as do .NET's CookieContainer (MaxCookieSize, 4096 by default) and browsers.", rc.detail(), httpx.MaxCookieBytes)
		clients = " Apache HttpClient, the JDK, Go and python keep it."
		fix = "On the server, keep the cookie under 4096 bytes (a session id, with the state kept on the server); " +
			"with .NET, raise CookieContainer.MaxCookieSize."
	}
	var d strings.Builder
	fmt.Fprintf(&d, "#%d (%s) answered with `Set-Cookie: %s`. %s", rc.setBy, rc.setOn(), maskedSetCookie(rc.sc), why)
	if !fx.hasReqHeader(hCookie) {
		fmt.Fprintf(&d, " This %s %s from %s carried no Cookie header", f.Method, shorten(fx.Path, 60), agent.who())
	} else if v, ok := oldValue(fx, name); ok {
		fmt.Fprintf(&d, " This %s %s from %s still carried %s=%s, the value it had before: it dropped the new one", f.Method,
			shorten(fx.Path, 60), agent.who(), name, maskSecret(v))
	} else {
		fmt.Fprintf(&d, " This %s %s from %s carried cookies, but no %s", f.Method, shorten(fx.Path, 60), agent.who(), name)
	}
	switch {
	case rc.why == ruleDomainMismatch:
		d.WriteString(".")
	case rc.why == ruleOversize && agent.kind == agentCurl:
		d.WriteString(": curl, which ignores such a cookie.")
	case rc.why == ruleOversize:
		d.WriteString("; clients such as curl and .NET's CookieContainer drop such a cookie.")
	case agent.kind == agentApache4 && rc.why == ruleApacheExpires:
		d.WriteString(": Apache HttpClient 4.x, whose default cookie spec drops it.")
	case agent.kind == agentApache4:
		d.WriteString(": Apache HttpClient 4.x, which drops it.")
	default:
		d.WriteString("; clients such as Apache HttpClient 4.x drop such a cookie.")
	}
	d.WriteString(clients)
	if fx.Tie != TieCookie && len(fx.Cookies) == 0 {
		d.WriteString(" (This request carried no cookie at all; if the connector's cookie handling is off, turn it on too.)")
	}
	if fx.Refusal.Refused {
		d.WriteString(" The server refused the request: " + fx.Refusal.Summary() + ".")
	}
	if rc.why != ruleOversize {
		fmt.Fprintf(&d, " A header the client keeps: `Set-Cookie: %s`.", fixed)
	}
	return Finding{Kind: KindClientRejectedCookie, Severity: sev, Flow: f.ID, Related: related(f.ID, []int{rc.setBy}),
		Title: title, Detail: d.String(), Fix: fix,
		Missing: []Missing{{Where: "cookie", Name: name, Value: rc.sc.Value, Seen: fmt.Sprintf("set by #%d, rejected by the client", rc.setBy)}}}
}

// netscapeExpiry is the cookie's Expires in the form Apache's default spec reads.
func netscapeExpiry(rc *rejectedCookie) string {
	t := rc.sc.Expires
	if !rc.sc.HasExpires {
		t = rc.knownAt.Add(time.Duration(rc.maxAge()) * time.Second)
	}
	return httpx.NetscapeDate(t)
}
