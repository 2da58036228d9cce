package analyze

import (
	"encoding/base64"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// Facts are what the engine knows of one flow, computed once and handed to
// every analyzer: the parsed cookies and challenges, whether the server
// refused it, who it authenticated as and which logical client sent it.
type Facts struct {
	Flow *capture.Flow

	// Analyzable: an HTTP exchange that got an answer. TLS failures and
	// upstream failures say nothing about what a server wanted.
	Analyzable bool
	// Preflight: a CORS preflight, sent without credentials by design.
	Preflight bool
	// Subresource: a browser request that cannot carry custom headers.
	Subresource bool

	Path string // request path without the query
	// Query is the parsed query (nil when none). Flows with the same query
	// share it (queries): read it, never change it.
	Query url.Values
	// queryNames are Query's names, sorted (shared like Query).
	queryNames []string
	Origin     string // scheme://host:port
	API        string // origin and base path: the unit presence is judged in

	Refusal    Refusal
	Challenges []httpx.Challenge // the response's WWW-Authenticate
	// Challenged: this was the unauthenticated half of a challenge the
	// client then answered on the same connection (Answered is that flow).
	// It is the HTTP authentication protocol at work, not a refusal.
	Challenged bool
	Answered   int
	// Answers is the flow whose challenge this request answered (0: none).
	Answers int

	SetCookies []httpx.SetCookie // what the response set, one per line
	Cookies    []httpx.CookiePair

	Account Account // who the request authenticated as
	Agent   string  // client IP and User-Agent: one program on one machine
	// Client is the logical client (see clients.go); Tie says how the
	// request was tied to it, which decides how sure a finding may be.
	Client *Client
	Tie    Tie
	// Store is the cookie store the request was judged against; Next is
	// where its response's cookies went (Store, or a new store when the
	// server opened another session for a request that could not be tied
	// to Store for sure).
	Store, Next *Store

	responseText []byte
	decoded      bool

	// reqIdx and respIdx index the headers the facts look up (indexed:
	// the flow has few enough headers); accountHeader is the position+1
	// of the first request header keyAccount takes.
	reqIdx, respIdx headerIndex
	indexed         bool
	accountHeader   uint16

	derived
}

// Account is who a request authenticated as: its primary credential.
type Account struct {
	Key   string // stable identity ("" when the request carried none)
	Label string // for texts, with the secret masked: "Basic provisioner", "Bearer sub=svc-x"
	Via   string // how it was sent: "Authorization: Basic …", "Ocp-Apim-Subscription-Key header"
}

// ResponseText is the response body, decoded and capped, read once.
func (fx *Facts) ResponseText() []byte {
	if !fx.decoded {
		fx.decoded = true
		b, _ := capture.DecodedBody(fx.Flow.ResponseBody, fx.respHeader(hContentEncoding))
		if len(b) > maxRefusalBody {
			b = b[:maxRefusalBody]
		}
		fx.responseText = b
	}
	return fx.responseText
}

// SentCookies is the request's cookies by name, in order.
func (fx *Facts) SentCookies() map[string][]string {
	out := map[string][]string{}
	for _, p := range fx.Cookies {
		out[p.Name] = append(out[p.Name], p.Value)
	}
	return out
}

// sendsCookie: the request sent the cookie name=value (SentCookies
// without building the map).
func (fx *Facts) sendsCookie(name, value string) bool {
	for _, p := range fx.Cookies {
		if p.Name == name && p.Value == value {
			return true
		}
	}
	return false
}

// sentValues is SentCookies()[name], and whether name was sent at all.
func (fx *Facts) sentValues(name string) (values []string, named bool) {
	for _, p := range fx.Cookies {
		if p.Name == name {
			values, named = append(values, p.Value), true
		}
	}
	return values, named
}

// judgeable: a request a client could have given a header or cookie to.
func (fx *Facts) judgeable() bool {
	return fx.Analyzable && !fx.Preflight && !fx.Subresource && !fx.Challenged
}

// newFacts computes what depends on the flow alone.
func newFacts(f *capture.Flow) *Facts {
	fx := &Facts{Flow: f}
	challenges, setCookies := fx.indexHeaders()
	fx.Analyzable = (f.Kind == capture.KindHTTP || f.Kind == capture.KindWebSocket) && f.Status != 0
	fx.Preflight = strings.EqualFold(f.Method, "OPTIONS") && fx.hasReqHeader(hACRequestMethod)
	dest := fx.reqHeader(hSecFetchDest)
	fx.Subresource = dest != "" && !strings.EqualFold(dest, "empty")
	fx.Path = pathOnly(f)
	fx.Query, fx.queryNames = queryOf(f)
	fx.API, fx.Origin = apiOf(f, fx.Path)
	fx.Agent = clientAgent(clientIP(f), fx.reqHeader(hUserAgent))
	fx.Challenges = httpx.ParseChallenges(challenges)
	for _, line := range httpx.SetCookieLines(setCookies) {
		if sc, ok := httpx.ParseSetCookie(line); ok {
			fx.SetCookies = append(fx.SetCookies, sc)
		}
	}
	fx.Account = fx.accountOf()
	if fx.Analyzable {
		fx.Refusal = judgeRefusal(fx)
	}
	fx.derive()
	return fx
}

// clientIP is the client machine of a flow: ports change with every
// connection, so only the IP counts. A HAR from another tool has none.
func clientIP(f *capture.Flow) string {
	if f.ClientAddr == "" {
		return ""
	}
	if host, _, err := net.SplitHostPort(f.ClientAddr); err == nil {
		return host
	}
	return f.ClientAddr
}

// clientAgent is the Agent of a request from ip with the User-Agent ua.
func clientAgent(ip, ua string) string {
	k := agentKey{ip, ua}
	if a, ok := agents.lookup(k); ok {
		return a
	}
	a := ip + "\x00" + ua
	agents.store(k, a)
	return a
}

type agentKey struct{ ip, userAgent string }

// agents caches Agents: a capture has a few client programs, and building
// the string anew was an allocation per flow.
var agents = newMemo[agentKey, string](4096)

// apiOf is the API a request went to, as people write it: scheme, host,
// a port only when it is not the scheme's, and the base path; and its
// origin (capture.Flow.Origin), cached with it.
func apiOf(f *capture.Flow, path string) (api, origin string) {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	k := apiKey{f.Scheme, f.Host, f.Port, seg}
	if a, ok := apis.lookup(k); ok {
		return a.api, a.origin
	}
	host := strings.ToLower(f.Host)
	if f.Port != 0 && f.Port != capture.DefaultPort(f.Scheme) {
		host += ":" + strconv.Itoa(f.Port)
	}
	a := apiOrigin{f.Scheme + "://" + host + basePath(path), f.Origin()}
	apis.store(k, a)
	return a.api, a.origin
}

type apiOrigin struct{ api, origin string }

// apis caches APIs by origin and first path segment: a capture has few.
type apiKey struct {
	scheme, host string
	port         int
	seg          string
}

var apis = newMemo[apiKey, apiOrigin](4096)

// scimEndpoints are SCIM's resource endpoints (RFC 7644 §3.2): a path that
// starts with one is mounted at the origin's root.
var scimEndpoints = setOf("users", "groups", "me", "schemas", "resourcetypes", "serviceproviderconfig",
	"serviceproviderconfigs", "bulk", ".search")

// basePath is where an API is mounted on its origin: the first path
// segment ("/scim", "/admin", "/osmc"), or "" when that segment is already
// a resource (a SCIM endpoint, an id).
func basePath(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	s := strings.ToLower(seg)
	if s == "" || scimEndpoints[s] || strings.ContainsAny(s, "0123456789") && len(s) >= 8 {
		return ""
	}
	return "/" + s
}

// accountOf is the request's primary credential: Authorization, else the
// first API-key header, else a credential query parameter. Identities are
// hashed, never kept in clear; labels are masked.
func (fx *Facts) accountOf() Account {
	if v := fx.authorization; v != "" {
		return authAccount(v)
	}
	return fx.keyAccount()
}

// accounts caches Authorization values' accounts: a connector sends the
// same one on thousands of calls.
var accounts = newMemo[string, Account](4096)

func authAccount(v string) Account {
	if a, ok := accounts.lookup(v); ok {
		return a
	}
	a := parseAuthAccount(v)
	accounts.store(v, a)
	return a
}

func parseAuthAccount(v string) Account {
	{
		scheme, cred := httpx.AuthScheme(v)
		a := Account{Via: "Authorization: " + scheme + " …"}
		switch {
		case strings.EqualFold(scheme, "Basic"):
			user := "?"
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				user, _, _ = strings.Cut(string(dec), ":")
			}
			a.Key, a.Label = "basic:"+digest(v), "Basic "+shorten(user, 40)
		case strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "DPoP"):
			if c, ok := httpx.DecodeJWT(cred); ok && (c.Sub != "" || c.ClientID != "") {
				// Tokens are renewed: the subject is the account.
				who := c.Sub
				if who == "" {
					who = c.ClientID
				}
				a.Key, a.Label = "jwt:"+c.Iss+"\x00"+who, "Bearer sub="+shorten(who, 40)
			} else {
				a.Key, a.Label = "bearer:"+digest(cred), "Bearer "+maskSecret(cred)
			}
		default:
			a.Key, a.Label = strings.ToLower(scheme)+":"+digest(v), scheme+" "+maskSecret(cred)
		}
		return a
	}
}

