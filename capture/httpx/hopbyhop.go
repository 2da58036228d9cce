package httpx

import (
	"net/http"
	"strings"

	"github.com/provtap/provtap/capture"
)

// hopByHop are the fields about one connection, not the message (RFC 9110
// §7.6.1, plus the proxy fields clients still send): a proxy does not
// forward them and a replay over a new connection does not repeat them.
var hopByHop = setOf(hopByHopCanonical...)

// hopByHopCanonical are the same names as net/http keys its maps.
var hopByHopCanonical = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// IsHopByHop reports a field that is hop-by-hop whatever Connection says.
func IsHopByHop(name string) bool { return hopByHop[strings.ToLower(name)] }

// connectionNamed is the set of fields the Connection values name (lower
// case): they are hop-by-hop for this message too. Host is never dropped.
func connectionNamed(values []string) map[string]bool {
	var named map[string]bool
	for _, v := range values {
		for _, n := range strings.Split(v, ",") {
			n = strings.ToLower(strings.TrimSpace(n))
			if n == "" || n == "host" {
				continue
			}
			if named == nil {
				named = map[string]bool{}
			}
			named[n] = true
		}
	}
	return named
}

// EndToEnd is hs without its hop-by-hop fields, including those the
// Connection header names; order and spelling are kept.
func EndToEnd(hs []capture.Header) []capture.Header {
	named := connectionNamed(capture.HeaderValues(hs, "Connection"))
	out := make([]capture.Header, 0, len(hs))
	for _, h := range hs {
		n := strings.ToLower(h.Name)
		if hopByHop[n] || named[n] {
			continue
		}
		out = append(out, h)
	}
	return out
}

// RemoveHopByHop deletes the hop-by-hop fields of h in place (the proxy's
// view of a message it forwards; net/http's maps hold canonical keys).
func RemoveHopByHop(h http.Header) {
	for n := range connectionNamed(h["Connection"]) {
		h.Del(n)
	}
	for _, k := range hopByHopCanonical {
		delete(h, k)
	}
}
