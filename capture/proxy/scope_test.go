package proxy_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/martian/v3/mitm"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
)

func TestParseScope(t *testing.T) {
	good := map[string][]string{
		"example.com":                       {"example.com"},
		"example.com,.corp.example":         {"example.com", ".corp.example"},
		" Example.COM , .Corp.Example ":     {"example.com", ".corp.example"},
		"a.example,a.example,xn--bcher-kva": {"a.example", "xn--bcher-kva"},
		"_srv.example,localhost":            {"_srv.example", "localhost"},
	}
	for in, want := range good {
		got, err := proxy.ParseScope(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseScope(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                    "no domain given",
		"example.com,,x.test": "an empty domain",
		"*.example.com":       "no wildcards",
		"10.0.0.0":            "is an IP address",
		"[::1]":               "is an IP address",
		"https://example.com": "give the host name only",
		"example.com:443":     "give the host name only",
		"example.com.":        "trailing dot",
		"exa mple.com":        "is not a DNS name",
		"-x.example":          "is not a DNS name",
		"a..example":          "is not a DNS name",
		"bücher.example":      "xn--",
	}
	for in, want := range bad {
		if _, err := proxy.ParseScope(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseScope(%q): %v, want an error saying %q", in, err, want)
		}
	}
}

// A scoped CA's certificate carries critical name constraints; what Go's
// verifier accepts under it is exactly what InScope says the proxy
// intercepts; IP addresses are excluded.
func TestScopedCACertificate(t *testing.T) {
	home := t.TempDir()
	ca, err := proxy.CreateCA(home, "example.com", ".corp.example")
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := proxy.LoadCA(home)
	if err != nil {
		t.Fatal(err)
	}
	if got := loaded.Scope(); !reflect.DeepEqual(got, []string{"example.com", ".corp.example"}) {
		t.Fatalf("scope read back: %q", got)
	}
	// Two levels, both constrained; only the intermediate's key is kept (the
	// JDK does not apply a trusted root's own constraints).
	for _, c := range []*x509.Certificate{loaded.Cert, loaded.Signer} {
		if !c.IsCA || !c.PermittedDNSDomainsCritical || len(c.ExcludedIPRanges) != 2 || !reflect.DeepEqual(c.PermittedDNSDomains, ca.Scope()) {
			t.Errorf("%s: CA %v, critical %v, excluded IPs %v, domains %q", c.Subject.CommonName, c.IsCA, c.PermittedDNSDomainsCritical, c.ExcludedIPRanges, c.PermittedDNSDomains)
		}
	}
	if loaded.Signer.Equal(loaded.Cert) || loaded.Signer.CheckSignatureFrom(loaded.Cert) != nil || !loaded.Signer.MaxPathLenZero ||
		loaded.SignerFile != filepath.Join(home, "ca-signer.pem") || loaded.Cert.MaxPathLen != 1 {
		t.Errorf("the intermediate: %+v", loaded.Signer.Subject)
	}
	if pub := loaded.Key.Public().(*ecdsa.PublicKey); !pub.Equal(loaded.Signer.PublicKey) || pub.Equal(loaded.Cert.PublicKey) {
		t.Error("the key kept is not the intermediate's alone")
	}
	roots, intermediates := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(ca.Cert)
	intermediates.AddCert(loaded.Signer)
	cfg, err := mitm.NewConfig(ca.Signer, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	for host, in := range map[string]bool{
		"example.com": true, "api.example.com": true, "EXAMPLE.com": true, "a.b.example.com": true,
		"scim.corp.example": true, "corp.example": false, "notexample.com": false, "example.org": false,
		"other.test": false, "127.0.0.1": false, "::1": false, "example.com.evil.test": false,
	} {
		if got := ca.InScope(host); got != in {
			t.Errorf("InScope(%q) = %v, want %v", host, got, in)
		}
		leaf := mintedLeaf(t, cfg, host)
		_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates, DNSName: host})
		if (verr == nil) != in {
			t.Errorf("%s: a certificate the CA minted verifies: %v (in scope: %v)", host, verr, in)
		}
	}
	unscoped, err := proxy.CreateCA(home)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, "ca-signer.pem")); !os.IsNotExist(err) || unscoped.SignerFile != "" || !unscoped.Signer.Equal(unscoped.Cert) {
		t.Errorf("an unconstrained CA after a constrained one kept its intermediate: %v", err)
	}
	if unscoped.Scope() != nil || unscoped.Cert.PermittedDNSDomains != nil || unscoped.Cert.ExcludedIPRanges != nil ||
		!unscoped.InScope("anything.example") || !unscoped.InScope("10.1.2.3") {
		t.Error("an unconstrained CA is constrained")
	}
	if _, err := proxy.CreateCA(t.TempDir(), "*.example.com"); err == nil {
		t.Error("CreateCA took a wildcard")
	}
}

// mintedLeaf is the certificate provtap's MITM would show a client for host.
func mintedLeaf(t *testing.T, cfg *mitm.Config, host string) *x509.Certificate {
	t.Helper()
	cert, err := cfg.TLSForHost(host).GetCertificate(&tls.ClientHelloInfo{ServerName: host})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}

