package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"

	"github.com/provtap/provtap/capture/proxy"
)

// startDemoProxy starts provtap's proxy on a free loopback port, with its CA
// under home, and returns clients that go through it trusting that CA. The
// demo's upstreams have self-signed certificates (httptest), so the proxy
// accepts them, as with --insecure-upstream.
func startDemoProxy(home string) (*demoProxy, error) {
	ca, err := proxy.LoadOrCreateCA(home)
	if err != nil {
		return nil, err
	}
	p, err := proxy.Listen(proxy.Options{Listen: "127.0.0.1:0", CA: ca, InsecureUpstream: true})
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.CertPEM())
	proxyURL, err := url.Parse(p.URL())
	if err != nil {
		p.Close()
		return nil, err
	}
	base := &http.Transport{Proxy: http.ProxyURL(proxyURL), TLSClientConfig: &tls.Config{RootCAs: pool}}
	return &demoProxy{proxy: p, addr: p.Addr(), client: demoClient(base), transport: base.Clone, keyFile: ca.KeyFile}, nil
}
