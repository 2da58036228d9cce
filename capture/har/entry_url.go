package har

import (
	"net/url"
	"strings"
)

// What a flow takes from its URL. url.Parse, an allocation and a full
// parse per flow, is kept for the URLs that need it; the usual
// scheme://host[:port]/path?query is split in place (plainURL), with the
// same result (FuzzPlainURL holds it to url.Parse).

// urlParts returns the URL's scheme (lower case), host name and port (as
// written, "" for none) and, when needTarget, its request target; ok is
// false when url.Parse rejects raw.
func urlParts(raw string, needTarget bool) (scheme, host, port, target string, ok bool) {
	if !needTarget {
		if scheme, host, port, ok := plainURL(raw); ok {
			return scheme, host, port, "", true
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", "", "", false
	}
	if needTarget {
		target = u.RequestURI()
		if u.ForceQuery && !strings.Contains(target, "?") {
			target += "?"
		}
	}
	return strings.ToLower(u.Scheme), u.Hostname(), u.Port(), target, true
}

// plainURL splits scheme://host[:port][/path][?query] when every part is
// one url.Parse takes as it is: no control bytes or '#' anywhere, a host of
// letters, digits and "-._~" with at most one ':' followed by digits, and
// well-formed %-escapes in the path (the query is not checked by url.Parse).
// It returns the results of url.Parse's Scheme (lower-cased), Hostname and
// Port; ok is false for any other URL (which url.Parse then decides on).
func plainURL(s string) (scheme, host, port string, ok bool) {
	if s == "" || !isLetter(s[0]) {
		return "", "", "", false
	}
	i := 1
	for i < len(s) && (isLetter(s[i]) || '0' <= s[i] && s[i] <= '9' || s[i] == '+' || s[i] == '-' || s[i] == '.') {
		i++
	}
	if i+3 > len(s) || s[i:i+3] != "://" {
		return "", "", "", false
	}
	scheme = s[:i]
	for j := 0; j < len(s); j++ {
		if c := s[j]; c < ' ' || c == 0x7f || c == '#' {
			return "", "", "", false
		}
	}
	rest := s[i+3:]
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q]
	}
	authority, path := rest, ""
	if p := strings.IndexByte(rest, '/'); p >= 0 {
		authority, path = rest[:p], rest[p:]
	}
	colon := -1
	for j := 0; j < len(authority); j++ {
		switch c := authority[j]; {
		case isLetter(c), '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
			if colon >= 0 && !('0' <= c && c <= '9') {
				return "", "", "", false
			}
		case c == ':' && colon < 0:
			colon = j
		default:
			return "", "", "", false
		}
	}
	host = authority
	if colon >= 0 {
		host, port = authority[:colon], authority[colon+1:]
	}
	if host == "" {
		return "", "", "", false
	}
	for j := 0; j < len(path); j++ {
		if path[j] == '%' && (j+2 >= len(path) || !isHex(path[j+1]) || !isHex(path[j+2])) {
			return "", "", "", false
		}
	}
	return strings.ToLower(scheme), host, port, true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isHex(c byte) bool { return unhex(c) >= 0 }
