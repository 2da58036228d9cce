// Package httpx holds provtap's one implementation of each HTTP rule that
// several packages need: Set-Cookie and Cookie parsing (RFC 6265),
// WWW-Authenticate challenges (RFC 9110 §11.6.1), hop-by-hop headers
// (RFC 9110 §7.6.1), which header and parameter names carry credentials,
// and JWT claims. Proxy, HAR, export, redaction, the analyzers and the UI
// all use these, so they agree.
package httpx

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// SetCookie is one Set-Cookie line parsed as RFC 6265 §5.2 says a user agent
// must: lenient about syntax, the last occurrence of an attribute wins.
type SetCookie struct {
	Name, Value string
	Domain      string // lower-case, leading dot removed; "" when absent
	Path        string // "" when absent or not starting with "/": the default path applies
	Secure      bool
	HTTPOnly    bool
	SameSite    string // lower-case
	HasMaxAge   bool
	MaxAge      int64 // seconds; <= 0 deletes
	HasExpires  bool
	Expires     time.Time
	RawExpires  string   // the last Expires attribute as written (even one no date could be read from)
	Partitioned bool     // CHIPS
	Other       []string // attributes it does not know, as written
	Raw         string
}

var chromeSessionExpiry = time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)

// SetCookieName is the name ParseSetCookie reads from line, without
// reading the attributes (false: a client ignores the line).
func SetCookieName(line string) (string, bool) {
	first, _, _ := strings.Cut(line, ";")
	name, _, ok := strings.Cut(first, "=")
	name = strings.TrimSpace(name)
	return name, ok && name != ""
}

// ParseSetCookie parses one Set-Cookie line (see SetCookieLines for a
// header value that holds several). ok is false for a line a user agent
// ignores: no "=", or an empty name.
func ParseSetCookie(line string) (c SetCookie, ok bool) {
	c = SetCookie{Raw: strings.TrimSpace(line)}
	first, attrs, hasAttrs := strings.Cut(line, ";")
	name, value, ok := strings.Cut(first, "=")
	if !ok {
		return c, false
	}
	c.Name, c.Value = strings.TrimSpace(name), strings.TrimSpace(value)
	if c.Name == "" {
		return c, false
	}
	if len(c.Value) >= 2 && c.Value[0] == '"' && c.Value[len(c.Value)-1] == '"' {
		c.Value = c.Value[1 : len(c.Value)-1]
	}
	if !hasAttrs {
		return c, true
	}
	for attr := range strings.SplitSeq(attrs, ";") {
		k, v, _ := strings.Cut(attr, "=")
		k, v = lowerKnown(strings.TrimSpace(k), setCookieAttrs), strings.TrimSpace(v)
		switch k {
		case "expires":
			// Chrome's HAR export gives session cookies the expiry
			// 1969-12-31T23:59:59Z: that is "no expiry", not a deletion.
			c.RawExpires = v
			if t, ok := ParseCookieDate(v); ok && !t.Equal(chromeSessionExpiry) {
				c.HasExpires, c.Expires = true, t
			}
		case "max-age":
			if n, ok := parseMaxAge(v); ok {
				c.HasMaxAge, c.MaxAge = true, n
			}
		case "domain":
			if v != "" {
				c.Domain = strings.ToLower(strings.TrimPrefix(v, "."))
			}
		case "path":
			c.Path = ""
			if strings.HasPrefix(v, "/") {
				c.Path = v
			}
		case "secure":
			c.Secure = true
		case "httponly":
			c.HTTPOnly = true
		case "samesite":
			c.SameSite = lowerKnown(v, sameSiteValues)
		case "partitioned":
			c.Partitioned = true
		default:
			if a := strings.TrimSpace(attr); a != "" {
				c.Other = append(c.Other, a)
			}
		}
	}
	return c, true
}

var (
	setCookieAttrs = []string{"expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "partitioned"}
	sameSiteValues = []string{"lax", "strict", "none"}
)

// lowerKnown is strings.ToLower(s), without allocating for the spellings
// servers send: an ASCII s that is one of known (lower-case ASCII) in any
// case is that constant.
func lowerKnown(s string, known []string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.ToLower(s) // Unicode case rules
		}
	}
	for _, k := range known {
		if len(k) == len(s) && strings.EqualFold(s, k) {
			return k
		}
	}
	return strings.ToLower(s)
}

// parseMaxAge accepts an optional "-" and digits only (RFC 6265 §5.2.2).
func parseMaxAge(v string) (int64, bool) {
	digits := strings.TrimPrefix(v, "-")
	if digits == "" {
		return 0, false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		// Overflow: a huge positive age means "far future", a negative one "now".
		if strings.HasPrefix(v, "-") {
			return -1, true
		}
		return 1 << 40, true
	}
	return n, true
}

