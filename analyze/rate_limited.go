package analyze

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
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
	scopes map[scope]*rateScope
	order  []scope // insertion order, to bound the map
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
func NewRateLimited() *RateLimited { return &RateLimited{scopes: map[scope]*rateScope{}} }

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
	sc := a.scopes[key]
	if sc == nil {
		sc = &rateScope{}
		a.scopes[key] = sc
		a.order = append(a.order, key)
		if len(a.order) > rateScopes {
			delete(a.scopes, a.order[0])
			a.order = a.order[1:]
		}
	}
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
		l.contentType = f.ResponseHeader("Content-Type")
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
	fmt.Fprintf(&d, "#%d (%s %s) was answered %s at %s", prev.id, prev.method, prev.path, prev.summary(), clock(prev.end))
	if prev.attempt > 1 {
		fmt.Fprintf(&d, " (attempt %d of this request)", prev.attempt)
	}
	if prev.wait >= 0 {
		fmt.Fprintf(&d, ", which asks the client to wait %s (%s)", durText(prev.wait), prev.waitFrom)
	} else {
		d.WriteString(", which gives no wait (no Retry-After or RateLimit reset)")
	}
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

func (a *RateLimited) gaveUpFinding(l *limited, reached time.Time) Finding {
	sev := Error
	var d strings.Builder
	fmt.Fprintf(&d, "#%d (%s %s) was answered %s at %s", l.id, l.method, l.path, l.summary(), clock(l.end))
	if l.attempt > 1 {
		fmt.Fprintf(&d, " (attempt %d of this request)", l.attempt)
	}
	if l.wait >= 0 {
		fmt.Fprintf(&d, ", which asks the client to wait %s (%s)", durText(l.wait), l.waitFrom)
	} else {
		d.WriteString(", which gives no wait (no Retry-After or RateLimit reset)")
	}
	window := max(l.wait, 0) + rateGiveUp
	if reached.Before(l.deadline) {
		sev = Warning
		fmt.Fprintf(&d, ". The capture ends %s after it, before the %s provtap waits for a retry, and has no retry of the same request: "+
			"the client may have given up. ", ago(l.end, reached), durText(window))
	} else {
		fmt.Fprintf(&d, ". The client did not send the same request again within %s: it gave up, and the %s was never done. ",
			durText(window), l.method)
	}
	writeEpisode(&d, l.sc)
	fd := Finding{Kind: KindRateLimited, Severity: sev, Flow: l.id, Related: related(l.id, []int{l.sc.first, l.sc.drained}),
		Title:  fmt.Sprintf("%s %s not retried after a %d (%s)", l.method, shorten(l.path, 50), l.status, waitShort(l)),
		Detail: strings.TrimSpace(d.String()), Fix: rateFix("gave up", l)}
	fd.group = KindRateLimited + "\x00" + l.scope.client + "\x00" + l.scope.where + "\x00gave up"
	return fd
}

func waitShort(l *limited) string {
	if l.wait < 0 {
		return "no Retry-After"
	}
	return l.waitFrom
}

func writeEpisode(d *strings.Builder, sc *rateScope) {
	if sc.episode != "" {
		d.WriteString(sc.episode)
		d.WriteString(" ")
	}
	if sc.drained != 0 && sc.drained < sc.first {
		fmt.Fprintf(d, "#%d had already answered RateLimit-Remaining: 0 at %s. ", sc.drained, clock(sc.drainAt))
	}
}

func rateFix(how string, l *limited) string {
	switch how {
	case "early":
		return "Make the connector honour Retry-After: on a 429 (or 503 with Retry-After) wait at least the time it gives " +
			"(" + l.waitFrom + ") before sending the request again, and use exponential backoff when it is absent. " +
			"Connectors with a fixed retry interval (or an HTTP client's automatic retry) ignore it."
	case "at once":
		return "Back off before retrying a 429: the server gives no Retry-After, so wait (exponential backoff with jitter, " +
			"starting at a second or more) instead of resending at once; or ask the API's owner to send Retry-After."
	}
	fix := "Enable the connector's retry on 429 (and 503 with Retry-After): wait the time the server gives"
	if l.wait >= 0 {
		fix += " (" + l.waitFrom + ")"
	}
	return fix + " and send the request again, a few times with backoff, instead of failing the operation; " +
		"lower the number of threads or the request rate if the limit is hit often."
}

// summary is "429 Too Many Requests “…”" with the rate headers.
func (l *limited) summary() string { return writeLimit(l.status, l.body, l.contentType, l.headers) }

func writeLimit(status int, body []byte, contentType string, headers []capture.Header) string {
	s := strconv.Itoa(status)
	if t := http.StatusText(status); t != "" {
		s += " " + t
	}
	if r := reasonFrom(body, contentType); r != "" {
		s += " “" + r + "”"
	}
	var hs []string
	for _, h := range headers {
		hs = append(hs, h.Name+": "+shorten(h.Value, 60))
	}
	if len(hs) > 0 {
		s += " (" + strings.Join(hs, ", ") + ")"
	}
	return s
}

