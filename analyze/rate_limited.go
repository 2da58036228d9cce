package analyze

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
)

// KindRateLimited: a 429 (or a 503 with Retry-After or RateLimit headers)
// and what the client did next: retried before Retry-After expired,
// retried at once without backing off, or gave up.
const KindRateLimited = "rate-limited"

// RateLimited follows, per logical client and API, the answers that say
// "too many requests" and the requests that came after them.
//
// Choices:
//   - A rate limit is a 429, or a 503 with Retry-After or RateLimit-* /
//     X-RateLimit-* headers. A 503 without them is an outage, not this kind.
//   - The wait the server asked for is Retry-After (delta-seconds, or an
//     HTTP-date against the response's Date header, else its end: RFC 9110
//     §10.2.3), else the reset of RateLimit (`t=`), RateLimit-Reset or
//     X-RateLimit-Reset (delta-seconds, or epoch seconds when it is one).
//     The measured gap is from the limited response's end to the retry's
//     start, on the capture's clock; 100 ms of slack allow for the hop
//     between provtap and the client.
//   - "The same request" is the same method, path, query without paging
//     and cache-busting parameters (connectors change ?startIndex, a "_"
//     or a request id between attempts; a restarted paged read is a
//     retry), and body (a retry whose body changed is not recognised). Retry-After applies to what the client sends next, but a
//     request of another thread that never saw the 429 is not a retry: only
//     the same request counts, so threads sharing one account are judged
//     each on its own requests.
//   - Retried early (before the wait): an error when that retry was itself
//     limited (refused for the client's behaviour), else a warning. Retried
//     at once (no wait given, under 250 ms): an error when limited again,
//     else nothing. Gave up: the same request not sent again within the
//     wait plus 30 s: an error on the limited request (its operation was
//     lost), a warning when the capture ends before that window did.
//   - A burst just before the first 429 (how many of the client's
//     requests were in flight at once) is evidence in every finding, never
//     a finding of its own: threads that are limited, wait as told and
//     succeed did nothing wrong.
//   - Evidence: the limited flow, Retry-After against the measured gap, the
//     client's request rate over the 10 s before the first 429 and how many
//     were in flight at once, and a RateLimit-Remaining: 0 it ignored.
//   - State is bounded: per client and API the last 32 requests and 16
//     limited requests awaiting their retry, 4096 clients×APIs.
type RateLimited struct {
	scopes capped[scope, rateScope]
	held   []*limited
	last   time.Time // the latest flow start seen: the capture's clock
}

// rateScope is one logical client at one API.
type rateScope struct {
	recent  [rateRecent]reqTime // ring of the latest requests
	n       int                 // requests seen (next ring slot: n % rateRecent)
	open    []*limited          // limited requests awaiting a retry, oldest first
	episode string              // the rate evidence of the current run of 429s ("" when none)
	first   int                 // the first 429 of the current run
	drained int                 // the last success that said RateLimit-Remaining: 0
	drainAt time.Time
}

type reqTime struct {
	id         int
	start, end time.Time
}

// limited is one rate-limited request.
type limited struct {
	// What the findings cite of the limited flow (the flow itself is not
	// kept: its bodies belong to the engine).
	id     int
	method string
	path   string
	status int
	// What summary reads, kept to write it only when a finding needs
	// it: most 429s of a well-behaved client never do.
	body        []byte // a copy, capped
	contentType string
	headers     []capture.Header // Retry-After and RateLimit headers
	key         string           // method, path and body digest
	wait        time.Duration    // what the server asked for (-1: nothing)
	waitFrom    string           // "Retry-After: 1", "RateLimit-Reset: 2"
	slack       time.Duration    // how far short of wait a retry may come and still count as waiting
	end         time.Time
	attempt     int // 1 for the first 429 of this request, 2 after one retry…
	deadline    time.Time
	done        bool // retried, or released
	sc          *rateScope
	scope       scope
}

const (
	rateRecent    = 32
	rateOpenKept  = 16
	rateScopes    = 4096
	rateWindow    = 10 * time.Second
	rateSlack     = 100 * time.Millisecond
	rateAtOnce    = 250 * time.Millisecond
	rateGiveUp    = 30 * time.Second
	rateHeldLimit = 4096
	rateBodyKept  = 2048
)

// NewRateLimited returns the rate-limited analyzer.
func NewRateLimited() *RateLimited {
	return &RateLimited{scopes: newCapped[scope, rateScope](rateScopes)}
}

// Name implements Analyzer.
func (a *RateLimited) Name() string { return KindRateLimited }

// isRateLimit: a 429, or a 503 that says when to come back.
func isRateLimit(fx *Facts) bool {
	f := fx.Flow
	switch f.Status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusServiceUnavailable:
		if capture.HasHeader(f.ResponseHeaders, "Retry-After") {
			return true
		}
		for _, h := range f.ResponseHeaders {
			if rateLimitHeader(h.Name) {
				return true
			}
		}
	}
	return false
}

