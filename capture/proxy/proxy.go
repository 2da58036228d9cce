package proxy

import (
	"context"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/capture"

	"github.com/google/martian/v3"
	mlog "github.com/google/martian/v3/log"
	"github.com/google/martian/v3/mitm"
)

// Options configure a Proxy.
type Options struct {
	Listen           string   // address to listen on (default DefaultListen)
	Target           *url.URL // reverse mode: forward every request to this base URL
	UpstreamProxy    *url.URL // chain to a corporate proxy
	InsecureUpstream bool     // accept upstream certificates that do not verify
	// UpstreamRoots are the roots upstream certificates are verified
	// against (nil: the system's); LoadRoots adds an internal CA's.
	UpstreamRoots *x509.CertPool
	MaxBody       int64  // body bytes kept per message (default 1 MiB; <0 keeps none)
	CA            *CA    // signs the certificates shown to MITM'd clients
	ProxyAuth     string // "user:pass": clients must send Proxy-Authorization

	ClientIdle      time.Duration // idle client connections are closed (default 2m)
	UpstreamTimeout time.Duration // wait for response headers (default 2m), then 504

	// NumberAfter is the last flow number already taken (a capture being
	// continued): the first flow is NumberAfter+1.
	NumberAfter int

	// Dial opens the TCP connections to upstream servers and to the
	// upstream proxy (nil: a net.Dialer, 15 s to connect). Tests use it to
	// give names to local servers.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// DefaultListen is where the proxy listens unless told otherwise. Not
// 8080: that is Tomcat's default (IdentityIQ and many connector hosts run
// Tomcat) and the port of most other debugging proxies.
const DefaultListen = "127.0.0.1:8877"

// DefaultMaxBody is --max-body's default.
const DefaultMaxBody = 1 << 20

// Proxy is a running MITM proxy. Completed flows arrive on Flows().
type Proxy struct {
	opts      Options
	ln        net.Listener
	tunnels   *chanListener
	mp        *martian.Proxy
	mitm      *mitm.Config
	transport *http.Transport
	sender    *rawSender // replays: the exact bytes, over a new connection
	authValue string     // expected Proxy-Authorization, "" when not required
	// reverseBase is the reverse-mode target's path without its trailing
	// slash: where the client's paths begin on the target.
	reverseBase string

	conns   sync.Map // client RemoteAddr → *clientConn
	connSeq atomic.Int64

	idMu      sync.Mutex
	lastID    int
	lastStart time.Time

	queue     flowQueue
	serveDone sync.WaitGroup
	closeOnce sync.Once
}

func init() {
	// martian logs to stderr, which would tear the TUI.
	mlog.SetLevel(mlog.Silent)
}

// withDefaults fills in the options left zero.
func withDefaults(opts Options) Options {
	if opts.MaxBody == 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.ClientIdle == 0 {
		opts.ClientIdle = 2 * time.Minute
	}
	if opts.UpstreamTimeout == 0 {
		opts.UpstreamTimeout = 2 * time.Minute
	}
	return opts
}

// Listen starts a proxy on opts.Listen.
func Listen(opts Options) (*Proxy, error) {
	opts = withDefaults(opts)
	if opts.Target == nil && opts.CA == nil {
		return nil, errors.New("forward mode needs a CA")
	}
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return nil, err
	}
	p := &Proxy{opts: opts, ln: ln, tunnels: newChanListener(ln.Addr()), lastID: opts.NumberAfter}
	if opts.Target != nil {
		p.reverseBase = strings.TrimSuffix(opts.Target.EscapedPath(), "/")
	}
	if opts.ProxyAuth != "" {
		p.authValue = "Basic " + base64.StdEncoding.EncodeToString([]byte(opts.ProxyAuth))
	}
	if opts.CA != nil {
		p.mitm, err = mitm.NewConfig(opts.CA.Signer, opts.CA.Key)
		if err != nil {
			ln.Close()
			return nil, err
		}
		p.mitm.SetValidity(24 * time.Hour)
		p.mitm.SetOrganization("provtap")
	}
	p.transport = newTransport(opts)
	p.sender = newRawSender(opts)
	p.queue.init()

	p.mp = martian.NewProxy()
	p.mp.SetTimeout(24 * time.Hour) // clientConn applies the real idle timeout
	p.mp.SetRoundTripper(&upstream{p: p})
	p.mp.SetRequestModifier(martian.RequestModifierFunc(p.modifyRequest))

	p.serveDone.Add(2)
	go func() { defer p.serveDone.Done(); _ = p.mp.Serve(&trackingListener{Listener: ln, p: p}) }()
	go func() { defer p.serveDone.Done(); _ = p.mp.Serve(p.tunnels) }()
	return p, nil
}

// Addr is the address the proxy listens on (host:port).
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL is the proxy's address as a URL, for HTTPS_PROXY or curl -x.
func (p *Proxy) URL() string { return "http://" + p.Addr() }

// Flows delivers each flow after its response was forwarded (or it failed).
// It is closed once Close has finished.
func (p *Proxy) Flows() <-chan *capture.Flow { return p.queue.out }

// Close stops accepting connections, lets in-flight exchanges finish for a
// few seconds, then cuts the rest and closes Flows.
func (p *Proxy) Close() error {
	p.closeOnce.Do(func() {
		p.ln.Close()
		p.tunnels.Close()
		done := make(chan struct{})
		go func() { p.mp.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			p.conns.Range(func(_, v any) bool { v.(*clientConn).Close(); return true })
			<-done
		}
		p.serveDone.Wait()
		p.transport.CloseIdleConnections()
		p.queue.close()
	})
	return nil
}

// trackingListener wraps accepted connections so their request heads are remembered.
type trackingListener struct {
	net.Listener
	p *Proxy
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return l.p.track(&clientConn{Conn: c, id: l.p.connSeq.Add(1), idle: l.p.opts.ClientIdle}), nil
}

func (p *Proxy) track(c *clientConn) *clientConn {
	addr := c.RemoteAddr().String()
	prev := c.onClose
	c.onClose = func() {
		p.conns.CompareAndDelete(addr, c)
		if prev != nil {
			prev()
		}
	}
	p.conns.Store(addr, c)
	return c
}

func (p *Proxy) lookup(remoteAddr string) *clientConn {
	if v, ok := p.conns.Load(remoteAddr); ok {
		return v.(*clientConn)
	}
	return nil
}

// nextID numbers a flow and gives it a start time strictly after the
// previous one (microsecond resolution, as HAR stores it), so that sorting a
// capture by startedDateTime reproduces the live numbering.
func (p *Proxy) nextID() (int, time.Time) {
	p.idMu.Lock()
	defer p.idMu.Unlock()
	t := time.Now().Truncate(time.Microsecond)
	if !t.After(p.lastStart) {
		t = p.lastStart.Add(time.Microsecond)
	}
	p.lastStart = t
	p.lastID++
	return p.lastID, t
}

func (p *Proxy) authorized(req *http.Request, cc *clientConn) bool {
	if p.authValue == "" || (cc != nil && cc.authed) {
		return true
	}
	got := req.Header.Get("Proxy-Authorization")
	return subtle.ConstantTimeCompare([]byte(got), []byte(p.authValue)) == 1
}
