// Package scenario reproduces, on loopback, the failures provtap exists
// for: the upstream servers of the identity-provisioning scenarios and the
// Go connectors that talk to them, each with and without keeping cookies,
// keys or tokens.
//
//   - SessionAPI: an admin API that opens a server-side session on the first
//     authenticated call and refuses a second one for the same user while the
//     first is live; RunSeed1 is the web-services connector that provisions an
//     account in three calls (with or without a cookie jar).
//   - Gateway: a SCIM service behind an API gateway that wants a subscription
//     key on every call; RunSeed2 is the SCIM connector that sends the key on
//     reads only (Seed2ReadsOnly) or on every call (Seed2Correct).
//   - CSRFAPI, TokenAPI, MovedAPI: a CSRF-token OData service, an
//     OAuth-protected SCIM service with short-lived JWTs, and a service whose
//     base URL moved (308), with RunCSRF, RunBearer and RunMoved.
//   - Target: a provisioning API with the behaviours of production (one
//     session per user or a session per call, load-balancer affinity,
//     challenges, single sign-on); Provisioner and RunThreads are the
//     connectors that drive it, one thread or several.
//   - Failures: six more failures (a SCIM PATCH dialect, a media type, a
//     cookie Apache HttpClient 4.x throws away, an unfilled template, a
//     rate limit, a lookup that disagrees with the create), each a scripted
//     connector (Step, GoCaller) against one of SCIMPatchAPI, MediaTypeAPI,
//     CookieExpiresAPI, RequiredFieldAPI, RateLimitAPI and LookupAPI, and
//     its fixed twin.
//
// `provtap demo` runs the first two through the proxy, `provtap demo --all`
// Failures after them; the tests of every package use all of them
// (capture/capturetest adds the proxy runner and the curl and JDK
// connectors). The package has no testing dependency: it is part of the
// shipped binary.
package scenario

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"time"
)

// Server is a scenario server on a loopback port, like httptest.Server.
type Server struct {
	URL string // http://127.0.0.1:port or https://127.0.0.1:port

	srv  *http.Server
	ln   net.Listener
	cert *x509.Certificate // the self-signed certificate over https
	done chan struct{}
}

// Serve starts h on a loopback port, over https with a self-signed
// certificate for 127.0.0.1, ::1 and localhost when tls is set. Close the
// server when done. It panics when no loopback port can be had, as
// httptest.NewServer does.
func Serve(h http.Handler, tls bool) *Server {
	s, err := NewServer(h, tls)
	if err != nil {
		panic("scenario: " + err.Error())
	}
	return s
}

// NewServer is Serve returning the error.
func NewServer(h http.Handler, useTLS bool) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, done: make(chan struct{}),
		// Handshake errors of clients that do not trust the certificate are
		// expected here; logging them would tear provtap demo's TUI.
		srv: &http.Server{Handler: h, ReadHeaderTimeout: time.Minute, ErrorLog: log.New(io.Discard, "", 0)}}
	if useTLS {
		cert, der, err := selfSigned()
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.cert = der
		s.URL = "https://" + ln.Addr().String()
		s.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
		ln = tls.NewListener(ln, s.srv.TLSConfig)
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits for it to end.
func (s *Server) Close() {
	_ = s.srv.Close()
	<-s.done
}

// Certificate is the server's self-signed certificate (nil over http).
func (s *Server) Certificate() *x509.Certificate { return s.cert }

// Client is an http.Client that trusts the server's certificate (and
// nothing else) and connects directly, never through a proxy.
func (s *Server) Client() *http.Client {
	t := &http.Transport{Proxy: nil}
	if s.cert != nil {
		pool := x509.NewCertPool()
		pool.AddCert(s.cert)
		t.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return &http.Client{Transport: t}
}

// selfSigned makes a certificate for the loopback names, valid for a day.
func selfSigned() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "provtap scenario server", Organization: []string{"provtap scenario"}},
		NotBefore:    now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true,
		DNSNames:    []string{"localhost", "example.com"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: parsed}, parsed, nil
}

func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// randomHex is n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
