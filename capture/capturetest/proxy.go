package capturetest

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/proxy"

	"github.com/provtap/provtap/capture"
)

// RunningProxy is a provtap proxy on loopback for a test, with a fresh home
// (and CA). Like httptest.Server, it is closed by the test's cleanup.
type RunningProxy struct {
	*proxy.Proxy
	URL    string // http://127.0.0.1:port, for HTTPS_PROXY or curl -x
	Home   string
	CAFile string // PEM of the CA, for curl --cacert or a JDK truststore
	CAPEM  []byte

	mu    sync.Mutex
	flows []*capture.Flow
	added chan struct{}
}

// StartProxy starts a proxy with opts (Listen defaults to 127.0.0.1:0, a CA
// is created in a temporary home unless opts.CA is set) and collects its
// flows.
func StartProxy(tb testing.TB, opts proxy.Options) *RunningProxy {
	tb.Helper()
	home := tb.TempDir()
	ca, err := proxy.LoadOrCreateCA(home)
	if err != nil {
		tb.Fatalf("create CA: %v", err)
	}
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.CA == nil {
		opts.CA = ca
	}
	p, err := proxy.Listen(opts)
	if err != nil {
		tb.Fatalf("start proxy: %v", err)
	}
	rp := &RunningProxy{Proxy: p, URL: p.URL(), Home: home, CAFile: opts.CA.CertFile, CAPEM: opts.CA.CertPEM(), added: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for f := range p.Flows() {
			rp.mu.Lock()
			rp.flows = append(rp.flows, f)
			rp.mu.Unlock()
			select {
			case rp.added <- struct{}{}:
			default:
			}
		}
	}()
	tb.Cleanup(func() { p.Close(); <-done })
	return rp
}

// Client returns an http.Client that uses the proxy and trusts its CA (and
// nothing else), without a cookie jar.
func (rp *RunningProxy) Client() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(rp.CAPEM)
	u, _ := url.Parse(rp.URL)
	return &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyURL(u),
		TLSClientConfig: &tls.Config{RootCAs: pool},
	}}
}

// Flows waits until at least n flows completed (or timeout passed) and
// returns all of them in flow-ID order (the proxy numbers flows by start).
func (rp *RunningProxy) Flows(n int, timeout time.Duration) []*capture.Flow {
	deadline := time.After(timeout)
	for {
		rp.mu.Lock()
		got := len(rp.flows)
		rp.mu.Unlock()
		if got >= n {
			break
		}
		select {
		case <-rp.added:
		case <-deadline:
			return rp.snapshot()
		}
	}
	return rp.snapshot()
}

func (rp *RunningProxy) snapshot() []*capture.Flow {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	out := append([]*capture.Flow(nil), rp.flows...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
