package analyze

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Refusal is whether a server refused a request, and in its own words why.
// It decides severity: a finding is an error only on a refused request.
type Refusal struct {
	Refused bool
	Status  int
	How     string // "status", "challenge", "login-redirect", "body", "error-in-2xx"
	Reason  string // e.g. "Access denied due to missing subscription key. …"
	// text is the lower-cased body and WWW-Authenticate, for keyword checks.
	text string
}

// refusalStatuses are the answers that mean "not with these credentials or
// this session": 401, 403, 407 (proxy), 409 (session conflict), 419 (Laravel
// session/CSRF expired), 440 (IIS login time-out).
var refusalStatuses = map[int]bool{401: true, 403: true, 407: true, 409: true, 419: true, 440: true}

// refusalPhrases in an error body mark a refusal whatever the status (a 400
// or 500 that says "invalid session").
var refusalPhrases = []string{
	"unauthori", "unauthenticated", "not authenticated", "requires user authentication",
	"authentication required", "authentication failed", "access denied", "permission denied",
	"subscription key", "invalid token", "invalid_token", "token expired", "token has expired",
	"session expired", "session has expired", "invalid session", "session already exists",
	"not logged in", "login required", "invalid credentials", "invalid api key", "csrf",
	"invalid auth", "not authed", "invalid client", "invalid grant", "not authorized", "token revoked",
	"account inactive", "missing scope", "insufficient scope",
}

// hasRefusalPhrase reports refusal words in lower-cased text, also where
// they are written as a code ("access_denied", "invalid_session").
func hasRefusalPhrase(text string) bool {
	for _, p := range refusalPhrases {
		if strings.Contains(text, p) {
			return true
		}
	}
	if strings.IndexByte(text, '_') < 0 {
		return false
	}
	spaced := strings.ReplaceAll(text, "_", " ")
	for _, p := range refusalPhrases {
		if strings.Contains(spaced, p) {
			return true
		}
	}
	return false
}

// maxRefusalBody bounds how much of a body is searched for a reason.
const maxRefusalBody = 64 << 10

// judgeRefusal decides whether fx's response was a refusal: a refusal
// status, a challenge, an error body, a redirect to a login or single
// sign-on page instead of the resource, or an error inside a 2xx.
func judgeRefusal(fx *Facts) Refusal {
	f := fx.Flow
	r := Refusal{Status: f.Status}
	switch {
	case f.Status >= 300 && f.Status < 400:
		if loc := fx.respHeader(hLocation); loc != "" && isLoginRedirect(fx, loc) {
			r.Refused, r.How = true, "login-redirect"
			r.Reason = "redirected to the sign-in page " + shorten(loc, 100)
		}
		return r
	case f.Status >= 200 && f.Status < 300:
		if reason, ok := errorInSuccess(fx); ok {
			r.Refused, r.How, r.Reason = true, "error-in-2xx", reason
			r.text = lowerJoined(fx.ResponseText(), "")
		}
		return r
	case f.Status < 400:
		return r
	}
	body := fx.ResponseText()
	challenge := strings.Join(f.ResponseHeaderValues("WWW-Authenticate"), ", ")
	r.text = lowerJoined(body, "\n"+challenge)
	switch {
	case refusalStatuses[f.Status]:
		r.Refused, r.How = true, "status"
	case challenge != "":
		r.Refused, r.How = true, "challenge"
	default:
		if hasRefusalPhrase(r.text) {
			r.Refused, r.How = true, "body"
		}
	}
	if r.Refused {
		r.Reason = reasonFrom(body, fx.responseType)
		if r.Reason == "" && challenge != "" {
			r.Reason = "WWW-Authenticate: " + challenge
		}
	}
	return r
}

// lowerJoined is strings.ToLower(string(body) + tail), built in one
// allocation when both are ASCII (a refusal's body usually is).
func lowerJoined(body []byte, tail string) string {
	var b strings.Builder
	b.Grow(len(body) + len(tail))
	if !appendLowerASCII(&b, body) || !appendLowerASCII(&b, tail) {
		return strings.ToLower(string(body) + tail)
	}
	return b.String()
}

// appendLowerASCII writes s lower-cased to b; false, part-way, at the
// first byte that is not ASCII (ToLower maps some such runes to ASCII).
func appendLowerASCII[S ~string | ~[]byte](b *strings.Builder, s S) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return true
}

// signInWords name sign-in pages and steps, as path segments or parts of
// them.
const signInWords = `login|logon|signin|sign-in|sso|saml2?|cas|adfs|auth|authorize|oauth2?|openid-connect|idp`

// loginWords in a redirect's path mark a sign-in page; loginQuery in its
// query, where single sign-on says where to return after signing in.
var (
	loginWords = regexp.MustCompile(`(?i)(^|[/_.?&=-])(` + signInWords + `|obrareq|pkmslogin)([/_.?&=-]|$)` +
		`|/oam/server/|/nidp/(app|idff|saml2|wsfed|oauth)/`) // … Oracle Access Manager, NetIQ, IBM Security Verify Access
	// loginRoute is a single-page app's sign-in route, in a fragment.
	loginRoute = regexp.MustCompile(`(?i)^!?/(.*/)?(login|logon|signin|sign-in)/?$`)
	// loginStep is a path segment that is itself a step of signing in.
	loginStep  = regexp.MustCompile(`(?i)^(` + signInWords + `|oam|nidp|pkmslogin|obrareq)(\.[a-z]+)?$`)
	loginQuery = regexp.MustCompile(`(?i)(^|&)(samlrequest|redirect_uri|returnurl|return_to|service|continue|goto|target|resumeurl)=`)
)

