package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/provtap/provtap/capture"
)

// Replayer sends a captured (possibly edited) request again through
// provtap's upstream settings and returns the exchange as a new flow linked
// to the original (ReplayOf). Provisioning calls have side effects: callers
// must ask the user first.
type Replayer interface {
	Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error)
}

// Replay sends f through the proxy's upstream transport. The new flow also
// arrives on Flows(), so it is recorded and analyzed like any other.
func (p *Proxy) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	id, start := p.nextID()
	out, err := sendAgain(ctx, p.transport, p.opts.UpstreamProxy, f, id, start, p.opts.MaxBody)
	if out != nil {
		p.queue.push(out)
	}
	return out, err
}

// OfflineReplayer replays flows of a saved capture (`provtap open`).
type OfflineReplayer struct {
	transport *http.Transport
	upstream  *url.URL // the upstream proxy, named in errors
	maxBody   int64
	mu        sync.Mutex
	lastID    int
}

// NewReplayer makes a replayer with opts' upstream settings (upstream proxy,
// upstream roots, --insecure-upstream, --max-body); new flows are numbered
// after lastID.
func NewReplayer(opts Options, lastID int) *OfflineReplayer {
	if opts.MaxBody == 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.UpstreamTimeout == 0 {
		opts.UpstreamTimeout = 2 * time.Minute
	}
	return &OfflineReplayer{transport: newTransport(opts), upstream: opts.UpstreamProxy, maxBody: opts.MaxBody, lastID: lastID}
}

// Replay implements Replayer.
func (r *OfflineReplayer) Replay(ctx context.Context, f *capture.Flow) (*capture.Flow, error) {
	r.mu.Lock()
	r.lastID++
	id := r.lastID
	r.mu.Unlock()
	return sendAgain(ctx, r.transport, r.upstream, f, id, time.Now().Truncate(time.Microsecond), r.maxBody)
}

// ErrTruncatedBody: the capture kept only part of the body, so the request
// cannot be sent again as it was.
var ErrTruncatedBody = errors.New("the request body was truncated at --max-body when captured; it cannot be replayed exactly")

func sendAgain(ctx context.Context, t http.RoundTripper, upstreamProxy *url.URL, orig *capture.Flow, id int, start time.Time, maxBody int64) (*capture.Flow, error) {
	src := orig
	if src.RequestBody.Truncated {
		return nil, ErrTruncatedBody
	}
	body := src.RequestBody.Bytes
	req, err := http.NewRequestWithContext(ctx, src.Method, src.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.ContentLength = int64(len(body))
	if len(body) == 0 {
		req.Body = http.NoBody
	}
	hop := map[string]bool{"connection": true, "keep-alive": true, "proxy-connection": true, "proxy-authorization": true,
		"te": true, "trailer": true, "transfer-encoding": true, "upgrade": true, "content-length": true, "expect": true}
	for _, h := range src.RequestHeaders {
		name := strings.ToLower(h.Name)
		switch {
		case name == "host":
			req.Host = h.Value
		case hop[name]:
		default:
			// Keep the captured spelling: net/http writes map keys as given.
			req.Header[h.Name] = append(req.Header[h.Name], h.Value)
		}
	}
	if _, ok := req.Header["User-Agent"]; !ok && src.RequestHeader("User-Agent") == "" {
		req.Header["User-Agent"] = []string{""}
	}
	if src.Target != "" {
		setRawTarget(req, src.Target)
	}
	out := &capture.Flow{
		ID: id, Start: start, ReplayOf: orig.ID, ClientAddr: "provtap replay",
		Scheme: src.Scheme, Host: src.Host, Port: src.Port, Method: src.Method, URL: src.URL, Target: src.Target,
		Proto: "HTTP/1.1", RequestHeaders: append([]capture.Header(nil), src.RequestHeaders...),
		RequestBody: capture.Body{Bytes: append([]byte(nil), body...), Size: int64(len(body))},
	}
	res, err := t.RoundTrip(req)
	sent := time.Now()
	if err != nil {
		_, msg := describeUpstreamError(err, upstreamProxy)
		out.Error, out.End = msg, sent
		out.Timings.Send = sent.Sub(start)
		return out, errors.New(msg)
	}
	defer res.Body.Close()
	out.Status, out.StatusText, out.ResponseProto = res.StatusCode, statusText(res), res.Proto
	out.ResponseHeaders = headersFromMap("", res.Header)
	rec := &bodyRecorder{rc: res.Body, body: &out.ResponseBody, max: maxBody, done: func(error) {}}
	_, rerr := io.Copy(io.Discard, rec)
	out.End = time.Now()
	if rerr != nil {
		out.Error = "upstream failed while sending the response: " + rerr.Error()
	}
	out.Timings = capture.Timings{Wait: sent.Sub(start), Receive: out.End.Sub(sent)}
	return out, nil
}
