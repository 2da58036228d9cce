package ui

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"golang.org/x/net/publicsuffix"
)

// The cookies tab: every cookie the request presented and where it came
// from, every Set-Cookie of the response with its attributes and whether an
// RFC 6265 client stores it, and if not why (in the words of Chrome
// DevTools' blocked-cookie reasons).

// setCookie is one Set-Cookie line as the cookies tab needs it.
type setCookie struct {
	Name, Value  string
	Domain       string // the Domain attribute, lower-case, without a leading dot ("": host-only)
	Path         string // the Path attribute ("": the default path)
	Secure       bool
	HTTPOnly     bool
	Partitioned  bool
	SameSite     string // none, lax, strict or "" (as the server wrote it, lower-case)
	HasMaxAge    bool
	MaxAge       int // seconds; <= 0 deletes
	HasExpires   bool
	Expires      time.Time
	BadExpires   string // an Expires the parser could not read
	OtherAttribs []string
}

// parseSetCookie is the one place the UI reads a Set-Cookie line. It adapts
// net/http's parser, the one the tree has that the UI may import; when
// capture/httpx has the project's RFC 6265 parser (from analyze), this
// function's body is all that changes.
func parseSetCookie(line string) (setCookie, error) {
	hc, err := http.ParseSetCookie(line)
	if err != nil {
		return setCookie{}, err
	}
	c := setCookie{Name: hc.Name, Value: hc.Value, Domain: strings.ToLower(strings.TrimPrefix(hc.Domain, ".")),
		Path: hc.Path, Secure: hc.Secure, HTTPOnly: hc.HttpOnly, Partitioned: hc.Partitioned, OtherAttribs: hc.Unparsed}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = ""
	}
	switch hc.SameSite {
	case http.SameSiteNoneMode:
		c.SameSite = "none"
	case http.SameSiteLaxMode:
		c.SameSite = "lax"
	case http.SameSiteStrictMode:
		c.SameSite = "strict"
	}
	if hc.MaxAge != 0 {
		c.HasMaxAge, c.MaxAge = true, max(hc.MaxAge, 0)
	}
	if hc.RawExpires != "" {
		if hc.Expires.IsZero() {
			c.BadExpires = hc.RawExpires
		} else {
			c.HasExpires, c.Expires = true, hc.Expires
		}
	}
	return c, nil
}

// setCookieLines is every Set-Cookie of a response; Chrome's HAR export
// joins several in one header, one per line.
func setCookieLines(f *capture.Flow) []string {
	var out []string
	for _, v := range f.ResponseHeaderValues("Set-Cookie") {
		for _, l := range strings.Split(v, "\n") {
			if strings.TrimSpace(l) != "" {
				out = append(out, strings.TrimSpace(l))
			}
		}
	}
	return out
}

// verdict is what a client does with a Set-Cookie.
type verdict struct {
	stored  bool   // it keeps the cookie (deleted ones are not "stored")
	deletes bool   // it removes the cookie it had (expired, Max-Age<=0)
	why     string // the reason, one line
	browser string // what a browser does differently ("" when the same)
}

// judge says what an RFC 6265 client does with c, set by a response to f.
func judge(c setCookie, f *capture.Flow) verdict {
	host := strings.ToLower(f.Host)
	https := strings.EqualFold(f.Scheme, "https")
	switch {
	case c.Secure && !https:
		return verdict{why: "blocked: it has Secure but came over http, so a client ignores it"}
	case c.Domain != "" && net.ParseIP(host) != nil && c.Domain != host:
		return verdict{why: fmt.Sprintf("blocked: Domain=%s on a response from the IP address %s", c.Domain, host)}
	case c.Domain != "" && c.Domain != host && isPublicSuffix(c.Domain):
		return verdict{why: fmt.Sprintf("blocked: Domain=%s is a public suffix; a cookie cannot be set for all of it", c.Domain)}
	case c.Domain != "" && !domainMatch(host, c.Domain):
		return verdict{why: fmt.Sprintf("blocked: Domain=%s does not match the host %s", c.Domain, host)}
	case strings.HasPrefix(c.Name, "__Secure-") && (!c.Secure || !https):
		return verdict{why: "blocked: invalid prefix: a __Secure- cookie needs Secure and https"}
	case strings.HasPrefix(c.Name, "__Host-") && (!c.Secure || !https || c.Domain != "" || c.Path != "/"):
		return verdict{why: "blocked: invalid prefix: a __Host- cookie needs Secure, https, no Domain and Path=/"}
	case c.HasMaxAge && c.MaxAge <= 0:
		return verdict{deletes: true, why: "deletes the cookie: Max-Age=0 (a client removes what it had)"}
	case !c.HasMaxAge && c.HasExpires && !c.Expires.After(f.Start):
		return verdict{deletes: true, why: "deletes the cookie: it expired " + c.Expires.Local().Format("2006-01-02 15:04:05") + ", before this response"}
	}
	v := verdict{stored: true}
	scope := host + " only"
	if c.Domain != "" {
		scope = c.Domain + " and its subdomains"
	}
	path := c.Path
	if path == "" {
		path = defaultPath(f.Path()) + " (the default path)"
	}
	life := "until the client exits (a session cookie)"
	switch {
	case c.HasMaxAge:
		life = "for " + (time.Duration(c.MaxAge) * time.Second).String()
	case c.HasExpires:
		life = "until " + c.Expires.Local().Format("2006-01-02 15:04:05")
	}
	v.why = fmt.Sprintf("stored: sent back to %s, under %s, %s", scope, path, life)
	if c.SameSite == "none" && !c.Secure {
		v.browser = "a browser blocks it: SameSite=None without Secure (non-browser clients store it)"
	}
	return v
}

