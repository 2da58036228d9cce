package analyze

import (
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// derived is what analyzers would otherwise work out from the flow alone on
// the engine's serial path, computed with its facts on the decode workers
// (the engine observes one flow at a time: its work is the pipeline's
// narrowest part). The analyzers' rules stay in their files; these are
// views of the flow they judge by.
type derived struct {
	// sendsCookies: the request is one a client sends its cookies on
	// (sendsCookies).
	sendsCookies bool
	// candidates are the request headers whose absence can be a lost
	// credential or custom header (isLostHeaderCandidate), the first of
	// each name, sorted by lower-case name.
	candidates []namedHeader
	// paramCandidates are the query's credential parameters, the first
	// of each lower-case name in name order (LostQueryParam), sorted by
	// lower-case name.
	paramCandidates []namedHeader
	// candidateBuf, paramBuf and cookieBuf hold the usual few candidates
	// and Cookie pairs, so they come with the facts' allocation (which
	// they keep within 1 KB).
	candidateBuf [3]namedHeader
	paramBuf     [1]namedHeader
	cookieBuf    [1]httpx.CookiePair
	// csrfRequest and csrfResponse are the first CSRF header of the
	// request and of the response (csrfHeader), when there is one.
	csrfRequest, csrfResponse capture.Header
	fetchesCSRF, answersCSRF  bool
	// set is what the facts work out of SetCookies (nil when none: most
	// flows set none, and every flow's facts are allocated and zeroed).
	set *setFacts
	// templates is the request's template placeholders (UnresolvedTemplate).
	templates templateScan
	// The headers the serial analyzers read (capture.HeaderValue: the
	// first of the name).
	authorization, contentType, accept string // the request's
	responseType                       string // the response's Content-Type

	// bearer is the request's bearer token (bearerToken); issued the
	// token its response hands out (readIssuedToken).
	bearer string
	issued *issuedToken
	// lookup is the filtered GET's lookup and answer (parseLookup).
	lookup *lookup

	// jarCookies is what the request's store would have sent on it,
	// worked out once by the first analyzer that asks (sentByJar).
	jarCookies []*storedCookie
	jarDone    bool
}

// setFacts is, for each of SetCookies, what its client does with it
// (httpx.Store) when received at received, and the first rule of another
// client it breaks (rejectionOf).
type setFacts struct {
	storage   []httpx.Storage
	rejection []rejectRule
	received  time.Time
	on        string // "POST /admin/users → 201": the request that set them
	// one holds storage and rejection for the usual single Set-Cookie,
	// so they come with the struct's allocation.
	one struct {
		storage   [1]httpx.Storage
		rejection [1]rejectRule
	}
}

// namedHeader is a request header with its lower-case name.
type namedHeader struct {
	lower string
	capture.Header
}

// derive fills fx.derived (newFacts, after the rest).
func (fx *Facts) derive() {
	f := fx.Flow
	fx.sendsCookies = sendsCookies(fx)
	judgeable := fx.Analyzable && !fx.Preflight && !fx.Subresource
	if !judgeable {
		fx.candidates = nil // collected with the headers, before judgeable was known
	}
	if judgeable && len(fx.Query) > 0 {
		fx.paramCandidates = fx.paramBuf[:0]
		for _, name := range fx.queryNames {
			hc := classOf(name)
			if hc.param && !hasCandidate(fx.paramCandidates, hc.lower) && len(fx.Query[name]) > 0 {
				fx.paramCandidates = append(fx.paramCandidates, namedHeader{hc.lower, capture.Header{Name: name, Value: fx.Query[name][0]}})
			}
		}
	}
	sortByLower(fx.candidates)
	sortByLower(fx.paramCandidates)
	if len(fx.SetCookies) > 0 {
		set := &setFacts{received: receivedAt(f), on: f.Method + " " + shorten(fx.Path, 50) + " → " + strconv.Itoa(f.Status)}
		if len(fx.SetCookies) == 1 {
			set.storage, set.rejection = set.one.storage[:], set.one.rejection[:]
		} else {
			set.storage, set.rejection = make([]httpx.Storage, len(fx.SetCookies)), make([]rejectRule, len(fx.SetCookies))
		}
		secure, browser := isSecureScheme(f.Scheme), fx.isBrowser()
		for i, sc := range fx.SetCookies {
			set.storage[i] = httpx.Store(sc, f.Host, fx.Path, secure, browser, set.received)
			if sc.Value != "" {
				set.rejection[i] = rejectionOf(sc, f.Host, fx, set.storage[i])
			}
		}
		fx.set = set
	}
	if judgeable {
		fx.templates = scanTemplates(fx)
	}
	if fx.Analyzable && !fx.Preflight {
		fx.bearer = bearerToken(fx.authorization)
		fx.issued = readIssuedToken(fx)
		if f.Method == "GET" && fx.Query != nil {
			fx.lookup = parseLookup(fx)
		}
	}
}

// headerClass is what the analyzers make of a header's name.
type headerClass struct {
	lower     string
	id        headerID
	candidate bool // isLostHeaderCandidate
	csrf      bool // isCSRFHeader
	param     bool // httpx.IsCredentialParam, for a query parameter
	// account: a header keyAccount takes for the account; accountParam:
	// a query parameter it takes.
	account, accountParam bool
}

// classes caches classOf by header or query parameter name: a capture has
// few names, and lower-casing and matching each on every request was most
// of the cost. A fixed table of slots (two per name's hash) bounds it:
// names made up per request (a header carrying an id in its name) only
// take a slot from another for a while.
var classes [1 << 12]atomic.Pointer[classEntry]

var classSeed = maphash.MakeSeed()

type classEntry struct {
	name string
	headerClass
}

func classOf(name string) *headerClass {
	h := maphash.String(classSeed, name)
	s1, s2 := &classes[h%uint64(len(classes))], &classes[h>>52%uint64(len(classes))]
	if e := s1.Load(); e != nil && e.name == name {
		return &e.headerClass
	}
	if e := s2.Load(); e != nil && e.name == name {
		return &e.headerClass
	}
	n := strings.ToLower(name)
	e := &classEntry{strings.Clone(name), headerClass{lower: n, id: headerIDOf(name), candidate: isLostHeaderCandidate(n),
		csrf: isCSRFHeader(name), param: httpx.IsCredentialParam(n),
		account:      isAccountName(name) && !strings.EqualFold(name, "Proxy-Authorization"),
		accountParam: isAccountName(name) && httpx.IsCredentialParam(name)}}
	if s1.Load() == nil || s2.Load() != nil {
		s1.Store(e)
	} else {
		s2.Store(e)
	}
	return &e.headerClass
}

func sortByLower(hs []namedHeader) {
	slices.SortFunc(hs, func(a, b namedHeader) int { return strings.Compare(a.lower, b.lower) })
}

// setOnce sets *p to v the first time bit is seen.
func setOnce(p *string, v string, seen *int, bit int) {
	if *seen&bit == 0 {
		*p, *seen = v, *seen|bit
	}
}

func hasCandidate(hs []namedHeader, lower string) bool {
	for _, h := range hs {
		if h.lower == lower {
			return true
		}
	}
	return false
}

// receivedAt is when f's client had its response: its end, or its start
// when the end is missing.
func receivedAt(f *capture.Flow) time.Time {
	received := f.End
	if received.IsZero() || received.Before(f.Start) {
		received = f.Start
	}
	return received
}

// setOn is the request that set the flow's cookies, for texts.
func (fx *Facts) setOn() string {
	if fx.set == nil {
		return ""
	}
	return fx.set.on
}

// storage is httpx.Store for fx's i-th Set-Cookie received at received:
// the one computed with the facts when it is the same instant.
func (fx *Facts) storage(i int, received time.Time) httpx.Storage {
	if set := fx.set; set != nil && i < len(set.storage) && received.Equal(set.received) {
		return set.storage[i]
	}
	f := fx.Flow
	return httpx.Store(fx.SetCookies[i], f.Host, fx.Path, isSecureScheme(f.Scheme), fx.isBrowser(), received)
}

// sentByJar is what fx's store would have sent on it (cookieJar.forRequest):
// the jar changes only after every analyzer observed fx, so it is worked
// out once.
func (fx *Facts) sentByJar() []*storedCookie {
	if !fx.jarDone {
		fx.jarDone = true
		if fx.sendsCookies {
			fx.jarCookies = fx.Store.jar.forRequest(fx)
		}
	}
	return fx.jarCookies
}
