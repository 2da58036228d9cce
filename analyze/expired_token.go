package analyze

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindExpiredToken: a bearer token was used after it expired (by its JWT
// exp, by the expires_in it was issued with, or by the server's word).
const KindExpiredToken = "expired-token"

// ExpiredToken follows every bearer token: where it was issued (an OAuth
// token response), its expiry, the last request that got through with it,
// and the server's invalid_token rejections.
//
// Choices: expiry is the JWT's exp (decoded, never verified), else the
// issuing response's end plus expires_in, judged on the capture's clock
// against the request's start. Error: a refused request with an expired
// token, or one the server calls expired, or invalid_token for a token that
// had worked or had been rejected before. Info, once per token: an expired
// token the server still accepted (clock-skew leeway). A wrong token's
// first rejection is not this analyzer's business.
type ExpiredToken struct {
	tokens map[string]*tokenState
	order  []string               // insertion order, to bound the map
	latest map[string]*tokenState // per program (IP and User-Agent): the newest token issued to it
}

type tokenState struct {
	token    string
	jwt      bool
	claims   httpx.JWTClaims
	expiry   time.Time // exp, or issued + expires_in; zero when unknown
	issuedBy int       // flow whose response issued it
	issuedOn string
	issuedAt time.Time
	expIn    int64

	lastOK   int // last flow that got through with it
	lastOKAt time.Time
	// lastOKMethod and lastOKPath are the request lastOK made, put
	// together only in a finding's text (every request that gets through
	// comes here).
	lastOKMethod, lastOKPath string
	rejectedBy               int // first invalid_token rejection
	first                    int // first finding
	infoDone                 bool
}

const tokensKept = 4096

// NewExpiredToken returns the expired-token analyzer.
func NewExpiredToken() *ExpiredToken {
	return &ExpiredToken{tokens: map[string]*tokenState{}, latest: map[string]*tokenState{}}
}

// Name implements Analyzer.
func (a *ExpiredToken) Name() string { return KindExpiredToken }

func (a *ExpiredToken) state(token string) *tokenState {
	st := a.tokens[token]
	if st == nil {
		st = &tokenState{token: token}
		if c, ok := httpx.DecodeJWT(token); ok {
			st.jwt, st.claims, st.expiry = true, c, c.Exp
		}
		a.tokens[token] = st
		a.order = append(a.order, token)
		if len(a.order) > tokensKept {
			delete(a.tokens, a.order[0])
			a.order = a.order[1:]
		}
	}
	return st
}

// Observe implements Analyzer.
func (a *ExpiredToken) Observe(fx *Facts, emit func(Finding)) {
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	if token := fx.bearer; token != "" {
		a.judge(fx, a.state(token), emit)
	}
	a.noteIssued(fx)
}

// bearerToken is the token of `Authorization: Bearer …` (or a JWT under any
// scheme).
func bearerToken(authorization string) string {
	scheme, cred := httpx.AuthScheme(authorization)
	if cred == "" {
		return ""
	}
	if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "DPoP") {
		return cred
	}
	if strings.Count(cred, ".") == 2 {
		if _, ok := httpx.DecodeJWT(cred); ok {
			return cred
		}
	}
	return ""
}

func (a *ExpiredToken) judge(fx *Facts, st *tokenState, emit func(Finding)) {
	f, ref := fx.Flow, fx.Refusal
	code, desc := httpx.BearerError(fx.Challenges)
	invalid := ref.Refused && strings.EqualFold(code, "invalid_token")
	saysExpired := invalid && strings.Contains(strings.ToLower(desc), "expir") ||
		ref.Refused && ref.says("token expired", "token has expired", "expired token", "token is expired", "jwt expired")
	expired := !st.expiry.IsZero() && !st.expiry.After(f.Start)
	var sev Severity
	switch {
	case ref.Refused && (expired || saysExpired):
		sev = Error
	case invalid && (st.lastOK != 0 || st.rejectedBy != 0):
		// It worked before, or the server had already rejected it: it ran out.
		sev = Error
	case expired && fx.Succeeded() && !st.infoDone && st.first == 0:
		// The server still took it (clock-skew leeway): nothing failed yet.
		st.infoDone = true
		sev = Info
	}
	if sev != None {
		fd := expiredTokenFinding(f, st, a.latest[fx.Agent], sev, ref, code, desc, expired)
		fd.group = KindExpiredToken + "\x00" + fx.Client.Key + "\x00" + fx.Origin
		emit(fd)
		if st.first == 0 && sev == Error {
			st.first = f.ID
		}
	}
	switch {
	case fx.Succeeded():
		st.lastOK, st.lastOKAt = f.ID, f.Start
		st.lastOKMethod, st.lastOKPath = f.Method, pathOnly(f)
	case invalid && st.rejectedBy == 0:
		st.rejectedBy = f.ID
	}
}

