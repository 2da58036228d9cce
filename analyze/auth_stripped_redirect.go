package analyze

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindAuthStrippedRedirect: a redirect to another host or scheme lost the
// Authorization header and the follow-up was refused.
const KindAuthStrippedRedirect = "auth-stripped-redirect"

// AuthStrippedRedirect follows, per client, redirects of requests that
// carried Authorization to another origin, and judges the request that
// followed each one.
//
// Choices: another origin is another host, scheme or port (curl drops
// credentials on each since 7.83, Go on another host; Java's HttpClient
// keeps a header set by hand, as a test with JDK 17 shows). The follow-up is the same client's next request for the
// Location within a minute; a chain of redirects is followed to its end. A
// follow-up carrying any Authorization, or not refused, is fine.
type AuthStrippedRedirect struct {
	pending map[string][]*redirectHop // per program (the follow-up carries no credentials)
	first   map[scope]int             // per program and target origin
}

// redirectHop is a redirect the client may still follow.
type redirectHop struct {
	from       int    // the request that carried Authorization
	fromOn     string // "GET https://old.example/v1/Users"
	fromHost   string
	fromScheme string
	auth       string
	via        []int // the redirects on the way, the first being from
	status     int   // the first redirect's status
	location   *url.URL
	at         time.Time
}

const (
	redirectsPending = 16
	redirectFollowIn = time.Minute
)

var redirectStatuses = map[int]bool{301: true, 302: true, 303: true, 307: true, 308: true}

// NewAuthStrippedRedirect returns the auth-stripped-redirect analyzer.
func NewAuthStrippedRedirect() *AuthStrippedRedirect {
	return &AuthStrippedRedirect{pending: map[string][]*redirectHop{}, first: map[scope]int{}}
}

// Name implements Analyzer.
func (a *AuthStrippedRedirect) Name() string { return KindAuthStrippedRedirect }

// Observe implements Analyzer.
func (a *AuthStrippedRedirect) Observe(fx *Facts, emit func(Finding)) {
	f := fx.Flow
	if !fx.Analyzable {
		return
	}
	if len(a.pending) == 0 && !redirectStatuses[f.Status] {
		return
	}
	client := fx.Agent
	auth := fx.reqHeader(hAuthorization)
	if hop := a.follows(client, f); hop != nil {
		switch {
		case auth != "":
			// Credentials went along (or were re-sent deliberately).
		case redirectStatuses[f.Status]:
			// Redirected again: the follow-up of the follow-up decides.
			if loc := location(f); loc != nil {
				hop.via = append(hop.via, f.ID)
				hop.location, hop.at = loc, f.End
				a.push(client, hop)
			}
		default:
			if ref := fx.Refusal; ref.Refused {
				key := scope{fx.Agent, fx.Origin}
				first, repeat := a.first[key]
				if !repeat {
					a.first[key] = f.ID
				}
				fd := strippedFinding(f, hop, ref, first)
				fd.group = KindAuthStrippedRedirect + "\x00" + fx.Agent + "\x00" + hop.fromHost + "\x00" + fx.Origin
				emit(fd)
			}
		}
	}
	if auth == "" || !redirectStatuses[f.Status] {
		return
	}
	loc := location(f)
	if loc == nil || sameOrigin(loc, f) {
		return
	}
	a.push(client, &redirectHop{from: f.ID, fromOn: f.Method + " " + shorten(f.URL, 80), fromHost: strings.ToLower(f.Host),
		fromScheme: f.Scheme,
		auth:       auth, via: []int{f.ID}, status: f.Status, location: loc, at: f.End})
}

func (a *AuthStrippedRedirect) push(client string, h *redirectHop) {
	list := append(a.pending[client], h)
	if len(list) > redirectsPending {
		list = list[len(list)-redirectsPending:]
	}
	a.pending[client] = list
}

