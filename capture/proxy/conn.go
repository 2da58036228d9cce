package proxy

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/capture"
)

// clientConn wraps a client connection (plain, or the decrypted side of a
// MITM'd tunnel). It remembers the header bytes the client sent, so flows
// keep headers in wire order with their original spelling (net/http only
// gives a map), and it enforces an idle timeout in place of martian's
// per-request deadline, which would cut off long transfers.
type clientConn struct {
	net.Conn
	id          int64
	secure      bool   // requests on it are https (decrypted TLS)
	connectHost string // host:port of the CONNECT that opened the tunnel
	authed      bool   // passed --proxy-auth on its CONNECT
	idle        time.Duration
	onClose     func()
	readBy      atomic.Int64 // when (monoNanos) the read deadline was last pushed to
	writeBy     atomic.Int64
	// wrapped: the decrypted side of a MITM'd tunnel is a clientConn of
	// its own over this one, which remembers heads and pushes the
	// socket's deadlines; this one passes bytes through.
	wrapped atomic.Bool
	// current is the exchange of the request martian is handling on this
	// connection, and markedSecure says its martian session is marked
	// https: both are used only by the connection's martian goroutine.
	current      *exchange
	markedSecure bool

	mu       sync.Mutex
	buf      []byte // bytes read that may hold the next request's head
	skip     int64  // body bytes still to come that need not be remembered
	tunnel   bool   // ciphertext follows; stop remembering
	headRead int64  // bytes read while waiting for a request head
	closeOne sync.Once
}

// Limits on what a client may send before its request head is complete:
// generous for real clients (70 KB header lines pass), fatal for garbage.
const (
	maxRemembered = 256 << 10
	maxHeadBytes  = 1 << 20
)

var errHeadTooLarge = errors.New("request head larger than 1 MiB")

// pushDeadline moves an idle deadline forward, but only once it has come a
// second (or half the idle time) closer: setting it on every call costs more
// than the rest of the wrapper.
func (c *clientConn) pushDeadline(at *atomic.Int64, set func(time.Time) error) {
	if c.idle <= 0 {
		return
	}
	now := monoNanos()
	slack := min(time.Second, c.idle/2)
	if at.Load()-now > int64(c.idle-slack) {
		return
	}
	at.Store(now + int64(c.idle))
	_ = set(time.Now().Add(c.idle))
}

// monoNanos is the monotonic clock in nanoseconds: one clock read, where
// time.Now reads two (wall and monotonic), on a path taken for every read
// and write of every connection.
func monoNanos() int64 { return int64(time.Since(clockBase)) }

var clockBase = time.Now()

func (c *clientConn) Read(p []byte) (int, error) {
	if c.wrapped.Load() {
		return c.Conn.Read(p)
	}
	c.pushDeadline(&c.readBy, c.Conn.SetReadDeadline)
	n, err := c.Conn.Read(p)
	if n > 0 && c.remember(p[:n]) {
		return 0, errHeadTooLarge
	}
	return n, err
}

func (c *clientConn) Write(p []byte) (int, error) {
	if c.wrapped.Load() {
		return c.Conn.Write(p)
	}
	c.pushDeadline(&c.writeBy, c.Conn.SetWriteDeadline)
	return c.Conn.Write(p)
}

// SetDeadline is ignored: martian sets one per request, which would kill a
// long upload or download; Read and Write apply the idle timeout instead.
func (c *clientConn) SetDeadline(time.Time) error { return nil }

func (c *clientConn) Close() error {
	var err error
	c.closeOne.Do(func() {
		err = c.Conn.Close()
		if c.onClose != nil {
			c.onClose()
		}
	})
	return err
}

// remember appends read bytes to the head buffer; it reports true when the
// client has sent more than maxHeadBytes without completing a request head.
func (c *clientConn) remember(data []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tunnel {
		return false
	}
	if c.skip > 0 {
		k := min(c.skip, int64(len(data)))
		c.skip -= k
		data = data[k:]
	}
	c.headRead += int64(len(data))
	if c.headRead > maxHeadBytes {
		return true
	}
	c.buf = append(c.buf, data...)
	if len(c.buf) > maxRemembered {
		// A long body without Content-Length: keep only the tail, where the
		// next request head will begin.
		keep := c.buf[len(c.buf)-maxRemembered/4:]
		c.buf = append(c.buf[:0], keep...)
	}
	return false
}

// responseDone resets the head budget: the client may now send the next request.
func (c *clientConn) responseDone() {
	c.mu.Lock()
	c.headRead = int64(len(c.buf))
	c.mu.Unlock()
}

// stopRemembering is called when the connection becomes an opaque tunnel.
func (c *clientConn) stopRemembering() {
	c.mu.Lock()
	c.tunnel = true
	c.buf = nil
	c.mu.Unlock()
}

// takeHead finds req's request line and header block among the remembered
// bytes and returns the headers in wire order. It falls back to the
// (sorted) header map when the bytes cannot be matched to req.
func (c *clientConn) takeHead(req *http.Request) []capture.Header {
	if c != nil {
		c.mu.Lock()
		hs, ok := c.takeHeadLocked(req)
		c.mu.Unlock()
		if ok {
			return hs
		}
	}
	return headersFromMap(req.Host, req.Header)
}

