package analyze

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
)

// clientIP identifies the client machine of a flow. Ports change with every
// connection, so only the IP counts; HAR from other tools may carry no client
// address at all, and then every flow belongs to one client ("").
func clientIP(f *capture.Flow) string {
	if f.ClientAddr == "" {
		return ""
	}
	if host, _, err := net.SplitHostPort(f.ClientAddr); err == nil {
		return host
	}
	return f.ClientAddr
}

// clientKey identifies one client program: the IP and the User-Agent.
// Two tools on one host — a connector and the engineer's curl, a browser, a
// health probe — keep separate cookie jars and separate configuration, so
// one must not be blamed for what the other never had.
func clientKey(f *capture.Flow) string {
	return clientIP(f) + "\x00" + f.RequestHeader("User-Agent")
}

// analyzable reports whether a flow is an HTTP exchange that got an answer:
// TLS failures, connect errors and upstream failures say nothing about what
// a server wanted.
func analyzable(f *capture.Flow) bool {
	if f.Kind != capture.KindHTTP && f.Kind != capture.KindWebSocket {
		return false
	}
	return f.Status != 0
}

// isPreflight reports a CORS preflight: browsers send it without cookies or
// credentials by design.
func isPreflight(f *capture.Flow) bool {
	return strings.EqualFold(f.Method, "OPTIONS") && f.HasRequestHeader("Access-Control-Request-Method")
}

// browserSubresource reports a browser request that cannot carry custom
// headers (an image, a script, a page navigation): only fetch/XHR can.
func browserSubresource(f *capture.Flow) bool {
	dest := f.RequestHeader("Sec-Fetch-Dest")
	return dest != "" && !strings.EqualFold(dest, "empty")
}

// succeeded is a 2xx or 3xx answer.
func succeeded(f *capture.Flow) bool { return f.Status >= 200 && f.Status < 400 }

// pathOnly is the request path without the query, shortened for titles.
func pathOnly(f *capture.Flow) string {
	p := f.Path()
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// clock formats a capture time for details (the capture's clock, with ms).
func clock(t time.Time) string { return t.Format("15:04:05.000") }

// ago says how long before t the earlier time was, briefly.
func ago(earlier, t time.Time) string {
	d := t.Sub(earlier)
	switch {
	case d < 0:
		return "0 ms"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.0f s", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%.0f min", d.Minutes())
	}
	return fmt.Sprintf("%.1f h", d.Hours())
}

// flowRef is one earlier request: evidence in a finding.
type flowRef struct {
	ID     int
	Method string
}

// refList keeps the most recent evidence for a finding without growing with
// the capture: the first few and the last few references, plus a count.
type refList struct {
	first []flowRef
	last  []flowRef // ring, oldest first after ordered()
	total int
}

const refsKept = 8

func (l *refList) add(r flowRef) {
	l.total++
	if len(l.first) < refsKept {
		l.first = append(l.first, r)
		return
	}
	if len(l.last) == refsKept {
		copy(l.last, l.last[1:])
		l.last = l.last[:refsKept-1]
	}
	l.last = append(l.last, r)
}

func (l *refList) refs() []flowRef {
	return append(append([]flowRef{}, l.first...), l.last...)
}

func (l *refList) ids() []int {
	var out []int
	for _, r := range l.refs() {
		out = append(out, r.ID)
	}
	return out
}

func (l *refList) lastRef() flowRef {
	if len(l.last) > 0 {
		return l.last[len(l.last)-1]
	}
	return l.first[len(l.first)-1]
}

// String is "GET #1–#4" or "GET #1, #3 and POST #2", grouped by method;
// runs of consecutive IDs collapse to a range.
func (l *refList) String() string {
	s := formatRefs(l.refs())
	if skipped := l.total - len(l.first) - len(l.last); skipped > 0 {
		s += fmt.Sprintf(" (%d requests in all)", l.total)
	}
	return s
}

func formatRefs(refs []flowRef) string {
	var methods []string
	byMethod := map[string][]int{}
	for _, r := range refs {
		if _, ok := byMethod[r.Method]; !ok {
			methods = append(methods, r.Method)
		}
		byMethod[r.Method] = append(byMethod[r.Method], r.ID)
	}
	parts := make([]string, 0, len(methods))
	for _, m := range methods {
		parts = append(parts, m+" "+formatIDs(byMethod[m]))
	}
	return joinAnd(parts)
}

// formatIDs is "#1–#4, #7".
func formatIDs(ids []int) string {
	ids = append([]int{}, ids...)
	sort.Ints(ids)
	var parts []string
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		switch {
		case j == i:
			parts = append(parts, "#"+strconv.Itoa(ids[i]))
		case j == i+1:
			parts = append(parts, "#"+strconv.Itoa(ids[i]), "#"+strconv.Itoa(ids[j]))
		default:
			parts = append(parts, "#"+strconv.Itoa(ids[i])+"–#"+strconv.Itoa(ids[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// related merges evidence flow IDs: sorted, unique, never the finding's own.
func related(self int, groups ...[]int) []int {
	seen := map[int]bool{self: true}
	var out []int
	for _, g := range groups {
		for _, id := range g {
			if id > 0 && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Ints(out)
	if out == nil {
		out = []int{}
	}
	return out
}

// clientOrigin scopes what one client program knows about one origin: its
// IP and User-Agent (as clientKey) and scheme://host:port. A struct key
// costs no allocation per flow.
type clientOrigin struct {
	ip, ua, scheme, host string
	port                 int
}

func clientOriginOf(f *capture.Flow) clientOrigin {
	return clientOrigin{clientIP(f), f.RequestHeader("User-Agent"), f.Scheme, strings.ToLower(f.Host), f.Port}
}

// clientOf is clientOrigin without the origin: one client program.
func clientOf(f *capture.Flow) clientOrigin {
	return clientOrigin{ip: clientIP(f), ua: f.RequestHeader("User-Agent")}
}

// containsFold reports whether s contains sub (ASCII, lower-case sub),
// ignoring case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}