// follows finds and removes the pending redirect f follows: same client,
// f's URL is the Location, soon after.
func (a *AuthStrippedRedirect) follows(client string, f *capture.Flow) *redirectHop {
	list := a.pending[client]
	kept := list[:0]
	var found *redirectHop
	for _, h := range list {
		switch {
		case f.Start.Sub(h.at) > redirectFollowIn:
			// Never followed.
		case found == nil && isLocation(h.location, f):
			found = h
		default:
			kept = append(kept, h)
		}
	}
	if len(kept) == 0 {
		delete(a.pending, client)
	} else {
		a.pending[client] = kept
	}
	return found
}

// location is f's Location resolved against its URL.
func location(f *capture.Flow) *url.URL {
	l := strings.TrimSpace(f.ResponseHeader("Location"))
	if l == "" {
		return nil
	}
	base, err := url.Parse(f.URL)
	if err != nil {
		return nil
	}
	ref, err := url.Parse(l)
	if err != nil {
		return nil
	}
	u := base.ResolveReference(ref)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil
	}
	return u
}

func urlPort(u *url.URL) int {
	if p, err := strconv.Atoi(u.Port()); err == nil {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return 443
	}
	return 80
}

func sameOrigin(u *url.URL, f *capture.Flow) bool {
	return strings.EqualFold(u.Scheme, f.Scheme) && strings.EqualFold(u.Hostname(), f.Host) && urlPort(u) == f.Port
}

// isLocation reports whether f requests the URL u (its path, and its query
// when u has one).
func isLocation(u *url.URL, f *capture.Flow) bool {
	if !sameOrigin(u, f) {
		return false
	}
	got, err := url.Parse(f.URL)
	if err != nil {
		return false
	}
	if got.EscapedPath() != u.EscapedPath() && got.Path != u.Path {
		return false
	}
	return u.RawQuery == "" || got.RawQuery == u.RawQuery
}

func strippedFinding(f *capture.Flow, h *redirectHop, ref Refusal, first int) Finding {
	scheme, _ := httpx.AuthScheme(h.auth)
	var change string
	switch {
	case !strings.EqualFold(h.fromHost, f.Host):
		change = fmt.Sprintf("another host (%s → %s)", h.fromHost, strings.ToLower(f.Host))
	case !strings.EqualFold(h.fromScheme, f.Scheme):
		change = fmt.Sprintf("another scheme (%s → %s)", h.fromScheme, f.Scheme)
	default:
		change = fmt.Sprintf("another port (→ %d)", f.Port)
	}
	title := fmt.Sprintf("Authorization dropped on the redirect from #%d to %s", h.from, strings.ToLower(f.Host))
	var d strings.Builder
	fmt.Fprintf(&d, "#%d (%s) carried Authorization: %s and was answered %d with Location: %s — %s.",
		h.from, h.fromOn, maskValue("Authorization", h.auth), h.status, shorten(h.location.String(), 100), change)
	if len(h.via) > 1 {
		fmt.Fprintf(&d, " The client followed the redirects %s.", formatIDs(h.via))
	}
	fmt.Fprintf(&d, " It then sent this %s %s without any Authorization header: curl, Go, .NET, Python requests, and Java when the "+
		"credentials come from an Authenticator, drop credentials when a redirect leaves the host they were given for, "+
		"by design, so a redirect cannot leak them. "+
		"The server refused it: %s.", f.Method, shorten(f.URL, 100), ref.Summary())
	final := *h.location
	final.Path, final.RawPath, final.RawQuery, final.Fragment = "", "", "", ""
	fix := fmt.Sprintf("Point the connector's base URL at the final location (%s…) so no redirect is needed. "+
		"If you trust that host, re-send the credentials there deliberately: curl --location-trusted, or disable "+
		"automatic redirects in the connector and repeat the call against the Location with the %s credentials.",
		final.String(), scheme)
	return Finding{
		Kind: KindAuthStrippedRedirect, Severity: Error, Flow: f.ID,
		Related: related(f.ID, h.via, []int{first}),
		Title:   title, Detail: d.String(), Fix: fix,
		Missing: []Missing{{Where: "header", Name: "Authorization", Value: h.auth,
			Seen: fmt.Sprintf("sent on #%d before the redirect", h.from)}},
	}
}
