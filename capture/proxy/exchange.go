package proxy

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"

	"github.com/google/martian/v3"
)

// exchange is the state of one flow while it is in flight.
type exchange struct {
	p         *Proxy
	flow      *capture.Flow
	req       *http.Request // as martian read it (takeExchange)
	cc        *clientConn
	reject    int       // a status provtap answers itself (407) instead of forwarding
	sentAt    time.Time // request body fully read
	headersAt time.Time // response headers received
	mu        sync.Mutex
	pending   int // bodies not yet finished; the flow is handed on at 0

	// The bodies' recorders live in the exchange: one allocation per flow
	// rather than three.
	requestBody, responseBody bodyRecorder
}

// requestEnd and responseEnd are the exchange as its two bodies' ends
// (pointers in an interface: no closure allocated per flow).
type (
	requestEnd  exchange
	responseEnd exchange
)

func (x *requestEnd) bodyDone(err error)  { (*exchange)(x).requestSent(err) }
func (x *responseEnd) bodyDone(err error) { (*exchange)(x).responseDone(err) }

const exchangeKey = "provtap.exchange"

// takeExchange is req's exchange, started by modifyRequest: the client
// connection's current one (martian handles a connection's requests one at
// a time, on one goroutine), else from martian's context, where
// modifyRequest puts it for a connection it does not track. Setting and
// reading martian's context cost a map, two locks and a global lock's
// lookup per request.
func (p *Proxy) takeExchange(req *http.Request) *exchange {
	if req == nil {
		return nil
	}
	if cc := p.lookup(req.RemoteAddr); cc != nil && cc.current != nil && cc.current.req == req {
		x := cc.current
		cc.current = nil
		return x
	}
	v, _ := martian.NewContext(req).Get(exchangeKey)
	x, _ := v.(*exchange)
	return x
}

// modifyRequest runs for every request martian reads: it starts the flow
// (ID, start time, wire-order headers) and prepares the upstream request.
func (p *Proxy) modifyRequest(req *http.Request) error {
	cc := p.lookup(req.RemoteAddr)
	if req.Method == http.MethodConnect {
		p.connect(req, cc)
		return nil
	}
	id, start := p.nextID()
	f := &capture.Flow{ID: id, Start: start, ClientAddr: req.RemoteAddr, Method: req.Method, Proto: req.Proto}
	x := &exchange{p: p, flow: f, cc: cc, req: req, pending: 1}
	f.RequestHeaders = cc.takeHead(req)
	if cc == nil {
		martian.NewContext(req).Set(exchangeKey, x)
	} else {
		cc.current = x
		f.ConnID = cc.id
		if cc.secure {
			req.URL.Scheme = "https"
			if !cc.markedSecure { // martian's session is the connection's: once is enough
				martian.NewContext(req).Session().MarkSecure()
				cc.markedSecure = true
			}
		}
		if cc.connectHost != "" {
			// Dial what the client asked to CONNECT to; keep its Host header.
			req.URL.Host = cc.connectHost
		}
	}
	if !p.authorized(req, cc) {
		x.reject = http.StatusProxyAuthRequired
	}
	if p.authValue != "" {
		f.RequestHeaders = withoutProxyAuth(f.RequestHeaders)
	}
	target := requestTargetPath(req.RequestURI)
	if t := p.opts.Target; t != nil {
		target = joinTarget(t, target)
		f.OriginalHost = req.Host
		req.URL.Scheme, req.URL.Host, req.Host = t.Scheme, t.Host, t.Host
		for i, h := range f.RequestHeaders {
			if strings.EqualFold(h.Name, "Host") {
				f.RequestHeaders[i].Value = t.Host
			}
		}
	}
	setRawTarget(req, target)
	f.Target = target
	f.Scheme = req.URL.Scheme
	f.Host, f.Port = hostPort(req.URL.Host, f.Scheme)
	f.URL = f.Scheme + "://" + req.URL.Host + target

	if isUpgrade(req) {
		p.upgrade(req, x)
		return nil
	}
	if strings.EqualFold(req.Header.Get("Expect"), "100-continue") && cc != nil && x.reject == 0 {
		// Let the client send its body now rather than after curl's 1 s wait;
		// the upstream transport streams it on.
		_, _ = cc.Write([]byte("HTTP/1.1 100 Continue\r\n\r\n"))
		req.Header.Del("Expect")
	}
	httpx.RemoveHopByHop(req.Header)
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{""} // Go would add its own
	}
	if req.Body != nil && req.Body != http.NoBody {
		x.pending++
		x.requestBody.init(req.Body, &f.RequestBody, p.opts.MaxBody, req.ContentLength, (*requestEnd)(x))
		req.Body = &x.requestBody
	} else {
		x.sentAt = start
	}
	return nil
}

