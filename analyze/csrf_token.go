package analyze

import (
	"fmt"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindCSRFToken: a write was refused for a missing or unbound CSRF token
// that an earlier `X-CSRF-Token: Fetch` obtained.
const KindCSRFToken = "csrf-token"

// CSRFToken follows the SAP-style token protocol per client and origin: a
// request sends `X-CSRF-Token: Fetch`, the response carries the token (and
// usually the session cookie it is bound to), writes must echo both.
//
// Choices: a write is any method but GET, HEAD, OPTIONS, TRACE. A refused
// write is judged when the server names CSRF (`X-CSRF-Token: Required`, or
// CSRF/XSRF in the body) or, for a 403 after a fetch, when the token or its
// session is visibly wrong; a right token with its session is left alone.
// The token is bound to the session cookies the fetch response set (or,
// if it set none, those the fetch sent). A write refused with "Required"
// by a client that never fetched is reported too.
type CSRFToken struct {
	origins map[scope]*csrfState
	csrf    saysMemo // a refusal's words about a CSRF token
}

type csrfState struct {
	fetches []*csrfFetch // oldest first, the last few
	first   int          // first finding
}

// csrfFetch is one token a fetch obtained.
type csrfFetch struct {
	flow    int
	on      string // "GET /sap/opu/odata/…"
	header  string // the header as the client spelled it on the fetch
	token   string
	at      time.Time
	cookies []boundCookie // the session the token belongs to
}

// boundCookie is a cookie of the session a token was fetched in.
type boundCookie struct {
	name, value string
	setBy       int // 0: the fetch request sent it (the session existed already)
}

const fetchesKept = 8

// NewCSRFToken returns the csrf-token analyzer.
func NewCSRFToken() *CSRFToken { return &CSRFToken{origins: map[scope]*csrfState{}} }

// Name implements Analyzer.
func (a *CSRFToken) Name() string { return KindCSRFToken }

// isCSRFHeader: X-CSRF-Token, X-XSRF-TOKEN, X-CSRFToken, …
func isCSRFHeader(name string) bool {
	return containsFold(name, "csrf") || containsFold(name, "xsrf")
}

// csrfHeader is the first CSRF header of hs.
func csrfHeader(hs []capture.Header) (capture.Header, bool) {
	for _, h := range hs {
		if isCSRFHeader(h.Name) {
			return h, true
		}
	}
	return capture.Header{}, false
}

func isWrite(method string) bool {
	switch strings.ToUpper(method) {
	case "GET", "HEAD", "OPTIONS", "TRACE", "CONNECT":
		return false
	}
	return true
}

// Observe implements Analyzer.
func (a *CSRFToken) Observe(fx *Facts, emit func(Finding)) {
	f := fx.Flow
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	refusedWrite := isWrite(f.Method) && f.Status >= 400
	req, fetching := fx.csrfRequest, fx.fetchesCSRF
	if !refusedWrite && !fetching {
		return
	}
	key := scopeOf(fx)
	st := a.origins[key]
	if refusedWrite {
		if ref := fx.Refusal; ref.Refused {
			if st == nil {
				st = &csrfState{}
			}
			if fd, ok := a.judge(f, st, ref); ok {
				fd.group = KindCSRFToken + "\x00" + key.client + "\x00" + key.where
				if st.first != 0 {
					fd.Related = related(f.ID, fd.Related, []int{st.first})
				} else {
					st.first = f.ID
				}
				a.origins[key] = st
				emit(fd)
			}
		}
	}
	resp, answered := fx.csrfResponse, fx.answersCSRF
	if !fetching || !strings.EqualFold(strings.TrimSpace(req.Value), "fetch") || !answered || !succeeded(f) {
		return
	}
	token := strings.TrimSpace(resp.Value)
	if token == "" || strings.EqualFold(token, "required") || strings.EqualFold(token, "fetch") {
		return
	}
	if st == nil {
		st = &csrfState{}
		a.origins[key] = st
	}
	st.fetches = append(st.fetches, &csrfFetch{flow: f.ID, on: f.Method + " " + shorten(pathOnly(f), 60),
		header: req.Name, token: token, at: f.End, cookies: boundCookies(fx)})
	if len(st.fetches) > fetchesKept {
		st.fetches = st.fetches[1:]
	}
}

// boundCookies are the session cookies a fetch's token belongs to: those
// its response set, else those its request presented.
func boundCookies(fx *Facts) []boundCookie {
	var out []boundCookie
	for _, sc := range fx.SetCookies {
		if sc.Value == "" || sc.HasMaxAge && sc.MaxAge <= 0 {
			continue
		}
		if isSessionCookie(sc) || isCSRFHeader(sc.Name) {
			out = append(out, boundCookie{sc.Name, sc.Value, fx.Flow.ID})
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, p := range fx.Cookies {
		if isSessionCookie(httpx.SetCookie{Name: p.Name}) {
			out = append(out, boundCookie{p.Name, p.Value, 0})
		}
	}
	return out
}

// csrfRequired: the server said the refusal was about the CSRF token.
func (a *CSRFToken) csrfRequired(f *capture.Flow, ref Refusal) bool {
	if h, ok := csrfHeader(f.ResponseHeaders); ok && strings.EqualFold(strings.TrimSpace(h.Value), "required") {
		return true
	}
	return a.csrf.says(ref, "csrf", "xsrf", "anti-forgery", "antiforgery")
}

// judge explains a refused write, if the CSRF token is why.
func (a *CSRFToken) judge(f *capture.Flow, st *csrfState, ref Refusal) (Finding, bool) {
	required := a.csrfRequired(f, ref)
	if len(st.fetches) == 0 {
		if !required {
			return Finding{}, false
		}
		return neverFetchedFinding(f, ref), true
	}
	latest := st.fetches[len(st.fetches)-1]
	sentHdr, sent := csrfHeader(f.RequestHeaders)
	sentTok := strings.TrimSpace(sentHdr.Value)
	if !required && f.Status != 403 {
		return Finding{}, false
	}
	fd := Finding{Kind: KindCSRFToken, Severity: Error, Flow: f.ID}
	var d strings.Builder
	fmt.Fprintf(&d, "#%d (%s) fetched the CSRF token %s at %s", latest.flow, latest.on, maskSecret(latest.token), clock(latest.at))
	if len(latest.cookies) > 0 {
		fmt.Fprintf(&d, ", bound to the session %s", cookieList(latest.cookies))
	}
	d.WriteString(". ")
	tokenMissing := Missing{Where: "header", Name: latest.header, Value: latest.token, Seen: fmt.Sprintf("fetched by #%d", latest.flow)}
	rel := []int{latest.flow}
	switch {
	case !sent || sentTok == "" || strings.EqualFold(sentTok, "fetch"):
		fd.Title = fmt.Sprintf("%s %s sent without the CSRF token #%d fetched", f.Method, shorten(pathOnly(f), 50), latest.flow)
		if sent {
			fmt.Fprintf(&d, "This %s sent %s: %q instead of the token.", f.Method, sentHdr.Name, sentTok)
		} else {
			fmt.Fprintf(&d, "This %s carried no %s header.", f.Method, latest.header)
		}
		fd.Missing = append(fd.Missing, tokenMissing)
	case sentTok != latest.token:
		var older *csrfFetch
		for _, x := range st.fetches[:len(st.fetches)-1] {
			if x.token == sentTok {
				older = x
			}
		}
		if older != nil {
			fd.Title = fmt.Sprintf("%s %s sent the stale CSRF token from #%d; #%d fetched a newer one", f.Method,
				shorten(pathOnly(f), 50), older.flow, latest.flow)
			fmt.Fprintf(&d, "This %s sent %s, the token #%d fetched at %s: the server keeps only the latest.",
				f.Method, maskSecret(sentTok), older.flow, clock(older.at))
			rel = append(rel, older.flow)
		} else {
			fd.Title = fmt.Sprintf("%s %s sent a CSRF token no fetch returned; #%d fetched %s", f.Method,
				shorten(pathOnly(f), 50), latest.flow, maskSecret(latest.token))
			fmt.Fprintf(&d, "This %s sent %s: %s, which no fetch of this client returned.", f.Method, sentHdr.Name, maskSecret(sentTok))
		}
		fd.Missing = append(fd.Missing, tokenMissing)
	}
	sentCk := httpx.CookieValues(f.RequestHeaderValues("Cookie"))
	var lost []boundCookie
	for _, c := range latest.cookies {
		if !contains(sentCk[c.name], c.value) {
			lost = append(lost, c)
		}
	}
	if len(lost) > 0 {
		if fd.Title == "" {
			fd.Title = fmt.Sprintf("%s %s sent the CSRF token without the session cookie it is bound to", f.Method, shorten(pathOnly(f), 50))
			fmt.Fprintf(&d, "This %s echoed the token but not its session:", f.Method)
		} else {
			d.WriteString(" It did not present the token's session either:")
		}
		for _, c := range lost {
			if vs := sentCk[c.name]; len(vs) > 0 {
				fmt.Fprintf(&d, " it sent %s=%s, another session;", c.name, maskSecret(vs[0]))
			} else {
				fmt.Fprintf(&d, " no %s cookie;", c.name)
			}
			seen := fmt.Sprintf("set by #%d", c.setBy)
			if c.setBy == 0 {
				seen = fmt.Sprintf("sent on #%d", latest.flow)
			} else {
				rel = append(rel, c.setBy)
			}
			fd.Missing = append(fd.Missing, Missing{Where: "cookie", Name: c.name, Value: c.value, Seen: seen})
		}
		d.WriteString(" the server checks a token against the session it was issued in.")
	}
	if fd.Title == "" {
		return Finding{}, false // token and session both right: something else
	}
	fmt.Fprintf(&d, " The server refused it: %s", ref.Summary())
	if h, ok := csrfHeader(f.ResponseHeaders); ok {
		fmt.Fprintf(&d, " with %s: %s", h.Name, h.Value)
	}
	d.WriteString(".")
	fd.Related, fd.Detail, fd.Fix = related(f.ID, rel), d.String(), csrfFix(latest, len(lost) > 0)
	return fd, true
}

func cookieList(cs []boundCookie) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.name+"="+maskSecret(c.value))
	}
	return strings.Join(parts, ", ")
}

