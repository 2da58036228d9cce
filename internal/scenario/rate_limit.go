package scenario

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate limiting: a SCIM API that allows Limit requests per account, then
// answers 429 Too Many Requests with Retry-After and RateLimit headers (or,
// in Unavailable mode, 503 with Retry-After, as gateways shed load) until
// RetryAfter has passed since the first request it refused; then a fresh
// window of Limit requests starts. The window is counted in requests, not
// time, so which request is limited does not depend on how fast a test
// machine is; only the wait is measured in time.
const (
	RateUser     = "scim-sync"
	RatePassword = "R4te-L1mit!"
	// RatePath is where the API is mounted.
	RatePath = "/scim/v2"
)

// RateLimitAPI is the rate-limited server: POST /scim/v2/Users creates a
// user, GET /scim/v2/Users lists them, GET /scim/v2/Users/<id> reads one.
// Basic auth; the limit is per account.
type RateLimitAPI struct {
	Limit       int           // requests per window; 0: 3
	RetryAfter  time.Duration // how long a refused account waits; 0: 1 s (sent in whole seconds)
	Unavailable bool          // answer 503 instead of 429
	// HTTPDate sends Retry-After as an HTTP-date rather than delta-seconds.
	HTTPDate bool

	mu       sync.Mutex
	accounts map[string]*rateAccount
	users    []map[string]any
	limited  int
}

type rateAccount struct {
	used    int       // requests in the current window
	blocked time.Time // refused until then (zero: not refused)
}

// NewRateLimitAPI returns a server allowing limit requests per window and
// asking refused clients to wait retryAfter.
func NewRateLimitAPI(limit int, retryAfter time.Duration) *RateLimitAPI {
	return &RateLimitAPI{Limit: limit, RetryAfter: retryAfter}
}

// Limited is how many requests the server refused for the rate limit.
func (a *RateLimitAPI) Limited() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.limited
}

// UserNames lists the users created, in order.
func (a *RateLimitAPI) UserNames() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return userNames(a.users)
}

func (a *RateLimitAPI) limit() int {
	if a.Limit <= 0 {
		return 3
	}
	return a.Limit
}

func (a *RateLimitAPI) wait() time.Duration {
	if a.RetryAfter <= 0 {
		return time.Second
	}
	return a.RetryAfter
}

// ServeHTTP implements http.Handler.
func (a *RateLimitAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, p, ok := r.BasicAuth()
	if !ok || u != RateUser || p != RatePassword {
		w.Header().Set("WWW-Authenticate", `Basic realm="scim"`)
		rlError(w, http.StatusUnauthorized, "", "Authentication required")
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.accounts == nil {
		a.accounts = map[string]*rateAccount{}
	}
	acct := a.accounts[u]
	if acct == nil {
		acct = &rateAccount{}
		a.accounts[u] = acct
	}
	now := time.Now()
	if !acct.blocked.IsZero() && !now.Before(acct.blocked) {
		acct.used, acct.blocked = 0, time.Time{} // a fresh window
	}
	limit := a.limit()
	if acct.used >= limit {
		if acct.blocked.IsZero() {
			acct.blocked = now.Add(a.wait())
		}
		a.limited++
		secs := int(math.Ceil(acct.blocked.Sub(now).Seconds()))
		w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
		if a.HTTPDate {
			w.Header().Set("Retry-After", now.Add(time.Duration(secs)*time.Second).UTC().Format(http.TimeFormat))
		} else {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		w.Header().Set("RateLimit-Limit", strconv.Itoa(limit))
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.Itoa(secs))
		status := http.StatusTooManyRequests
		if a.Unavailable {
			status = http.StatusServiceUnavailable
		}
		rlError(w, status, "", "Too many requests for account "+u+": limit is "+strconv.Itoa(limit)+" requests, retry later")
		return
	}
	acct.used++
	w.Header().Set("RateLimit-Limit", strconv.Itoa(limit))
	w.Header().Set("RateLimit-Remaining", strconv.Itoa(limit-acct.used))
	a.serve(w, r)
}

func (a *RateLimitAPI) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, RatePath)
	switch {
	case path == "/Users" && r.Method == http.MethodPost:
		name, ok := newUserName(w, r)
		if !ok {
			return
		}
		u := map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"}, "id": newUUID(), "userName": name}
		a.users = append(a.users, u)
		writeJSON(w, SCIMType, http.StatusCreated, u)
	case path == "/Users" && r.Method == http.MethodGet:
		writeJSON(w, SCIMType, http.StatusOK, rlList(a.users))
	case strings.HasPrefix(path, "/Users/") && r.Method == http.MethodGet:
		for _, u := range a.users {
			if u["id"] == strings.TrimPrefix(path, "/Users/") {
				writeJSON(w, SCIMType, http.StatusOK, u)
				return
			}
		}
		rlError(w, http.StatusNotFound, "", "Resource not found")
	default:
		rlError(w, http.StatusNotFound, "", "Resource not found")
	}
}

