package ui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// The cookies tab: every cookie the request presented and where it came
// from, every Set-Cookie of the response with its attributes and whether an
// RFC 6265 client stores it, and if not why (in the words of Chrome
// DevTools' blocked-cookie reasons).

// setCookie is one Set-Cookie line, as capture/httpx reads it.
type setCookie = httpx.SetCookie

// parseSetCookie reads a Set-Cookie line with the project's one RFC 6265
// parser.
func parseSetCookie(line string) (setCookie, error) {
	c, ok := httpx.ParseSetCookie(line)
	if !ok {
		return c, errors.New("not a cookie: a client ignores a Set-Cookie without name=value")
	}
	return c, nil
}

// setCookieLines is every Set-Cookie of a response; Chrome's HAR export
// joins several in one header, one per line.
func setCookieLines(f *capture.Flow) []string {
	return httpx.SetCookieLines(f.ResponseHeaderValues("Set-Cookie"))
}

// verdict is what a client does with a Set-Cookie.
type verdict struct {
	stored  bool   // it keeps the cookie (deleted ones are not "stored")
	deletes bool   // it removes the cookie it had (expired, Max-Age<=0)
	why     string // the reason, one line
	browser string // what a browser does differently ("" when the same)
}

// judge says what an RFC 6265 client does with c, set by a response to f
// (httpx.Store's rules, in DevTools' words).
func judge(c setCookie, f *capture.Flow) verdict {
	st := httpx.Store(c, f.Host, pathOnly(f), strings.EqualFold(f.Scheme, "https"), false, f.Start)
	switch {
	case st.Blocked != "":
		return verdict{why: "blocked: " + st.Blocked + ", so a client ignores it"}
	case st.Deletes && c.HasMaxAge:
		return verdict{deletes: true, why: "deletes the cookie: Max-Age=0 (a client removes what it had)"}
	case st.Deletes:
		return verdict{deletes: true, why: "deletes the cookie: it expired " + c.Expires.Local().Format("2006-01-02 15:04:05") + ", before this response"}
	}
	scope := st.Domain + " only"
	if !st.HostOnly {
		scope = st.Domain + " and its subdomains"
	}
	path := st.Path
	if c.Path == "" {
		path += " (the default path)"
	}
	life := "until the client exits (a session cookie)"
	switch {
	case c.HasMaxAge:
		life = "for " + (time.Duration(c.MaxAge) * time.Second).String()
	case c.HasExpires:
		life = "until " + c.Expires.Local().Format("2006-01-02 15:04:05")
	}
	return verdict{stored: true, why: fmt.Sprintf("stored: sent back to %s, under %s, %s", scope, path, life),
		browser: st.BrowserOnly + browserNote(st)}
}

func browserNote(st httpx.Storage) string {
	if st.BrowserOnly == "" {
		return ""
	}
	return " (non-browser clients store it)"
}

// pathOnly is the request path without the query.
func pathOnly(f *capture.Flow) string {
	p, _, _ := strings.Cut(f.Path(), "?")
	return p
}

// reaches reports whether c, stored from setter's response, goes with a
// request to f (domain and path; Secure cookies only over https).
func reaches(c setCookie, setter, f *capture.Flow) bool {
	st := httpx.Store(c, setter.Host, pathOnly(setter), strings.EqualFold(setter.Scheme, "https"), false, setter.Start)
	return st.Blocked == "" && st.Sends(c, f.Host, pathOnly(f), strings.EqualFold(f.Scheme, "https"))
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
		if a := attributes(c); a != "" {
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
		if c.RawExpires != "" && !c.HasExpires {
			l.prose(d.st.warn, fmt.Sprintf("    ! Expires=%s is not a date RFC 6265 reads, so it counts as a session cookie", oneLine(c.RawExpires)), "      ")
		}
	}
}

// attributes is the Set-Cookie's attributes, as written.
func attributes(c setCookie) string {
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
	as = append(as, c.Other...)
	return oneLine(strings.Join(as, " · "))
}