// keyAccount is the account of a request without Authorization: its API
// key header or query parameter.
func (fx *Facts) keyAccount() Account {
	f, query := fx.Flow, fx.Query
	var accountHeader *capture.Header
	if !fx.indexed {
		for i, h := range f.RequestHeaders {
			if classOf(h.Name).account && h.Value != "" {
				accountHeader = &f.RequestHeaders[i]
				break
			}
		}
	} else if fx.accountHeader != 0 {
		accountHeader = &f.RequestHeaders[fx.accountHeader-1]
	}
	if h := accountHeader; h != nil {
		return Account{Key: "header:" + strings.ToLower(h.Name) + ":" + digest(h.Value),
			Label: h.Name + " " + maskSecret(h.Value), Via: h.Name + " header"}
	}
	if len(query) == 0 {
		return Account{}
	}
	for _, name := range fx.queryNames {
		if classOf(name).accountParam && len(query[name]) > 0 && query[name][0] != "" {
			v := query[name][0]
			return Account{Key: "query:" + strings.ToLower(name) + ":" + digest(v),
				Label: name + "=" + maskSecret(v), Via: "query parameter " + name}
		}
	}
	return Account{}
}

// isAccountName: a credential header or parameter that names an account
// and stays the same from call to call (an API key, a subscription key, a
// token), unlike a signature, a nonce or a one-time code.
func isAccountName(name string) bool {
	n := strings.ToLower(name)
	if !httpx.IsCredentialHeader(n) && !httpx.IsCredentialParam(n) || httpx.IsCSRFName(n) {
		return false
	}
	for _, w := range []string{"signature", "nonce", "session", "timestamp", "date"} {
		if strings.Contains(n, w) {
			return false
		}
	}
	return strings.Contains(n, "key") || strings.Contains(n, "token") || strings.Contains(n, "subscription") ||
		strings.Contains(n, "secret") || strings.Contains(n, "passw") || strings.Contains(n, "auth")
}