// noteIssued records a token an OAuth token endpoint handed out (RFC 6749
// §5.1: {"access_token": …, "expires_in": …}): fx.issued, read with the
// facts (issuedToken).
var accessTokenKey = []byte("access_token") // found from its `_` (containsAt)

// issuedToken is what a token endpoint's answer hands out.
type issuedToken struct {
	AccessToken string          `json:"access_token"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// readIssuedToken reads the token a response hands out, if it is one.
func readIssuedToken(fx *Facts) *issuedToken {
	f := fx.Flow
	if f.Status != 200 || f.ResponseBody.Size > 16<<10 || !containsFold(fx.responseType, "json") {
		return nil // token responses are small JSON objects
	}
	body := fx.ResponseText()
	if len(body) == 0 || len(body) > 64<<10 || !containsAt(body, accessTokenKey, 6) {
		return nil
	}
	var resp issuedToken
	if json.Unmarshal(body, &resp) != nil || resp.AccessToken == "" {
		return nil
	}
	return &resp
}

func (a *ExpiredToken) noteIssued(fx *Facts) {
	f, resp := fx.Flow, fx.issued
	if resp == nil {
		return
	}
	st := a.state(resp.AccessToken)
	st.issuedBy, st.issuedAt = f.ID, f.End
	if st.issuedAt.IsZero() {
		st.issuedAt = f.Start
	}
	st.issuedOn = f.Method + " " + shorten(pathOnly(f), 50)
	var n json.Number
	if json.Unmarshal(resp.ExpiresIn, &n) == nil { // a number, or a numeric string
		if secs, err := n.Int64(); err == nil && secs > 0 {
			st.expIn = secs
			if st.expiry.IsZero() {
				st.expiry = st.issuedAt.Add(time.Duration(secs) * time.Second)
			}
		}
	}
	a.latest[fx.Agent] = st
}

func expiredTokenFinding(f *capture.Flow, st *tokenState, newest *tokenState, sev Severity, ref Refusal,
	code, desc string, expired bool) Finding {
	var d strings.Builder
	kind := "opaque token"
	if st.jwt {
		kind = "JWT"
		var who []string
		for _, kv := range [][2]string{{"sub", st.claims.Sub}, {"client_id", st.claims.ClientID}, {"iss", st.claims.Iss}} {
			if kv[1] != "" {
				who = append(who, kv[0]+"="+shorten(kv[1], 40))
			}
		}
		if len(who) > 0 {
			kind += " (" + strings.Join(who, ", ") + ")"
		}
	}
	fmt.Fprintf(&d, "This %s %s at %s sent the bearer token %s, a %s", f.Method, shorten(pathOnly(f), 60), clockIn(f.Start, f.Start.Location()),
		maskValue("Authorization", st.token), kind)
	title := ""
	switch {
	case expired && st.jwt:
		fmt.Fprintf(&d, " whose exp is %s: it had expired %s before the request", clockIn(st.expiry, f.Start.Location()), ago(st.expiry, f.Start))
		if !st.claims.Iat.IsZero() {
			fmt.Fprintf(&d, " (issued at %s, valid for %s)", clockIn(st.claims.Iat, f.Start.Location()), st.expiry.Sub(st.claims.Iat).Round(time.Second))
		}
		title = fmt.Sprintf("Bearer token used %s after its exp (%s)", ago(st.expiry, f.Start), clockIn(st.expiry, f.Start.Location()))
	case expired:
		fmt.Fprintf(&d, " issued by #%d with expires_in=%d: it expired at %s, %s before the request", st.issuedBy, st.expIn,
			clockIn(st.expiry, f.Start.Location()), ago(st.expiry, f.Start))
		title = fmt.Sprintf("Bearer token from #%d used %s after it expired", st.issuedBy, ago(st.expiry, f.Start))
	default:
		d.WriteString(" that the server no longer accepts")
		title = "Bearer token rejected as invalid_token"
		if st.lastOK != 0 {
			title += fmt.Sprintf(" after #%d got through with it", st.lastOK)
		}
	}
	d.WriteString(".")
	if st.issuedBy != 0 && !(expired && !st.jwt) {
		fmt.Fprintf(&d, " #%d (%s) issued it at %s", st.issuedBy, st.issuedOn, clockIn(st.issuedAt, f.Start.Location()))
		if st.expIn > 0 {
			fmt.Fprintf(&d, " with expires_in=%d", st.expIn)
		}
		d.WriteString(".")
	}
	if st.lastOK != 0 {
		fmt.Fprintf(&d, " #%d (%s) was the last request that got through with it, at %s.", st.lastOK, st.lastOKMethod+" "+shorten(st.lastOKPath, 50), clockIn(st.lastOKAt, f.Start.Location()))
	} else {
		d.WriteString(" No earlier request got through with it.")
	}
	if st.rejectedBy != 0 && st.rejectedBy != f.ID {
		fmt.Fprintf(&d, " The server had already rejected it on #%d, and the client sent it again.", st.rejectedBy)
	}
	switch {
	case ref.Refused && code != "":
		fmt.Fprintf(&d, " The server refused it: %d, WWW-Authenticate: Bearer error=%q", ref.Status, code)
		if desc != "" {
			fmt.Fprintf(&d, ", error_description=%q", desc)
		}
		d.WriteString(".")
	case ref.Refused:
		fmt.Fprintf(&d, " The server refused it: %s.", ref.Summary())
	default:
		d.WriteString(" The server still accepted it (servers allow a few minutes of clock skew); the next call may not be so lucky.")
	}
	var missing []Missing
	rel := []int{st.lastOK, st.issuedBy, st.rejectedBy, st.first}
	if newest != nil && newest != st && newest.issuedBy > st.issuedBy && newest.issuedAt.Before(f.Start) {
		fmt.Fprintf(&d, " The client already had a newer token, issued by #%d at %s, and did not use it.", newest.issuedBy, clockIn(newest.issuedAt, f.Start.Location()))
		missing = []Missing{{Where: "header", Name: "Authorization", Value: "Bearer " + newest.token,
			Seen: fmt.Sprintf("issued by #%d", newest.issuedBy)}}
		rel = append(rel, newest.issuedBy)
	}
	return Finding{
		Kind: KindExpiredToken, Severity: sev, Flow: f.ID, Related: related(f.ID, rel),
		Title: title, Detail: d.String(), Fix: expiredTokenFix(st), Missing: missing,
	}
}

func expiredTokenFix(st *tokenState) string {
	life := ""
	switch {
	case st.expIn > 0:
		life = fmt.Sprintf(" (this one lived %d s)", st.expIn)
	case st.jwt && !st.claims.Iat.IsZero() && !st.claims.Exp.IsZero():
		life = fmt.Sprintf(" (this one lived %s)", st.claims.Exp.Sub(st.claims.Iat).Round(time.Second))
	}
	return "Let the connector obtain access tokens itself and renew them before they expire" + life +
		": configure OAuth client credentials (token URL, client id, secret) rather than a fixed `Authorization: Bearer …` header, " +
		"and have it request a new token when the current one is within a minute of exp or when a call returns 401 " +
		"with error=\"invalid_token\". A token pasted into the configuration stops working when it expires."
}

// clockIn is a time of day with ms in zone (the one the flows are shown
// in): token times come from other machines' clocks, so the zone is
// spelled out.
func clockIn(t time.Time, zone *time.Location) string { return t.In(zone).Format("15:04:05.000 MST") }