var monthNames = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// ParseCookieDate is the RFC 6265 §5.1.1 algorithm: tokens in any order, the
// first time, day, month and year found win; two-digit years are 19xx/20xx.
// Every format servers send (RFC 1123, RFC 850 with dashes, asctime) passes.
func ParseCookieDate(s string) (time.Time, bool) {
	isDelim := func(r rune) bool {
		return r == 0x09 || (r >= 0x20 && r <= 0x2F) || (r >= 0x3B && r <= 0x40) ||
			(r >= 0x5B && r <= 0x60) || (r >= 0x7B && r <= 0x7E)
	}
	var (
		haveTime, haveDay, haveMonth, haveYear bool
		hour, minute, sec, day, year           int
		month                                  time.Month
	)
	for _, tok := range strings.FieldsFunc(s, isDelim) {
		if !haveTime {
			if h, m, sc, ok := parseClock(tok); ok {
				haveTime, hour, minute, sec = true, h, m, sc
				continue
			}
		}
		if !haveDay {
			if n, ok := leadingDigits(tok, 1, 2); ok {
				haveDay, day = true, n
				continue
			}
		}
		if !haveMonth && len(tok) >= 3 {
			if m, ok := monthNames[strings.ToLower(tok[:3])]; ok {
				haveMonth, month = true, m
				continue
			}
		}
		if !haveYear {
			if n, ok := leadingDigits(tok, 2, 4); ok {
				haveYear, year = true, n
				continue
			}
		}
	}
	if !haveTime || !haveDay || !haveMonth || !haveYear {
		return time.Time{}, false
	}
	if year >= 70 && year <= 99 {
		year += 1900
	} else if year >= 0 && year <= 69 {
		year += 2000
	}
	if day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 31 Feb
		return time.Time{}, false
	}
	return t, true
}

// leadingDigits reads min..max digits at the start of tok (more digits fail).
func leadingDigits(tok string, min, max int) (int, bool) {
	n := 0
	for n < len(tok) && tok[n] >= '0' && tok[n] <= '9' {
		n++
	}
	if n < min || n > max {
		return 0, false
	}
	v, _ := strconv.Atoi(tok[:n])
	return v, true
}

func parseClock(tok string) (h, m, s int, ok bool) {
	fields := strings.Split(tok, ":")
	if len(fields) != 3 {
		return 0, 0, 0, false
	}
	var vals [3]int
	for i, f := range fields {
		if i == 2 {
			// "05GMT" style trailers after the seconds are allowed.
			f = strings.TrimRightFunc(f, func(r rune) bool { return r < '0' || r > '9' })
		}
		v, ok := leadingDigits(f, 1, 2)
		if !ok || (i < 2 && len(f) > 2) {
			return 0, 0, 0, false
		}
		vals[i] = v
	}
	return vals[0], vals[1], vals[2], true
}

// SetCookieLines splits Set-Cookie header values into one line per cookie.
// Chrome's HAR export joins several into one value separated by newlines.
func SetCookieLines(values []string) []string {
	var out []string
	for _, v := range values {
		for line := range strings.SplitSeq(v, "\n") {
			if strings.TrimSpace(line) != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// CookiePair is one name=value of a Cookie header value.
type CookiePair struct {
	Name  string
	Value string // double quotes around it removed
	// Start and End are the byte span of the whole pair in the header
	// value; ValueStart the start of the value as sent (quotes included),
	// which ends at End.
	Start, ValueStart, End int
}

// ParseCookie splits a Cookie header value ("a=1; b=2") into its pairs, in
// order. A part without "=" or with an empty name is skipped.
func ParseCookie(v string) []CookiePair { return AppendCookie(nil, v) }

// AppendCookie appends v's pairs (ParseCookie) to dst: a caller with room
// for the usual pair saves the allocation.
func AppendCookie(dst []CookiePair, v string) []CookiePair {
	sized := false
	for pos := 0; pos <= len(v); {
		end := strings.IndexByte(v[pos:], ';')
		if end < 0 {
			end = len(v)
		} else {
			end += pos
		}
		part := v[pos:end]
		lead := len(part) - len(strings.TrimLeft(part, " \t"))
		trimmed := strings.TrimRight(part[lead:], " \t")
		if eq := strings.IndexByte(trimmed, '='); eq >= 0 {
			name := strings.TrimSpace(trimmed[:eq])
			raw := trimmed[eq+1:]
			vlead := len(raw) - len(strings.TrimLeft(raw, " \t"))
			value := raw[vlead:]
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			if name != "" {
				if !sized { // sized once: a pair per ';' at most
					dst, sized = slices.Grow(dst, strings.Count(v[end:], ";")+1), true
				}
				start := pos + lead
				dst = append(dst, CookiePair{Name: name, Value: value, Start: start,
					ValueStart: start + eq + 1 + vlead, End: start + len(trimmed)})
			}
		}
		pos = end + 1
	}
	return dst
}

// CookieValues is every name=value the Cookie header values carry, by name,
// in order.
func CookieValues(values []string) map[string][]string {
	out := map[string][]string{}
	for _, v := range values {
		for _, p := range ParseCookie(v) {
			out[p.Name] = append(out[p.Name], p.Value)
		}
	}
	return out
}

// DefaultPath is RFC 6265 §5.1.4: the request path up to its last "/".
func DefaultPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// DomainMatch is RFC 6265 §5.1.3 (domain lower-cased, without a leading dot).
func DomainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	return strings.HasSuffix(host, "."+domain) && !isIP(host)
}

// PathMatch is RFC 6265 §5.1.4.
func PathMatch(reqPath, cookiePath string) bool {
	if reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// IsDeletion reports a Set-Cookie that removes the cookie at t: Max-Age of
// zero or less, or (without Max-Age) an Expires not after t.
func (c SetCookie) IsDeletion(t time.Time) bool {
	if c.HasMaxAge {
		return c.MaxAge <= 0
	}
	return c.HasExpires && !c.Expires.After(t)
}