func isPublicSuffix(domain string) bool {
	ps, _ := publicsuffix.PublicSuffix(domain)
	return ps == domain
}

// domainMatch is RFC 6265 §5.1.3.
func domainMatch(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain) && net.ParseIP(host) == nil
}

// defaultPath is RFC 6265 §5.1.4 for a request path (with its query).
func defaultPath(p string) string {
	p, _, _ = strings.Cut(p, "?")
	i := strings.LastIndex(p, "/")
	if !strings.HasPrefix(p, "/") || i <= 0 {
		return "/"
	}
	return p[:i]
}

// pathMatch is RFC 6265 §5.1.4.
func pathMatch(reqPath, cookiePath string) bool {
	reqPath, _, _ = strings.Cut(reqPath, "?")
	if reqPath == cookiePath {
		return true
	}
	return strings.HasPrefix(reqPath, cookiePath) && (strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/')
}

// reaches reports whether c, stored from setter's response, goes with a
// request to f (domain and path; Secure cookies only over https).
func reaches(c setCookie, setter, f *capture.Flow) bool {
	host := strings.ToLower(f.Host)
	if c.Domain == "" {
		if host != strings.ToLower(setter.Host) {
			return false
		}
	} else if !domainMatch(host, c.Domain) {
		return false
	}
	path := c.Path
	if path == "" {
		path = defaultPath(setter.Path())
	}
	return pathMatch(f.Path(), path) && (!c.Secure || strings.EqualFold(f.Scheme, "https"))
}

// cookieOrigin says where a request cookie came from: the latest earlier
// response (of setters, newest first) that set it so it reaches f.
func cookieOrigin(f *capture.Flow, name, value string, setters []*capture.Flow) string {
	var other *capture.Flow
	for _, s := range setters {
		for _, line := range setCookieLines(s) {
			c, err := parseSetCookie(line)
			if err != nil || c.Name != name || !reaches(c, s, f) {
				continue
			}
			v := judge(c, s)
			switch {
			case v.stored && c.Value == value:
				what := fmt.Sprintf("set by #%d (%s %s → %s)", s.ID, methodText(s), pathText(s), statusText(s))
				if other != nil {
					what += fmt.Sprintf("; #%d set another value later", other.ID)
				}
				return what
			case v.deletes && other == nil:
				return fmt.Sprintf("set by hand: #%d deleted it before this request", s.ID)
			case v.stored && other == nil:
				other = s
			}
		}
	}
	if other != nil {
		return fmt.Sprintf("set by hand: the latest response that set it, #%d, set another value", other.ID)
	}
	return "set by hand: no earlier response in this capture set it"
}

// cookies is the cookies tab.
func (d *detailPane) cookies(l *lines, f *capture.Flow) {
	sent := cookieKVs(f)
	l.add(d.st.bold, fmt.Sprintf("Cookies the request sent (%d)", len(sent)))
	lost := d.missing("cookie")
	if len(sent)+len(lost) == 0 {
		l.add(d.st.dim, "  none")
	}
	for _, missing := range lost {
		d.missingLine(l, "Cookie ", missing)
	}
	for _, kv := range sent {
		var setters []*capture.Flow
		if d.setters != nil {
			setters = d.setters(kv.k, f)
		}
		l.pair(d.st, "  ", kv.k, "=", kv.v)
		l.prose(d.st.dim, "    "+cookieOrigin(f, kv.k, kv.v, setters), "      ")
	}
	l.out = append(l.out, "")
	lines := setCookieLines(f)
	l.add(d.st.bold, fmt.Sprintf("Cookies the response set (%d)", len(lines)))
	if len(lines) == 0 {
		l.add(d.st.dim, "  none")
	}
	for _, line := range lines {
		c, err := parseSetCookie(line)
		if err != nil {
			l.add(d.st.plain, "  "+oneLine(line))
			l.prose(d.st.msgErr, "    ✖ ignored: "+err.Error(), "      ")
			continue
		}
		l.pair(d.st, "  ", c.Name, "=", c.Value)
		if a := c.attributes(); a != "" {
			l.prose(d.st.dim, "    "+a, "      ")
		}
		v := judge(c, f)
		switch {
		case v.stored:
			l.prose(d.st.msgOK, "    ✔ "+v.why, "      ")
		case v.deletes:
			l.prose(d.st.warn, "    − "+v.why, "      ")
		default:
			l.prose(d.st.msgErr, "    ✖ "+v.why, "      ")
		}
		if v.browser != "" {
			l.prose(d.st.warn, "    ! "+v.browser, "      ")
		}
		if c.BadExpires != "" {
			l.prose(d.st.warn, fmt.Sprintf("    ! Expires=%s is not a date this parser reads, so it counts as a session cookie", oneLine(c.BadExpires)), "      ")
		}
	}
}

// attributes is the Set-Cookie's attributes, as written.
func (c setCookie) attributes() string {
	var as []string
	if c.Domain != "" {
		as = append(as, "Domain="+c.Domain)
	}
	if c.Path != "" {
		as = append(as, "Path="+c.Path)
	}
	if c.HasExpires {
		as = append(as, "Expires="+c.Expires.UTC().Format(http.TimeFormat))
	}
	if c.HasMaxAge {
		as = append(as, fmt.Sprintf("Max-Age=%d", c.MaxAge))
	}
	for _, a := range []struct {
		on   bool
		name string
	}{{c.Secure, "Secure"}, {c.HTTPOnly, "HttpOnly"}, {c.Partitioned, "Partitioned"}} {
		if a.on {
			as = append(as, a.name)
		}
	}
	if c.SameSite != "" {
		as = append(as, "SameSite="+strings.ToUpper(c.SameSite[:1])+c.SameSite[1:])
	}
	as = append(as, c.OtherAttribs...)
	return oneLine(strings.Join(as, " · "))
}
