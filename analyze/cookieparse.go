package analyze

import (
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
)

// setCookie is one Set-Cookie line parsed as RFC 6265 §5.2 says a user agent
// must: lenient about syntax, the last occurrence of an attribute wins.
type setCookie struct {
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
	Raw         string
}

var chromeSessionExpiry = time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC)

func parseSetCookie(line string) (setCookie, bool) {
	c := setCookie{Raw: strings.TrimSpace(line)}
	parts := strings.Split(line, ";")
	name, value, ok := strings.Cut(parts[0], "=")
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
	for _, attr := range parts[1:] {
		k, v, _ := strings.Cut(attr, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "expires":
			// Chrome's HAR export gives session cookies the expiry
			// 1969-12-31T23:59:59Z: that is "no expiry", not a deletion.
			if t, ok := parseCookieDate(v); ok && !t.Equal(chromeSessionExpiry) {
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
			c.SameSite = strings.ToLower(v)
		}
	}
	return c, true
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

// parseCookieDate is the RFC 6265 §5.1.1 algorithm: tokens in any order, the
// first time, day, month and year found win; two-digit years are 19xx/20xx.
// Every format servers send (RFC 1123, RFC 850 with dashes, asctime) passes.
func parseCookieDate(s string) (time.Time, bool) {
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

// setCookieLines returns every Set-Cookie of a response. Chrome's HAR export
// joins several into one header value separated by newlines.
func setCookieLines(f *capture.Flow) []string {
	var out []string
	for _, v := range f.ResponseHeaderValues("Set-Cookie") {
		for _, line := range strings.Split(v, "\n") {
			if strings.TrimSpace(line) != "" {
				out = append(out, line)
			}
		}
	}
	return out
}

// sentCookies is every name=value the request carried, by name, in order.
func sentCookies(f *capture.Flow) map[string][]string {
	out := map[string][]string{}
	for _, v := range f.RequestHeaderValues("Cookie") {
		for _, pair := range strings.Split(v, ";") {
			name, value, ok := strings.Cut(pair, "=")
			name = strings.TrimSpace(name)
			if !ok || name == "" {
				continue
			}
			value = strings.TrimSpace(value)
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			out[name] = append(out[name], value)
		}
	}
	return out
}