func (c *clientConn) takeHeadLocked(req *http.Request) ([]capture.Header, bool) {
	i := requestLineAt(c.buf, req)
	if i < 0 {
		return nil, false
	}
	rest := c.buf[i:]
	// nextLine is the line starting at pos, without its line break, and
	// where the next one starts.
	nextLine := func(pos int) ([]byte, int, bool) {
		j := bytes.IndexByte(rest[pos:], '\n')
		if j < 0 {
			return nil, 0, false
		}
		return bytes.TrimSuffix(rest[pos:pos+j], []byte("\r")), pos + j + 1, true
	}
	l, start, ok := nextLine(0)
	if !ok || len(l) != 0 {
		return nil, false // request line continues: not our line
	}
	end, pos := start, start
	for {
		l, next, ok := nextLine(end)
		if !ok {
			return nil, false
		}
		if len(l) == 0 {
			pos = next
			break
		}
		end = next
	}
	// One string for the whole header block: names and values are parts of it.
	block := string(rest[start:end])
	hs := make([]capture.Header, 0, len(req.Header)+1)
	for line := range strings.Lines(block) {
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		name, value, found := strings.Cut(line, ":")
		if !found || len(name) == 0 || line[0] == ' ' || line[0] == '\t' {
			return nil, false
		}
		hs = append(hs, capture.Header{Name: name, Value: strings.Trim(value, " \t")})
	}
	if !sameHeaders(hs, req) {
		return nil, false
	}
	// Forget the head; remember nothing of a body of known length.
	after := rest[pos:]
	if req.ContentLength > 0 {
		inBuf := min(int64(len(after)), req.ContentLength)
		after = after[inBuf:]
		c.skip = req.ContentLength - inBuf
	}
	c.buf = append(c.buf[:0], after...)
	c.headRead = int64(len(c.buf))
	return hs, true
}

// requestLineAt is where req's request line ends in buf (just before its
// line break), or -1. The head is usually at the start of what was
// remembered; otherwise it is searched for.
func requestLineAt(buf []byte, req *http.Request) int {
	match := func(b []byte) bool {
		n := len(req.Method) + 1 + len(req.RequestURI) + 1 + len(req.Proto)
		return len(b) >= n && string(b[:len(req.Method)]) == req.Method && b[len(req.Method)] == ' ' &&
			string(b[len(req.Method)+1:len(req.Method)+1+len(req.RequestURI)]) == req.RequestURI &&
			b[n-len(req.Proto)-1] == ' ' && string(b[n-len(req.Proto):n]) == req.Proto
	}
	n := len(req.Method) + 1 + len(req.RequestURI) + 1 + len(req.Proto)
	if match(buf) {
		return n
	}
	line := []byte(req.Method + " " + req.RequestURI + " " + req.Proto)
	if i := bytes.Index(buf, line); i >= 0 {
		return i + n
	}
	return -1
}

// sameHeaders checks parsed wire headers against what net/http parsed
// (which moves Host out of the map): the same values, per name, in order,
// and no value the wire did not carry.
func sameHeaders(hs []capture.Header, req *http.Request) bool {
	type seen struct {
		key string
		vs  []string
		n   int // of vs matched so far
	}
	var counts [16]seen
	used := counts[:0]
	for _, h := range hs {
		key := h.Name
		vs, ok := req.Header[key]
		if !ok && key != "Host" {
			// The map's keys are canonical, and canonicalizing is
			// idempotent: a name found as it is needs no conversion.
			key = http.CanonicalHeaderKey(key)
			vs = req.Header[key]
		}
		if key == "Host" {
			continue
		}
		j := 0
		for j < len(used) && used[j].key != key {
			j++
		}
		if j == len(used) {
			used = append(used, seen{key: key, vs: vs})
		}
		if k := used[j].n; k >= len(vs) || vs[k] != h.Value {
			return false
		}
		used[j].n++
	}
	if len(used) != len(req.Header) {
		return false
	}
	for _, u := range used {
		if u.n != len(u.vs) {
			return false
		}
	}
	return true
}

// headersFromMap synthesizes an order: Host first, then sorted names. It
// runs for every response, so it sizes its result once and sorts the names
// on the stack.
func headersFromMap(host string, h http.Header) []capture.Header {
	n := 1 // room for a Transfer-Encoding the caller may add
	if host != "" {
		n++
	}
	for _, vs := range h {
		n += len(vs)
	}
	out := make([]capture.Header, 0, n)
	if host != "" {
		out = append(out, capture.Header{Name: "Host", Value: host})
	}
	var stack [16]string
	keys := stack[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			out = append(out, capture.Header{Name: k, Value: v})
		}
	}
	return out
}

// peekedConn reads first from r (which buffered bytes already read from the
// connection), then from the connection itself.
type peekedConn struct {
	net.Conn
	r interface{ Read([]byte) (int, error) }
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener hands connections the proxy produced itself (decrypted
// tunnels) to martian's Serve loop.
type chanListener struct {
	addr   net.Addr
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.closed:
		return false
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }

// hostPort splits an authority, defaulting the port by scheme.
func hostPort(authority, scheme string) (string, int) {
	host, port, err := net.SplitHostPort(authority)
	if err != nil {
		return strings.Trim(authority, "[]"), capture.DefaultPort(scheme)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return host, capture.DefaultPort(scheme)
	}
	return host, n
}
