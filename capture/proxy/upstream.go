package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// newTransport is the upstream client: a keep-alive pool sized for many
// concurrent connector threads (martian's default of 2 idle connections per
// host halves throughput), no transparent decompression (bodies are
// forwarded as sent), HTTP/2 when the upstream offers it.
func newTransport(opts Options) *http.Transport {
	t := &http.Transport{
		DialContext:           dialFunc(opts),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          2048,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: opts.UpstreamTimeout,
		DisableCompression:    true,
		TLSClientConfig:       upstreamTLS(opts),
	}
	if opts.UpstreamProxy != nil {
		t.Proxy = http.ProxyURL(opts.UpstreamProxy)
	}
	return t
}

// dialFunc is how provtap opens TCP connections to upstream servers and to
// the upstream proxy: Options.Dial, else a net.Dialer (15 s to connect).
func dialFunc(opts Options) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if opts.Dial != nil {
		return opts.Dial
	}
	d := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	return d.DialContext
}

// upstreamTLS is how provtap verifies upstream servers, for the proxy's
// transport and for replays alike.
func upstreamTLS(opts Options) *tls.Config {
	return &tls.Config{InsecureSkipVerify: opts.InsecureUpstream, RootCAs: opts.UpstreamRoots}
}

// upstream is the RoundTripper martian calls. It records the response into
// the flow and turns transport failures into 502/504 answers that say why.
// (martian's SetRoundTripper would rewrite an *http.Transport; wrapping keeps
// HTTP/2 and our dialer.)
type upstream struct{ p *Proxy }

var errClientGone = errors.New("the client closed the connection before the response was complete")

func (u *upstream) RoundTrip(req *http.Request) (*http.Response, error) {
	x := u.p.takeExchange(req)
	if x == nil {
		return u.p.transport.RoundTrip(req)
	}
	var res *http.Response
	if x.reject == http.StatusProxyAuthRequired {
		res = textResponse(req, x.reject, "proxy authentication required (provtap --proxy-auth)")
	} else {
		var err error
		res, err = u.p.transport.RoundTrip(req)
		if err != nil {
			status, msg := describeUpstreamError(err, u.p.opts.UpstreamProxy)
			x.mu.Lock()
			if x.flow.Error == "" {
				x.flow.Error = msg
			}
			x.mu.Unlock()
			res = textResponse(req, status, msg)
		}
	}
	x.mu.Lock()
	x.headersAt = time.Now()
	f := x.flow
	f.Status = res.StatusCode
	f.StatusText = statusText(res)
	f.ResponseProto = res.Proto
	f.ResponseHeaders = headersFromMap("", res.Header)
	if len(res.TransferEncoding) > 0 {
		f.ResponseHeaders = append(f.ResponseHeaders, capture.Header{Name: "Transfer-Encoding", Value: strings.Join(res.TransferEncoding, ", ")})
	}
	x.mu.Unlock()

	// The client speaks HTTP/1.1 to us whatever the upstream spoke.
	res.Proto, res.ProtoMajor, res.ProtoMinor = "HTTP/1.1", 1, 1
	httpx.RemoveHopByHop(res.Header)
	if u.p.opts.Target != nil {
		forReverseClient(res.Header, u.p.reverseBase)
	}
	if x.reject == http.StatusProxyAuthRequired {
		// Hop-by-hop, but this hop's own: the challenge a client (Apache
		// HttpClient) needs before it sends its proxy credentials.
		res.Header.Set("Proxy-Authenticate", `Basic realm="provtap"`)
	}
	rec := &x.responseBody
	rec.init(res.Body, &f.ResponseBody, u.p.opts.MaxBody, res.ContentLength, (*responseEnd)(x))
	if res.Body == nil {
		rec.rc = http.NoBody
	}
	if rec.rc != http.NoBody && req.Method != http.MethodHead {
		rec.incomplete = errClientGone
	}
	res.Body = rec
	return res, nil
}

