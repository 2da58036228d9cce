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
// It reads each byte once (FuzzPlainURL holds it to its reference too).
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
	// The authority, up to the path or the query.
	start, colon := i+3, -1
	j := start
	for ; j < len(s) && s[j] != '/' && s[j] != '?'; j++ {
		switch c := s[j]; {
		case hostByte[c]:
			if colon >= 0 && !('0' <= c && c <= '9') {
				return "", "", "", false
			}
		case c == ':' && colon < 0:
			colon = j
		default:
			return "", "", "", false
		}
	}
	host = s[start:j]
	if colon >= 0 {
		host, port = s[start:colon], s[colon+1:j]
	}
	if host == "" {
		return "", "", "", false
	}
	// The path: its %-escapes must be well-formed.
	for ; j < len(s) && s[j] != '?'; j++ {
		if c := s[j]; urlStop[c] {
			if c != '%' || j+2 >= len(s) || !isHex(s[j+1]) || !isHex(s[j+2]) {
				return "", "", "", false
			}
		}
	}
	// The query.
	for ; j < len(s); j++ {
		if c := s[j]; urlStop[c] && c != '%' {
			return "", "", "", false
		}
	}
	return strings.ToLower(scheme), host, port, true
}

// hostByte is true for the bytes of a plain host name; urlStop for the
// bytes plainURL rejects in a path or query (controls, DEL, '#') and '%'.
var hostByte, urlStop = func() (host, stop [256]bool) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		host[c] = isLetter(b) || '0' <= b && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~'
		stop[c] = b < ' ' || b == 0x7f || b == '#' || b == '%'
	}
	return
}()

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isHex(c byte) bool { return unhex(c) >= 0 }