// rateEvidence is the client's request rate over the window before the
// first 429, and how many of those requests were in flight at once.
func rateEvidence(sc *rateScope, fx *Facts) string {
	f := fx.Flow
	var in []reqTime
	n := min(sc.n, rateRecent)
	for i := 0; i < n; i++ {
		r := sc.recent[(sc.n-1-i)%rateRecent]
		if r.start.Before(f.Start.Add(-rateWindow)) || r.start.After(f.Start) {
			continue
		}
		in = append(in, r)
	}
	if len(in) == 0 {
		return ""
	}
	earliest := f.Start
	for _, r := range in {
		if r.start.Before(earliest) {
			earliest = r.start
		}
	}
	conc := 0
	for _, r := range in {
		c := 0
		for _, q := range in {
			if !q.start.After(r.start) && q.end.After(r.start) {
				c++
			}
		}
		conc = max(conc, c)
	}
	span := f.Start.Sub(earliest)
	var d strings.Builder
	more := ""
	if len(in) == rateRecent {
		more = " at least"
	}
	switch {
	case len(in) == 1:
		fmt.Fprintf(&d, "The first %d (#%d) came on this client's first request to the API in %s.", f.Status, f.ID, durText(rateWindow))
	case span <= 0:
		fmt.Fprintf(&d, "Before the first %d (#%d) this client sent%s %d requests to the API at the same instant.", f.Status, f.ID, more, len(in))
	case span < time.Second:
		fmt.Fprintf(&d, "Before the first %d (#%d) this client sent%s %d requests to the API within %s", f.Status, f.ID,
			more, len(in), gapText(span))
		if conc > 1 {
			fmt.Fprintf(&d, ", up to %d in flight at once", conc)
		}
		d.WriteString(".")
	default:
		fmt.Fprintf(&d, "Before the first %d (#%d) this client sent%s %d requests to the API in %s (%.1f requests/s)", f.Status, f.ID,
			more, len(in), durText(span), float64(len(in)-1)/span.Seconds())
		if conc > 1 {
			fmt.Fprintf(&d, ", up to %d in flight at once", conc)
		}
		d.WriteString(".")
	}
	return d.String()
}

// remainingZero: a response that says the client's quota is used up.
func remainingZero(fx *Facts) bool {
	for _, h := range fx.Flow.ResponseHeaders {
		if !rateLimitHeader(h.Name) {
			continue
		}
		n := strings.ToLower(h.Name)
		v := strings.TrimSpace(h.Value)
		if strings.HasSuffix(n, "remaining") && v == "0" {
			return true
		}
		if strings.TrimPrefix(n, "x-") == "ratelimit" && strings.Contains(strings.ReplaceAll(v, " ", ""), ";r=0") {
			return true
		}
	}
	return false
}

// waitOf is how long the server asked the client to wait (-1: it did not
// say), the header that said it, and the slack a retry is allowed: 100 ms
// for the hop between provtap and the client, a second more for a time of
// day (an HTTP-date or an epoch reset has whole seconds, and so has the
// Date it is measured against).
func waitOf(fx *Facts) (time.Duration, string, time.Duration) {
	f := fx.Flow
	respTime := f.End
	if respTime.IsZero() {
		respTime = f.Start
	}
	if date, err := http.ParseTime(f.ResponseHeader("Date")); err == nil {
		respTime = date
	}
	if v := strings.TrimSpace(f.ResponseHeader("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, "Retry-After: " + v, rateSlack
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(respTime), 0), "Retry-After: " + v, rateSlack + time.Second
		}
	}
	for _, h := range f.ResponseHeaders {
		n := strings.ToLower(h.Name)
		v := strings.TrimSpace(h.Value)
		switch n {
		case "ratelimit":
			// draft-ietf-httpapi-ratelimit-headers: "default";r=0;t=30
			for _, part := range strings.Split(v, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "t" {
					if secs, err := strconv.ParseInt(val, 10, 64); err == nil && secs >= 0 {
						return time.Duration(secs) * time.Second, h.Name + ": " + shorten(v, 40), rateSlack
					}
				}
			}
		case "ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset":
			secs, err := strconv.ParseFloat(v, 64)
			if err != nil || secs < 0 {
				continue
			}
			if secs > 1e9 { // epoch seconds (GitHub, many gateways)
				return max(time.Unix(int64(secs), 0).Sub(respTime), 0), h.Name + ": " + v, rateSlack + time.Second
			}
			return time.Duration(secs * float64(time.Second)), h.Name + ": " + v, rateSlack
		}
	}
	return -1, "", 0
}

// requestKey is what makes a request "the same request": method, path,
// the query without its paging and cache-busting parameters, and the
// body's digest.
func requestKey(fx *Facts) string {
	f := fx.Flow
	k := f.Method + " " + fx.Path
	if len(fx.Query) > 0 {
		names := make([]string, 0, len(fx.Query))
		for name := range fx.Query {
			if !volatileParams[strings.ToLower(name)] {
				names = append(names, name)
			}
		}
		for _, name := range sortedStrings(names) {
			k += "&" + name + "=" + strings.Join(fx.Query[name], ",")
		}
	}
	if len(f.RequestBody.Bytes) > 0 {
		k += " " + digest(string(f.RequestBody.Bytes))
	}
	return k
}

// volatileParams change between attempts of one request, or between the
// pages of one read: paging, cache busters, request ids.
var volatileParams = setOf("startindex", "count", "page", "pagesize", "page_size", "per_page", "offset", "limit", "cursor",
	"$skip", "$top", "$skiptoken", "_", "ts", "timestamp", "nocache", "rnd", "requestid", "request_id")

func gapText(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func durText(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", int64(d/time.Second))
	}
	return gapText(d)
}
