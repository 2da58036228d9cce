package analyze

import (
	"fmt"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// KindAuthSchemeMismatch: the client answers a WWW-Authenticate challenge
// with a scheme the server did not offer.
const KindAuthSchemeMismatch = "auth-scheme-mismatch"

// AuthSchemeMismatch remembers, per origin, the schemes the server's last
// 401 challenge offered, and reports a refused request, after that
// challenge, whose Authorization uses another scheme.
//
// Choices: the offer is the last challenge the origin made before the
// request (a first request's preemptive credentials answer no challenge).
// Challenges are parsed per RFC 9110 and leniently: Restlet's
// `Token Basic realm=…` offers Token and Basic. Only refused requests are
// reported (always error); a request without Authorization is not
// answering with a wrong scheme.
type AuthSchemeMismatch struct {
	origins map[string]*schemeState // per origin: the schemes its last challenge offered
}

type schemeState struct {
	offer      []httpx.Challenge // the latest challenge of a 401 from this origin
	offerFlow  int
	offerField string             // the WWW-Authenticate values as sent
	okAuth     map[string]authUse // scheme (lower-case) → last accepted Authorization
	answered   map[string]*refList
	first      map[string]int // scheme → first finding
}

type authUse struct {
	value string
	flow  int
}

// NewAuthSchemeMismatch returns the auth-scheme-mismatch analyzer.
func NewAuthSchemeMismatch() *AuthSchemeMismatch {
	return &AuthSchemeMismatch{origins: map[string]*schemeState{}}
}

// Name implements Analyzer.
func (a *AuthSchemeMismatch) Name() string { return KindAuthSchemeMismatch }

// Observe implements Analyzer. A request can only answer a challenge the
// server made before it: the first request's preemptive credentials answer
// nothing.
func (a *AuthSchemeMismatch) Observe(fx *Facts, emit func(Finding)) {
	f := fx.Flow
	if !fx.Analyzable || fx.Preflight {
		return
	}
	chs := authorizationChallenges(fx.Challenges)
	if len(chs) == 0 && len(a.origins) == 0 {
		return // no server has challenged yet
	}
	st := a.origins[fx.Origin]
	if st == nil && len(chs) == 0 {
		return
	}
	if st == nil {
		st = &schemeState{okAuth: map[string]authUse{}, answered: map[string]*refList{}, first: map[string]int{}}
		a.origins[fx.Origin] = st
	}
	auth := fx.authorization
	scheme, _ := httpx.AuthScheme(auth)
	lower := lowerScheme(scheme)
	if auth != "" && fx.Succeeded() {
		st.okAuth[lower] = authUse{auth, f.ID}
	}
	offer, offerFlow, offerField := st.offer, st.offerFlow, st.offerField
	if len(chs) > 0 && f.Status == 401 {
		st.offer, st.offerFlow, st.offerField = chs, f.ID, strings.Join(f.ResponseHeaderValues("WWW-Authenticate"), ", ")
	}
	if auth == "" || scheme == "" {
		return
	}
	answered := st.answered[lower]
	if answered == nil {
		answered = &refList{}
		st.answered[lower] = answered
	}
	if len(offer) == 0 || httpx.Offers(offer, scheme) {
		if len(chs) > 0 && !httpx.Offers(chs, scheme) {
			answered.add(flowRef{f.ID, f.Method}) // not an answer yet, but part of the story
		}
		return
	}
	if fx.Challenged || !fx.Refusal.Refused {
		return
	}
	answered.add(flowRef{f.ID, f.Method})
	first, repeat := st.first[lower]
	if !repeat {
		st.first[lower] = f.ID
	}
	fd := schemeMismatchFinding(f, scheme, offer, offerFlow, offerField, st, answered, fx.Refusal, first)
	fd.group = KindAuthSchemeMismatch + "\x00" + fx.Client.Key + "\x00" + lower + "\x00" + fx.Origin
	emit(fd)
}

// authorizationChallenges drops challenges that ask for an API key in a
// header or the query (Azure API Management: `AzureApiManagementKey
// name="Ocp-Apim-Subscription-Key", type="header"`): they cannot be answered
// through Authorization, and a missing key is lost-header's to report.
func authorizationChallenges(chs []httpx.Challenge) []httpx.Challenge {
	out := chs[:0:0]
	for _, c := range chs {
		switch strings.ToLower(c.Params["type"]) {
		case "header", "query":
			if c.Params["name"] != "" {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

func schemeMismatchFinding(f *capture.Flow, scheme string, offer []httpx.Challenge, offerFlow int, offerField string,
	st *schemeState, answered *refList, ref Refusal, first int) Finding {
	names := httpx.SchemeNames(offer)
	title := fmt.Sprintf("Answered with %s; the server offers only %s", scheme, joinOr(names))
	var d strings.Builder
	where := "this response"
	if offerFlow != f.ID {
		where = fmt.Sprintf("#%d's 401", offerFlow)
	}
	fmt.Fprintf(&d, "The server's challenge on %s offered %s (WWW-Authenticate: %s). ", where,
		schemeWord(len(names))+joinAnd(names), shorten(offerField, 160))
	fmt.Fprintf(&d, "This %s %s sent Authorization: %s …, a scheme the server did not offer", f.Method, shorten(pathOnly(f), 60), scheme)
	if answered.total > 1 {
		fmt.Fprintf(&d, "; the client kept answering with %s on %s", scheme, answered.String())
	}
	summary := ref.Summary()
	if strings.HasPrefix(ref.Reason, "WWW-Authenticate:") {
		summary = fmt.Sprint(ref.Status) // the challenge was quoted above
	}
	fmt.Fprintf(&d, ". The server refused it: %s.", summary)
	var missing []Missing
	var relatedIDs []int
	for _, n := range names {
		if use, ok := st.okAuth[strings.ToLower(n)]; ok {
			fmt.Fprintf(&d, " #%d got through with %s.", use.flow, n)
			missing = []Missing{{Where: "header", Name: "Authorization", Value: use.value, Seen: fmt.Sprintf("sent on #%d", use.flow)}}
			relatedIDs = append(relatedIDs, use.flow)
			break
		}
	}
	return Finding{
		Kind: KindAuthSchemeMismatch, Severity: Error, Flow: f.ID,
		Related: related(f.ID, []int{offerFlow, first}, relatedIDs, answered.ids()),
		Title:   title, Detail: d.String(), Fix: schemeFix(scheme, names), Missing: missing,
	}
}

// lowerScheme is strings.ToLower(scheme), without building the common
// schemes' lower case on every request.
func lowerScheme(scheme string) string {
	switch scheme {
	case "Basic":
		return "basic"
	case "Bearer":
		return "bearer"
	case "Negotiate":
		return "negotiate"
	case "NTLM":
		return "ntlm"
	case "Digest":
		return "digest"
	}
	return strings.ToLower(scheme)
}

func schemeFix(sent string, offered []string) string {
	want := offered[0]
	for _, n := range offered {
		if strings.EqualFold(n, "Bearer") {
			want = n
		}
	}
	fix := fmt.Sprintf("Set the connector's authentication type to one the server offers (%s) instead of %s", joinOr(offered), sent)
	switch strings.ToLower(want) {
	case "bearer":
		fix += ": configure OAuth (token URL, client id and secret) so it sends Authorization: Bearer <access token>"
	case "basic":
		fix += ": configure user name and password (Basic authentication)"
	case "token":
		fix += ": configure the API token so it sends Authorization: Token <token>"
	case "negotiate", "ntlm":
		fix += ": enable Windows integrated authentication (Kerberos/NTLM) for the connector's service account"
	}
	return fix + ". Clients that send credentials up front never read the challenge, so the scheme must be chosen in the configuration; " +
		"or ask the API's owner to enable " + sent + " for this endpoint."
}

func joinOr(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func schemeWord(n int) string {
	if n == 1 {
		return "the scheme "
	}
	return "the schemes "
}
