package httpx

import (
	"strings"
	"time"
)

// Cookies that common non-browser clients reject although RFC 6265 keeps
// them. The rules were measured against the libraries themselves (see
// analyze/client_rejected_cookie.go for the table): Apache HttpClient
// 4.5.14 (Debian's libhttpclient-java) and curl 7.88.

// MaxCookieBytes is the most bytes of name and value that curl (a cookie of
// more is ignored), .NET's CookieContainer (MaxCookieSize,
// DefaultCookieLengthLimit 4096) and browsers keep of one cookie.
const MaxCookieBytes = 4096

// ExpiresAttr reports whether the Set-Cookie line has an Expires attribute
// (even an empty one), and its value as written.
func ExpiresAttr(c SetCookie) (string, bool) {
	if c.RawExpires != "" {
		return c.RawExpires, true
	}
	raw := c.Raw
	for {
		i := strings.IndexByte(raw, ';')
		if i < 0 {
			return "", false
		}
		raw = raw[i+1:]
		k, _, _ := strings.Cut(raw, "=")
		if strings.EqualFold(strings.TrimSpace(k), "expires") {
			return "", true
		}
	}
}

// NetscapeExpires reports whether v is an Expires date Apache HttpClient
// 4.x's default cookie spec (CookieSpecs.DEFAULT, DefaultCookieSpec) can
// read. That spec parses every Set-Cookie with an Expires attribute as a
// Netscape draft cookie and reads the date with the one pattern
// "EEE, dd-MMM-yy HH:mm:ss z" (java.text.SimpleDateFormat, Locale.US, a
// match at the start is enough): a day name, a comma and a space, the day,
// month and year joined by dashes, the time with seconds, a zone. Any other
// date — RFC 1123's "Wed, 02 Dec 2026 10:00:00 GMT", the format nearly
// every server sends — makes it drop the whole cookie ("Invalid cookie
// header … Invalid 'expires' attribute").
func NetscapeExpires(v string) bool {
	if len(v) > 1 && v[0] == '\'' && v[len(v)-1] == '\'' {
		v = v[1 : len(v)-1]
	}
	day, rest, ok := strings.Cut(v, ", ")
	if !ok || !isDayName(day) {
		return false
	}
	date, rest, ok := strings.Cut(rest, " ")
	if !ok {
		return false
	}
	d, date, ok1 := strings.Cut(date, "-")
	m, y, ok2 := strings.Cut(date, "-")
	if !ok1 || !ok2 || !allDigits(d, 1, 2) || !isMonthName(m) || !allDigits(y, 1, 4) {
		return false
	}
	clock, zone, ok := strings.Cut(rest, " ")
	if !ok {
		return false
	}
	h, clock, ok1 := strings.Cut(clock, ":")
	mi, sec, ok2 := strings.Cut(clock, ":")
	if !ok1 || !ok2 || !allDigits(h, 1, 2) || !allDigits(mi, 1, 2) || !allDigits(sec, 1, 2) {
		return false
	}
	return isZone(zone)
}

// ApacheDefaultRejects says why Apache HttpClient 4.x's default cookie spec
// drops c ("" when it keeps it): an Expires it cannot read. Only the
// Netscape form passes; an empty Expires fails too.
func ApacheDefaultRejects(c SetCookie) string {
	if !ApacheDefaultDrops(c) {
		return ""
	}
	v, _ := ExpiresAttr(c)
	return "Invalid 'expires' attribute: " + v
}

// ApacheDefaultDrops is ApacheDefaultRejects without the words.
func ApacheDefaultDrops(c SetCookie) bool {
	v, ok := ExpiresAttr(c)
	return ok && !NetscapeExpires(v)
}

// ApacheAnySpecRejects says why Apache HttpClient 4.x drops c whatever its
// cookie spec, CookieSpecs.STANDARD (RFC 6265) included: an Expires that
// no date can be read from (ISO 8601, a time without seconds). RFC 6265
// says to ignore such an attribute, and curl, the JDK, Go and browsers keep
// the cookie for the session.
func ApacheAnySpecRejects(c SetCookie) string {
	if c.HasExpires {
		return "" // a date RFC 6265 reads
	}
	v, ok := ExpiresAttr(c)
	if !ok || strings.TrimSpace(v) == "" || NetscapeExpires(v) {
		return ""
	}
	if _, ok := ParseCookieDate(v); ok {
		return "" // Chrome's "no expiry" date
	}
	return "Invalid 'expires' attribute: " + v
}

// NetscapeDate writes t as Apache HttpClient 4.x's default spec reads it:
// "Wed, 02-Dec-2026 10:00:00 GMT".
func NetscapeDate(t time.Time) string { return t.UTC().Format("Mon, 02-Jan-2006 15:04:05 GMT") }

var dayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// isDayName: a day's abbreviation or full name, any case (SimpleDateFormat's EEE).
func isDayName(s string) bool {
	for _, d := range dayNames {
		if strings.EqualFold(s, d[:3]) || strings.EqualFold(s, d) {
			return true
		}
	}
	return false
}

var fullMonths = []string{"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december"}

// isMonthName: a month's abbreviation or full name, any case (MMM).
func isMonthName(s string) bool {
	for _, m := range fullMonths {
		if strings.EqualFold(s, m[:3]) || strings.EqualFold(s, m) {
			return true
		}
	}
	return false
}

func allDigits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isZone: what SimpleDateFormat's z reads at the start of s: a zone name
// (GMT, UTC, PST, …), GMT+hh:mm, or an RFC 822 offset (+0000).
func isZone(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '+' || s[0] == '-' {
		return len(s) >= 5 && allDigits(s[1:5], 4, 4)
	}
	n := 0
	for n < len(s) && (s[n] >= 'A' && s[n] <= 'Z' || s[n] >= 'a' && s[n] <= 'z') {
		n++
	}
	return n >= 2
}