// requestTargetPath turns an absolute-form request target
// (http://host/p?q) into its path and query bytes; origin-form passes as is.
func requestTargetPath(uri string) string {
	i := strings.Index(uri, "://")
	if i <= 0 || strings.HasPrefix(uri, "/") {
		return uri
	}
	rest := uri[i+3:]
	j := strings.IndexAny(rest, "/?")
	switch {
	case j < 0:
		return "/"
	case rest[j] == '?':
		return "/" + rest[j:]
	}
	return rest[j:]
}

// joinTarget prefixes the reverse-mode target's base path.
func joinTarget(t interface{ EscapedPath() string }, target string) string {
	base := strings.TrimSuffix(t.EscapedPath(), "/")
	if base == "" {
		return target
	}
	return base + target
}

// setRawTarget makes the upstream request carry the path bytes exactly as the
// client sent them; net/url would otherwise re-escape some of them.
func setRawTarget(req *http.Request, target string) {
	path, query, hasQuery := strings.Cut(target, "?")
	if !strings.HasPrefix(path, "/") {
		return
	}
	if path != req.URL.EscapedPath() {
		req.URL.Opaque = path
	}
	req.URL.RawQuery = query
	req.URL.ForceQuery = hasQuery && query == ""
}

func (x *exchange) requestSent(err error) {
	x.mu.Lock()
	x.sentAt = time.Now()
	if err != nil && x.flow.Error == "" {
		x.flow.Error = "the client aborted while sending the request body: " + err.Error()
	}
	x.mu.Unlock()
	x.finishOne()
}

func (x *exchange) responseDone(err error) {
	end := time.Now()
	x.mu.Lock()
	f := x.flow
	f.End = end
	if err != nil && f.Error == "" {
		f.Error = err.Error()
	}
	if x.headersAt.IsZero() {
		x.headersAt = end
	}
	sent := x.sentAt
	if sent.IsZero() || sent.After(x.headersAt) {
		sent = x.headersAt
	}
	f.Timings = capture.Timings{Send: sent.Sub(f.Start), Wait: x.headersAt.Sub(sent), Receive: end.Sub(x.headersAt)}
	x.mu.Unlock()
	if x.cc != nil {
		x.cc.responseDone()
	}
	x.finishOne()
}

func (x *exchange) finishOne() {
	x.mu.Lock()
	x.pending--
	last := x.pending == 0
	x.mu.Unlock()
	if last {
		x.p.queue.push(x.flow)
	}
}

// bodyRecorder streams a body through, keeping at most max bytes of it.
type bodyRecorder struct {
	rc      io.ReadCloser
	body    *capture.Body
	max     int64
	end     bodyEnd
	readErr error
	eof     bool
	// incomplete is the error recorded when the body is closed before its
	// end (nil for requests: the transport may stop reading by design).
	incomplete error
	once       sync.Once
}

// bodyEnd is told once that a body was read to its end (nil) or not.
type bodyEnd interface{ bodyDone(err error) }

// noEnd is the end of a body nobody waits for.
type noEnd struct{}

func (noEnd) bodyDone(error) {}

// init sizes the kept buffer from the declared length, so recording a body
// costs one allocation rather than a series of growths.
func (b *bodyRecorder) init(rc io.ReadCloser, body *capture.Body, max, length int64, end bodyEnd) {
	if length > 0 && max > 0 {
		body.Bytes = make([]byte, 0, min(length, max))
	}
	b.rc, b.body, b.max, b.end = rc, body, max, end
}

func (b *bodyRecorder) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.body.Size += int64(n)
		if room := b.max - int64(len(b.body.Bytes)); room > 0 {
			b.body.Bytes = append(b.body.Bytes, p[:min(int64(n), room)]...)
		}
		if b.body.Size > int64(len(b.body.Bytes)) {
			b.body.Truncated = true
		}
	}
	if err == io.EOF {
		b.eof = true
		b.finish(nil)
	} else if err != nil {
		b.readErr = err
	}
	return n, err
}

func (b *bodyRecorder) Close() error {
	err := b.rc.Close()
	switch {
	case b.readErr != nil:
		b.finish(b.readErr)
	case !b.eof && b.incomplete != nil:
		b.finish(b.incomplete)
	default:
		b.finish(nil)
	}
	return err
}

func (b *bodyRecorder) finish(err error) {
	b.once.Do(func() { b.end.bodyDone(err) })
}