// digest is a 64-bit FNV-1a of s: an account's identity without its secret.
func digest(s string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return strconv.FormatUint(h, 36)
}

// queryOf is the request's query, parsed only when it has one, and its
// names in order.
func queryOf(f *capture.Flow) (url.Values, []string) {
	t := f.Target
	if t == "" || strings.Contains(t, "://") {
		q := f.Query()
		return q, sortedNames(q)
	}
	_, raw, ok := strings.Cut(t, "?")
	if !ok || raw == "" {
		return nil, nil
	}
	if q, ok := queries.lookup(raw); ok {
		return q.values, q.names
	}
	v, _ := url.ParseQuery(raw)
	q := parsedQuery{v, sortedNames(v)}
	queries.store(raw, q)
	return q.values, q.names
}

type parsedQuery struct {
	values url.Values
	names  []string
}

// queries caches parsed queries by their text: a client repeats the same
// few (an API key parameter) on every call, and parsing and sorting one
// anew cost a map, a slice per value and the sort on every flow. Every
// flow with that query shares them, so nothing may change them.
var queries = newMemo[string, parsedQuery](4096)

// FactsOf is what can be known of f on its own — refusal, challenges,
// cookies sent and set, account — without the traffic around it (no
// logical client, no answered challenge).
func FactsOf(f *capture.Flow) *Facts { return newFacts(f) }