// forReverseClient rewrites the Set-Cookie lines a reverse-mode client
// receives over plain http (httpx.ForReverseClient), so that it keeps the
// session it would keep talking to the target; the flow keeps what the
// target sent.
func forReverseClient(h http.Header, base string) {
	for i, v := range h["Set-Cookie"] {
		h["Set-Cookie"][i] = httpx.ForReverseClient(v, base)
	}
}

// statusText is the reason phrase of res ("Created" of "201 Created").
func statusText(res *http.Response) string {
	s := res.Status
	// The usual "200 OK", without formatting the code to compare it.
	if c := res.StatusCode; c >= 100 && c <= 999 && len(s) >= 3 && s[0] == byte('0'+c/100) && s[1] == byte('0'+c/10%10) && s[2] == byte('0'+c%10) {
		return strings.TrimSpace(s[3:])
	}
	return strings.TrimSpace(strings.TrimPrefix(s, strconv.Itoa(res.StatusCode)))
}

// describeUpstreamError turns a transport error into a status for the
// client and one line for the engineer. With an upstream proxy every
// connection goes to it, so a failure to reach it names --upstream-proxy.
func describeUpstreamError(err error, upstreamProxy *url.URL) (int, string) {
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	var netErr net.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &verify):
		return http.StatusBadGateway, "the upstream's TLS certificate is not trusted (" + rootCause(err) +
			"); if an internal CA signed it, run provtap with --upstream-ca FILE (that CA's PEM); " +
			"for a test system with a self-signed certificate, --insecure-upstream"
	case upstreamProxy != nil && (errors.As(err, &opErr) && (opErr.Op == "proxyconnect" || opErr.Op == "dial") ||
		errors.As(err, &dnsErr)):
		return http.StatusBadGateway, "the upstream proxy " + redactedProxy(upstreamProxy) +
			" (--upstream-proxy) is unreachable: " + rootCause(err)
	case upstreamProxy != nil && (strings.Contains(err.Error(), "proxyconnect") || strings.Contains(err.Error(), "upstream proxy")):
		return http.StatusBadGateway, "the upstream proxy " + redactedProxy(upstreamProxy) +
			" (--upstream-proxy) failed: " + rootCause(err)
	case errors.As(err, &dnsErr):
		return http.StatusBadGateway, "upstream host not found: " + rootCause(err)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout(),
		strings.Contains(err.Error(), "timeout awaiting response headers"):
		return http.StatusGatewayTimeout, "upstream timed out: " + rootCause(err)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return http.StatusBadGateway, "upstream unreachable: " + rootCause(err)
	}
	return http.StatusBadGateway, "upstream request failed: " + rootCause(err)
}

// rootCause strips the "Get "url": " prefix net/http puts on errors.
func rootCause(err error) string {
	var ue interface{ Unwrap() error }
	for errors.As(err, &ue) {
		inner := ue.Unwrap()
		if inner == nil || !strings.HasPrefix(fmt.Sprintf("%T", err), "*url.") {
			break
		}
		err = inner
	}
	return err.Error()
}

func textResponse(req *http.Request, status int, msg string) *http.Response {
	body := "provtap: " + msg + "\n"
	return &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// redactedProxy is the upstream proxy's URL without its password.
func redactedProxy(u *url.URL) string { return u.Redacted() }

// LoadRoots is the system's trusted roots plus the certificates in each PEM
// file (an internal PKI's CA): what --upstream-ca gives the upstream
// transport. A file without a certificate is an error.
func LoadRoots(pemFiles ...string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range pemFiles {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", f)
		}
	}
	return pool, nil
}

// CheckUpstreamProxy connects to the upstream proxy once (TCP, within
// timeout) and reports how long that took, or why it failed: start-up says
// in one line whether --upstream-proxy answered.
func CheckUpstreamProxy(u *url.URL, timeout time.Duration) (time.Duration, error) {
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
		if port == "" {
			port = "80"
		}
	}
	start := time.Now()
	c, err := net.DialTimeout("tcp", net.JoinHostPort(u.Hostname(), port), timeout)
	if err != nil {
		return 0, errors.New(rootCause(err))
	}
	c.Close()
	return time.Since(start), nil
}