func neverFetchedFinding(f *capture.Flow, ref Refusal) Finding {
	name := "X-CSRF-Token"
	if h, ok := csrfHeader(f.ResponseHeaders); ok {
		name = h.Name
	}
	detail := fmt.Sprintf("The server refused this %s %s: %s, and asks for a CSRF token. No earlier request of this client "+
		"fetched one (%s: Fetch), so the connector has no token to send.", f.Method, shorten(pathOnly(f), 60), ref.Summary(), name)
	return Finding{Kind: KindCSRFToken, Severity: Error, Flow: f.ID, Related: []int{},
		Title:  fmt.Sprintf("%s %s refused: CSRF token required and never fetched", f.Method, shorten(pathOnly(f), 50)),
		Detail: detail, Fix: csrfFix(&csrfFetch{header: name}, true)}
}

func csrfFix(latest *csrfFetch, cookies bool) string {
	fix := fmt.Sprintf("Enable the connector's CSRF handling: before each write (or batch), send a GET with `%s: Fetch`, "+
		"and send the token from that response in %s on the write", latest.header, latest.header)
	if cookies {
		fix += " together with the session cookie the same response set — keep cookies for the whole run (a cookie jar or CookieManager)"
	}
	return fix + ". Fetch again after a 403 with `" + latest.header + ": Required`: tokens are per session and the newest replaces older ones."
}
