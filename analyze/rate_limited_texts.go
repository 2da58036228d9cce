package analyze

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
)

// The rate-limited findings' texts, and the waits and request keys they measure.

// writeAnswer says how the limited request was answered and what wait it
// was given.
func (l *limited) writeAnswer(d *strings.Builder) {
	fmt.Fprintf(d, "#%d (%s %s) was answered %s at %s", l.id, l.method, l.path, l.summary(), clock(l.end))
	if l.attempt > 1 {
		fmt.Fprintf(d, " (attempt %d of this request)", l.attempt)
	}
	if l.wait >= 0 {
		fmt.Fprintf(d, ", which asks the client to wait %s (%s)", durText(l.wait), l.waitFrom)
	} else {
		d.WriteString(", which gives no wait (no Retry-After or RateLimit reset)")
	}
}

func (a *RateLimited) gaveUpFinding(l *limited, reached time.Time) Finding {
	sev := Error
	var d strings.Builder
	l.writeAnswer(&d)
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