// rateLimitHeader: RateLimit, RateLimit-*, X-RateLimit-*, X-Rate-Limit-*.
func rateLimitHeader(name string) bool {
	if len(name) > 2 && (name[0] == 'x' || name[0] == 'X') && name[1] == '-' {
		name = name[2:]
	}
	return hasPrefixFold(name, "ratelimit") || hasPrefixFold(name, "rate-limit")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Observe implements Analyzer.
func (a *RateLimited) Observe(fx *Facts, emit func(Finding)) {
	if !fx.Analyzable || fx.Preflight || fx.Challenged {
		return
	}
	f := fx.Flow
	if f.Start.After(a.last) {
		a.last = f.Start
	}
	key := scope{fx.Client.Key, fx.API}
	sc := a.scopes.add(key)
	sc.recent[sc.n%rateRecent] = reqTime{f.ID, f.Start, f.End}
	sc.n++
	limitedNow := isRateLimit(fx)
	if len(sc.open) == 0 && !limitedNow {
		if sc.episode != "" && fx.Succeeded() {
			sc.episode, sc.first = "", 0
		}
		if succeeded(f) && remainingZero(fx) {
			sc.drained, sc.drainAt = f.ID, f.End
		}
		return
	}
	rk := requestKey(fx)
	var prev *limited
	for i := len(sc.open) - 1; i >= 0; i-- {
		if o := sc.open[i]; o.key == rk && !f.Start.Before(o.end) {
			prev = o
			sc.open = append(sc.open[:i], sc.open[i+1:]...)
			break
		}
	}
	if limitedNow && sc.episode == "" {
		sc.first = f.ID
		sc.episode = rateEvidence(sc, fx)
	}
	if prev != nil {
		prev.done = true
		a.judgeRetry(fx, prev, limitedNow, sc, key, emit)
	}
	if limitedNow {
		wait, from, slack := waitOf(fx)
		l := &limited{id: f.ID, method: f.Method, path: shorten(pathOnly(f), 60), status: f.Status, key: rk, wait: wait, waitFrom: from, slack: slack, end: f.End, attempt: 1, sc: sc, scope: key}
		if l.end.Before(f.Start) {
			l.end = f.Start
		}
		if b := fx.ResponseText(); len(b) > 0 {
			l.body = append([]byte(nil), b[:min(len(b), rateBodyKept)]...)
		}
		l.contentType = fx.respHeader(hContentType)
		for _, h := range f.ResponseHeaders {
			if strings.EqualFold(h.Name, "Retry-After") || rateLimitHeader(h.Name) {
				l.headers = append(l.headers, h)
			}
		}
		if prev != nil {
			l.attempt = prev.attempt + 1
		}
		l.deadline = l.end.Add(max(wait, 0) + rateGiveUp)
		sc.open = append(sc.open, l)
		if len(sc.open) > rateOpenKept {
			sc.open[0].done = true
			sc.open = sc.open[1:]
		}
		a.held = append(a.held, l)
		if len(a.held) > rateHeldLimit {
			a.held[0].done = true
		}
		a.trim()
	} else if fx.Succeeded() && len(sc.open) == 0 {
		sc.episode, sc.first = "", 0
	}
}

// judgeRetry explains a retry of a limited request: too early, or at once.
func (a *RateLimited) judgeRetry(fx *Facts, prev *limited, limitedNow bool, sc *rateScope, key scope, emit func(Finding)) {
	f := fx.Flow
	gap := f.Start.Sub(prev.end)
	var sev Severity
	var title, how string
	switch {
	case prev.wait >= 0 && gap+prev.slack < prev.wait:
		sev = Warning
		if limitedNow {
			sev = Error
		}
		how = "early"
		title = fmt.Sprintf("%s %s retried %s after a %d that said %s", f.Method, shorten(pathOnly(f), 50),
			gapText(gap), prev.status, prev.waitFrom)
	case prev.wait < 0 && gap < rateAtOnce && limitedNow:
		sev = Error
		how = "at once"
		title = fmt.Sprintf("%s %s retried %s after a %d, without backing off", f.Method, shorten(pathOnly(f), 50),
			gapText(gap), prev.status)
	default:
		return
	}
	var d strings.Builder
	prev.writeAnswer(&d)
	fmt.Fprintf(&d, ". This retry of the same request started %s after that response ended", gapText(gap))
	if prev.wait >= 0 {
		fmt.Fprintf(&d, ": %s too early", durText(prev.wait-gap))
	}
	d.WriteString(". ")
	if limitedNow {
		fmt.Fprintf(&d, "The server limited it again: %d", f.Status)
		if w, from, _ := waitOf(fx); w >= 0 {
			fmt.Fprintf(&d, " with %s", from)
		}
		d.WriteString(". ")
	} else {
		fmt.Fprintf(&d, "The server answered it %d this time. ", f.Status)
	}
	writeEpisode(&d, sc)
	fd := Finding{Kind: KindRateLimited, Severity: sev, Flow: f.ID, Related: related(f.ID, []int{prev.id, sc.first, sc.drained}),
		Title: title, Detail: strings.TrimSpace(d.String()), Fix: rateFix(how, prev)}
	fd.group = KindRateLimited + "\x00" + key.client + "\x00" + key.where + "\x00" + how
	emit(fd)
}

// Holding implements Settler: the earliest limited request still waiting
// to see whether it is retried.
func (a *RateLimited) Holding() int {
	if len(a.held) == 0 {
		return 0
	}
	return a.held[0].id
}

// Settle implements Settler: a limited request not retried by its deadline
// was given up.
func (a *RateLimited) Settle(t time.Time, emit func(Finding)) {
	// The end of the capture (Flush) reaches only as far as its last flow.
	reached := t
	if t.Unix() >= math.MaxInt32 {
		reached = a.last
	}
	for len(a.held) > 0 {
		l := a.held[0]
		if !l.done {
			if t.Before(l.deadline) {
				break
			}
			l.done = true
			for i, o := range l.sc.open {
				if o == l {
					l.sc.open = append(l.sc.open[:i], l.sc.open[i+1:]...)
					break
				}
			}
			emit(a.gaveUpFinding(l, reached))
		}
		a.held = a.held[1:]
	}
	if len(a.held) == 0 {
		a.held = nil
	}
}

func (a *RateLimited) trim() {
	n := 0
	for n < len(a.held) && a.held[n].done {
		n++
	}
	if n > 0 {
		a.held = append(a.held[:0], a.held[n:]...)
	}
}