// rlError writes a SCIM Error (RFC 7644 §3.12).
func rlError(w http.ResponseWriter, status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"},
		"status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeJSON(w, SCIMType, status, body)
}

// rlList is a SCIM ListResponse of resources.
func rlList(resources []map[string]any) map[string]any {
	if resources == nil {
		resources = []map[string]any{}
	}
	return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": len(resources), "startIndex": 1, "itemsPerPage": len(resources), "Resources": resources}
}

// RateClient is how a connector answers a rate limit.
type RateClient int

const (
	// RateWaits waits the Retry-After it was given (and a little more),
	// then sends the request again: correct.
	RateWaits RateClient = iota
	// RateAtOnce sends the request again at once, ignoring Retry-After.
	RateAtOnce
	// RateGivesUp fails the operation on the first 429 and goes on.
	RateGivesUp
)

// RateUsers is the connector's run: creates of these users, one after the
// other; with a limit of 2 the third is refused.
var RateUsers = []string{"rl.ahmed", "rl.baker", "rl.chen"}

// RateSteps is the script of a connector that creates users (RateUsers,
// each named with suffix) against a RateLimitAPI with limit 2 that asks
// for wait: the third create is refused, and what follows is the client's
// answer (RateClient): the same create again after the wait plus margin,
// at once, or never (the connector goes on with a read after the wait).
func RateSteps(c RateClient, suffix string, wait, margin time.Duration) []Step {
	auth := BasicAuth(RateUser, RatePassword)
	create := func(name string) Step {
		return Step{Method: http.MethodPost, Path: RatePath + "/Users",
			Header: [][2]string{auth, {"Content-Type", SCIMType}, {"Accept", SCIMType}},
			Body:   `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + name + suffix + `"}`}
	}
	var steps []Step
	for _, u := range RateUsers {
		steps = append(steps, create(u))
	}
	last := create(RateUsers[len(RateUsers)-1])
	switch c {
	case RateWaits:
		last.Pause = wait + margin
		steps = append(steps, last)
	case RateAtOnce:
		steps = append(steps, last) // refused again: the wait had not passed
		last.Pause = wait + margin
		steps = append(steps, last)
	case RateGivesUp:
		steps = append(steps, Step{Method: http.MethodGet, Path: RatePath + "/Users", Pause: wait + margin,
			Header: [][2]string{auth, {"Accept", SCIMType}}})
	}
	return steps
}

// newUserName reads a SCIM create's userName, answering 400 (and false)
// when the body is not JSON or has none.
func newUserName(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		rlError(w, http.StatusBadRequest, "invalidSyntax", "The request body is not JSON")
		return "", false
	}
	name, _ := in["userName"].(string)
	if name == "" {
		rlError(w, http.StatusBadRequest, "invalidValue", "userName is required")
		return "", false
	}
	return name, true
}

// userNames is the userName of each SCIM user, in order.
func userNames(users []map[string]any) []string {
	var out []string
	for _, u := range users {
		out = append(out, u["userName"].(string))
	}
	return out
}
