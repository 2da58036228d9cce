package scenario

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"

	"github.com/provtap/provtap/capture/httpx"
)

// Failures beyond the seeds: the six that `provtap demo --all` runs after
// the two seed failures, each a scripted connector against one of this
// package's servers, and where it reads well the fixed connector beside
// it. The capturetest tests drive the same servers with the same steps
// through curl, the JDK and Apache HttpClient as well.

// The finding kinds the failures show, as analyze names them (this package
// does not import analyze; cmd/provtap's tests check that they agree).
const (
	KindSCIMPatchDialect     = "scim-patch-dialect"
	KindMediaType            = "media-type"
	KindClientRejectedCookie = "client-rejected-cookie"
	KindUnresolvedTemplate   = "unresolved-template"
	KindRateLimited          = "rate-limited"
	KindLookupCreateConflict = "lookup-create-conflict"
)

// CookieStore is what a connector's HTTP client does with the cookies it
// is sent.
type CookieStore int

const (
	// NoCookies keeps none.
	NoCookies CookieStore = iota
	// RFC6265Cookies keeps them as RFC 6265 says (Go's cookiejar, Apache
	// HttpClient's CookieSpecs.STANDARD, the JDK's CookieManager).
	RFC6265Cookies
	// ApacheDefaultCookies keeps them as Apache HttpClient 4.x's default
	// cookie spec (CookieSpecs.DEFAULT) does: it throws away every cookie
	// whose Expires is not in the Netscape form (capture/httpx's
	// ApacheDefaultDrops), RFC 1123's included.
	ApacheDefaultCookies
)

// Jar is a cookie jar that keeps cookies as s says; nil for NoCookies.
func (s CookieStore) Jar() http.CookieJar {
	if s == NoCookies {
		return nil
	}
	jar, _ := cookiejar.New(nil) // never fails without options
	if s == ApacheDefaultCookies {
		return apacheDefaultJar{jar}
	}
	return jar
}

// apacheDefaultJar is an RFC 6265 jar that, first, throws away each
// cookie Apache HttpClient 4.x's default cookie spec rejects. net/http
// has parsed the Set-Cookie lines before a jar sees them, but an
// http.Cookie keeps its line (Raw) and its Expires as written
// (RawExpires): the rule is capture/httpx's, the one the analyzers use.
type apacheDefaultJar struct{ http.CookieJar }

func (j apacheDefaultJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	var kept []*http.Cookie
	for _, c := range cookies {
		if !httpx.ApacheDefaultDrops(httpx.SetCookie{Name: c.Name, Raw: c.Raw, RawExpires: c.RawExpires}) {
			kept = append(kept, c)
		}
	}
	j.CookieJar.SetCookies(u, kept)
}

// Connector is one scripted connector of a Failure.
type Connector struct {
	Name      string      // what it does, for a log: "SCIM connector, Entra ID's PATCH dialect"
	UserAgent string      // its own: each connector is a client of its own
	Cookies   CookieStore // what its client keeps
	Statuses  []int       // what the server answers its steps, in order
	// Start makes a fresh server state and returns its handler and the
	// connector's steps against it. Each connector gets a server of its
	// own: a session or a rate limit one left behind does not refuse the
	// next.
	Start func() (http.Handler, []Step)
}

// Failure is one failure the demo reproduces.
type Failure struct {
	Kind    string     // the finding provtap shows on the failing connector's refused request
	TLS     bool       // served over https
	Shows   int        // which of Failing's steps (1-based) that finding is on
	Failing Connector  // the connector as it fails in the field
	Fixed   *Connector // the same connector fixed: quiet, it succeeds (nil when none)
}

// FailureRateWait is the Retry-After of the rate-limited failure's
// server, and FailureRateMargin what its fixed connector waits beyond it.
const (
	FailureRateWait   = time.Second
	FailureRateMargin = 300 * time.Millisecond
)