// isLoginRedirect: the server sent the client to a sign-in page instead of
// the resource — what single sign-on does with a request that lacks its
// session. A request that was itself a sign-in step is not refused by it.
func isLoginRedirect(fx *Facts, location string) bool {
	u, err := url.Parse(strings.TrimSpace(location))
	if err != nil {
		return false
	}
	if isLoginStep(fx.Path) {
		return false // part of a sign-in flow already
	}
	otherHost := u.Host != "" && !strings.EqualFold(u.Hostname(), fx.Flow.Host)
	// A single-page app routes in the fragment: /ui/#/signin?returnTo=….
	route, _, _ := strings.Cut(u.Fragment, "?")
	return loginWords.MatchString(u.Path) || loginRoute.MatchString(route) || otherHost && loginQuery.MatchString(u.RawQuery)
}

// isLoginStep: a request path with a segment that is a sign-in step
// (/login, /saml2/acs, /oauth2/authorize), not one that only contains
// such a word (/groups/sso-admins).
func isLoginStep(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if seg != "" && loginStep.MatchString(seg) {
			return true
		}
	}
	return false
}

// Summary is "401 “Access denied due to missing subscription key”" for
// details. The reason's own full stop is left out: the sentence the
// summary stands in ends with one.
func (r Refusal) Summary() string {
	s := strconv.Itoa(r.Status)
	if reason := strings.TrimSuffix(r.Reason, "."); reason != "" {
		s += " “" + reason + "”"
	}
	return s
}

// saysMemo is Refusal.says for one fixed list of phrases, remembered for
// the last refusal's words: servers refuse with the same words again and
// again, and a long body is scanned once per phrase.
type saysMemo struct {
	text      string
	said, set bool
}

func (m *saysMemo) says(r Refusal, phrases ...string) bool {
	if !m.set || r.text != m.text {
		m.text, m.said, m.set = r.text, r.says(phrases...), true
	}
	return m.said
}

// says reports whether the refusal's words contain any of the phrases.
func (r Refusal) says(phrases ...string) bool {
	for _, p := range phrases {
		if p != "" && strings.Contains(r.text, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// aboutAuthentication: the refusal is about who the caller is or its
// session (401, a sign-in redirect, session words), not about what it may
// do (403 insufficient privileges).
func (r Refusal) aboutAuthentication() bool {
	switch {
	case !r.Refused:
		return false
	case r.Status == 401 || r.Status == 440 || r.Status == 419 || r.How == "login-redirect":
		return true
	}
	return r.says("session", "authenticat", "unauthori", "login", "logged in", "credentials")
}

// refusesIdentity: refused by a status that is only about who the caller
// is (401, 407, 419, 440) or sent to sign in; not a 403 or 409, which
// may be about what it asked for.
func (r Refusal) refusesIdentity() bool {
	switch {
	case !r.Refused:
		return false
	case r.Status == 401 || r.Status == 407 || r.Status == 419 || r.Status == 440 || r.How == "login-redirect":
		return true
	}
	return false
}

// givesNoReason: a refusal whose words are only its status's ("Forbidden",
// "Missing Authentication Token"), or none.
func (r Refusal) givesNoReason() bool {
	if !r.Refused {
		return false
	}
	switch strings.ToLower(strings.TrimSuffix(strings.TrimSpace(r.Reason), ".")) {
	case "", "forbidden", "unauthorized", "access denied", "not authorized", "missing authentication token":
		return true
	}
	return false
}

// reasonFields are where APIs put the human explanation, in order of preference.
var reasonFields = []string{"message", "description", "error_description", "detail", "errorMessage", "error", "title", "reason", "faultstring"}

var (
	tagPattern   = regexp.MustCompile(`<[^>]*>`)
	spacePattern = regexp.MustCompile(`\s+`)
)

// reasonFrom extracts one short sentence from a refusal body: a JSON message
// field, or the text of a short plain/XML body.
func reasonFrom(body []byte, contentType string) string {
	if len(body) > maxCachedReason {
		return readReason(body, contentType)
	}
	k := reasonKey{string(body), contentType}
	if r, ok := reasons.lookup(k); ok {
		return r
	}
	r := readReason(body, contentType)
	reasons.store(k, r)
	return r
}

// reasons caches reasonFrom for small bodies: a server refuses thousands
// of calls with the same few answers, and reading one is a JSON decode.
var reasons = newMemo[reasonKey, string](1024)

type reasonKey struct{ body, contentType string }

const maxCachedReason = 2048

func readReason(body []byte, contentType string) string {
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return ""
	}
	if strings.HasPrefix(trimmed, "{") {
		var doc map[string]any
		if json.Unmarshal([]byte(trimmed), &doc) == nil {
			if s := jsonReason(doc, 0); s != "" {
				return shorten(s, 160)
			}
		}
		return ""
	}
	if strings.Contains(strings.ToLower(contentType), "html") || strings.HasPrefix(strings.ToLower(trimmed), "<!doctype") {
		return ""
	}
	text := strings.TrimSpace(spacePattern.ReplaceAllString(tagPattern.ReplaceAllString(trimmed, " "), " "))
	return shorten(text, 160)
}

func jsonReason(doc map[string]any, depth int) string {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	for _, k := range reasonFields {
		for _, dk := range sortedStrings(keys) {
			if !strings.EqualFold(dk, k) {
				continue
			}
			switch v := doc[dk].(type) {
			case string:
				if v != "" {
					return v
				}
			case map[string]any:
				if depth < 2 {
					if s := jsonReason(v, depth+1); s != "" {
						return s
					}
				}
			case []any:
				for _, item := range v {
					if m, ok := item.(map[string]any); ok && depth < 2 {
						if s := jsonReason(m, depth+1); s != "" {
							return s
						}
					}
				}
			}
		}
	}
	return ""
}