// An expired scoped CA is replaced by one with the same scope.
func TestExpiredScopedCAKeepsItsScope(t *testing.T) {
	home := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "provtap CA (old)"},
		NotBefore: time.Now().Add(-400 * 24 * time.Hour), NotAfter: time.Now().Add(-time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, PermittedDNSDomainsCritical: true,
		PermittedDNSDomains: []string{"corp.example"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	os.WriteFile(filepath.Join(home, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(filepath.Join(home, "ca-key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600)
	ca, err := proxy.LoadOrCreateCA(home)
	if err != nil {
		t.Fatal(err)
	}
	if ca.Cert.SerialNumber.Cmp(big.NewInt(7)) == 0 || !reflect.DeepEqual(ca.Scope(), []string{"corp.example"}) {
		t.Errorf("the renewed CA: serial %v, scope %q", ca.Cert.SerialNumber, ca.Scope())
	}
}

// With a scoped CA, a CONNECT to a host in scope is intercepted as always;
// one outside is tunnelled: the client sees the server's own certificate,
// and the tunnel is one flow marked KindOutOfScope with its byte counts.
func TestOutOfScopeConnectIsTunnelled(t *testing.T) {
	pki := capturetest.NewInternalPKI(t, "scim.corp.test", "login.other.test")
	up := pki.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from "+r.Host)
	}))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(up.URL, "https://"))
	ca, err := proxy.CreateCA(t.TempDir(), ".corp.test")
	if err != nil {
		t.Fatal(err)
	}
	upstreamRoots := x509.NewCertPool()
	upstreamRoots.AppendCertsFromPEM(pki.CAPEM)
	rp := capturetest.StartProxy(t, proxy.Options{CA: ca, Dial: capturetest.DialTestNames, UpstreamRoots: upstreamRoots})

	client := func(rootPEM ...[]byte) *http.Client {
		pool := x509.NewCertPool()
		for _, p := range rootPEM {
			pool.AppendCertsFromPEM(p)
		}
		pu, _ := url.Parse(rp.URL)
		return &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	}
	// In scope: only provtap's CA is trusted, and that suffices.
	res, err := client(rp.CAPEM).Get("https://scim.corp.test:" + port + "/Users")
	if err != nil {
		t.Fatalf("in scope: %v", err)
	}
	res.Body.Close()
	if chain := res.TLS.VerifiedChains[0]; len(chain) != 3 || !chain[1].Equal(ca.Signer) || !chain[2].Equal(ca.Cert) {
		t.Errorf("in scope: the certificate is not provtap's, through its intermediate: %d certificates, issuer %q", len(chain), chain[0].Issuer.CommonName)
	}
	// Out of scope: only the server's own root is trusted, and that suffices.
	res, err = client(pki.CAPEM).Get("https://login.other.test:" + port + "/login")
	if err != nil {
		t.Fatalf("out of scope: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "hello from login.other.test:"+port || res.TLS.PeerCertificates[0].Issuer.CommonName != "Corp Internal Root CA (test)" {
		t.Errorf("out of scope: %q from %q", body, res.TLS.PeerCertificates[0].Issuer.CommonName)
	}
	// Out of scope and unreachable: a 502 flow that says why.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	if _, err := client(pki.CAPEM).Get("https://" + deadAddr + "/"); err == nil {
		t.Error("a tunnel to a closed port succeeded")
	}

	flows := rp.Flows(3, 10*time.Second)
	if len(flows) != 3 {
		t.Fatalf("want 3 flows, got %d", len(flows))
	}
	in, out, down := flows[0], flows[1], flows[2]
	if in.Kind != capture.KindHTTP || in.Method != "GET" || in.URL != "https://scim.corp.test:"+port+"/Users" || in.Status != 200 {
		t.Errorf("in scope: %s %s %s %d", in.Kind, in.Method, in.URL, in.Status)
	}
	if out.Kind != capture.KindOutOfScope || out.Method != "CONNECT" || out.Host != "login.other.test" || out.Status != 200 ||
		out.Target != "login.other.test:"+port || out.RequestBody.Size == 0 || out.ResponseBody.Size == 0 || out.Error != "" {
		t.Errorf("out of scope: %+v", out)
	}
	if down.Kind != capture.KindOutOfScope || down.Status != http.StatusBadGateway || !strings.Contains(down.Error, "unreachable") {
		t.Errorf("unreachable: kind %q status %d error %q", down.Kind, down.Status, down.Error)
	}
}

// A tunnel outside the scope goes through --upstream-proxy like every other
// upstream connection.
func TestOutOfScopeTunnelUsesTheUpstreamProxy(t *testing.T) {
	pki := capturetest.NewInternalPKI(t, "login.other.test")
	up := pki.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(up.URL, "https://"))
	corp, connects := connectProxy(t)
	ca, err := proxy.CreateCA(t.TempDir(), "corp.test")
	if err != nil {
		t.Fatal(err)
	}
	rp := capturetest.StartProxy(t, proxy.Options{CA: ca, Dial: capturetest.DialTestNames, UpstreamProxy: corp})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pki.CAPEM)
	pu, _ := url.Parse(rp.URL)
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	res, err := c.Get("https://login.other.test:" + port + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	select {
	case target := <-connects:
		if target != "login.other.test:"+port {
			t.Errorf("the upstream proxy was asked for %q", target)
		}
	default:
		t.Error("the tunnel did not go through the upstream proxy")
	}
}

// connectProxy is a minimal corporate proxy: it answers CONNECT (reporting
// each target) and nothing else.
func connectProxy(t *testing.T) (*url.URL, chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	targets := make(chan string, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				req, err := http.ReadRequest(br)
				if err != nil || req.Method != http.MethodConnect {
					return
				}
				targets <- req.Host
				up, err := capturetest.DialTestNames(req.Context(), "tcp", req.Host)
				if err != nil {
					io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					return
				}
				defer up.Close()
				io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n")
				go func() { io.Copy(up, br); up.(*net.TCPConn).CloseWrite() }()
				io.Copy(c, up)
			}()
		}
	}()
	return &url.URL{Scheme: "http", Host: ln.Addr().String()}, targets
}