// Failures lists the six failures, in the order the demo runs them.
func Failures() []Failure {
	patchStrict := func(body string, readBack bool) func() (http.Handler, []Step) {
		return func() (http.Handler, []Step) {
			api := NewSCIMPatchAPI(PatchStrict)
			u := SCIMPatchUser(api.AddUser("jdoe@example.com"))
			steps := []Step{SCIMPatchGet(u), SCIMPatchStep(u, body)}
			if readBack {
				steps = append(steps, SCIMPatchGet(u))
			}
			return api, steps
		}
	}
	media := func(contentType string) func() (http.Handler, []Step) {
		return func() (http.Handler, []Step) {
			return NewMediaTypeAPI(MediaStrict), []Step{MediaGet(SCIMType), MediaPost(contentType)}
		}
	}
	cookies := func() (http.Handler, []Step) {
		return NewCookieExpiresAPI(ExpiresRFC1123), Seed1Steps("jdoe")
	}
	const alice = `{"userName":"alice","email":"alice@example.com","displayName":"Alice"}`
	template := func(bob string) func() (http.Handler, []Step) {
		return func() (http.Handler, []Step) { return NewRequiredFieldAPI(), RequiredFieldSteps(alice, bob) }
	}
	rate := func(c RateClient) func() (http.Handler, []Step) {
		return func() (http.Handler, []Step) {
			return NewRateLimitAPI(2, FailureRateWait), RateSteps(c, "", FailureRateWait, FailureRateMargin)
		}
	}
	return []Failure{
		{Kind: KindSCIMPatchDialect, TLS: true, Shows: 2,
			Failing: Connector{Name: "SCIM connector, Entra ID's PATCH dialect", UserAgent: "scim-connector/3.0 (Entra PATCH dialect)",
				Statuses: []int{200, 400}, Start: patchStrict(EntraDisableUser, false)},
			Fixed: &Connector{Name: "SCIM connector, RFC 7644 PATCH", UserAgent: "scim-connector/3.0 (RFC 7644 PATCH)",
				Statuses: []int{200, 200, 200}, Start: patchStrict(RFCDisableUser, true)}},
		{Kind: KindMediaType, Shows: 2,
			Failing: Connector{Name: "SCIM connector, Content-Type application/json", UserAgent: "scim-connector/3.0 (application/json)",
				Statuses: []int{200, 415}, Start: media("application/json")},
			Fixed: &Connector{Name: "SCIM connector, Content-Type application/scim+json", UserAgent: "scim-connector/3.0 (application/scim+json)",
				Statuses: []int{200, 201}, Start: media(SCIMType)}},
		{Kind: KindClientRejectedCookie, TLS: true, Shows: 2,
			Failing: Connector{Name: "JVM connector on Apache HttpClient 4.5, default cookie spec",
				UserAgent: "Apache-HttpClient/4.5.14 (Java/17.0.9)", Cookies: ApacheDefaultCookies,
				Statuses: []int{201, 401, 401}, Start: cookies},
			Fixed: &Connector{Name: "JVM connector on Apache HttpClient 4.5, CookieSpecs.STANDARD",
				UserAgent: "Apache-HttpClient/4.5.14 (Java/17.0.9; CookieSpecs.STANDARD)", Cookies: RFC6265Cookies,
				Statuses: []int{201, 200, 200}, Start: cookies}},
		{Kind: KindUnresolvedTemplate, TLS: true, Shows: 2,
			Failing: Connector{Name: "REST connector, $plan.email$ left unfilled", UserAgent: "rest-connector/2.3 (template left unfilled)",
				Statuses: []int{201, 400}, Start: template(`{"userName":"bob","email":"$plan.email$","displayName":"Bob"}`)},
			Fixed: &Connector{Name: "REST connector, every field filled", UserAgent: "rest-connector/2.3 (template filled)",
				Statuses: []int{201, 201}, Start: template(`{"userName":"bob","email":"bob@example.com","displayName":"Bob"}`)}},
		{Kind: KindRateLimited, TLS: true, Shows: 4,
			Failing: Connector{Name: "SCIM connector, retries a 429 at once", UserAgent: "scim-sync/1.2 (retries at once)",
				Statuses: []int{201, 201, 429, 429, 201}, Start: rate(RateAtOnce)},
			Fixed: &Connector{Name: "SCIM connector, waits Retry-After", UserAgent: "scim-sync/1.2 (waits Retry-After)",
				Statuses: []int{201, 201, 429, 201}, Start: rate(RateWaits)}},
		{Kind: KindLookupCreateConflict, TLS: true, Shows: 2,
			Failing: Connector{Name: "SCIM connector, looks JDoe up as typed, then creates it", UserAgent: "idm-connector/5.1 (lookup as typed)",
				Statuses: []int{200, 409}, Start: func() (http.Handler, []Step) {
					// What ProvisionByLookup sends here: the lookup finds nothing, so it creates.
					lookup, create := LookupSteps("JDoe")
					return NewLookupAPI(LookupCaseSensitive), []Step{lookup, create}
				}},
			Fixed: &Connector{Name: "SCIM connector, looks jdoe up as the target stores it, then updates it",
				UserAgent: "idm-connector/5.1 (lookup in lower case)",
				Statuses:  []int{200, 200}, Start: func() (http.Handler, []Step) {
					lookup, _ := LookupSteps(LookupExisting)
					return NewLookupAPI(LookupCaseSensitive), []Step{lookup, LookupPatch(LookupExistingID)}
				}}},
	}
}
