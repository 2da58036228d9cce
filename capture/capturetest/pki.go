package capturetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// InternalPKI is an internal certificate authority, as a company runs for
// its own servers: a root no system trusts, and a server certificate it
// signed for 127.0.0.1, ::1, localhost and the names given.
type InternalPKI struct {
	CAFile string // the root's PEM, for --upstream-ca or curl --cacert
	CAPEM  []byte
	server tls.Certificate
}

// NewInternalPKI makes a root and a server certificate valid for an hour,
// for loopback and dnsNames.
func NewInternalPKI(tb testing.TB, dnsNames ...string) *InternalPKI {
	tb.Helper()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	now := time.Now()
	root := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Corp Internal Root CA (test)"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, rootKey.Public(), rootKey)
	if err != nil {
		tb.Fatal(err)
	}
	rootCert, _ := x509.ParseCertificate(rootDER)
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "scim.corp.test"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    append([]string{"localhost"}, dnsNames...), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, rootCert, leafKey.Public(), rootKey)
	if err != nil {
		tb.Fatal(err)
	}
	p := &InternalPKI{CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}),
		server: tls.Certificate{Certificate: [][]byte{leafDER, rootDER}, PrivateKey: leafKey}}
	p.CAFile = filepath.Join(tb.TempDir(), "corp-root.pem")
	if err := os.WriteFile(p.CAFile, p.CAPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// Serve starts h over https with the PKI's server certificate; the test's
// cleanup closes it.
func (p *InternalPKI) Serve(tb testing.TB, h http.Handler) *httptest.Server {
	tb.Helper()
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{p.server}}
	s.StartTLS()
	tb.Cleanup(s.Close)
	return s
}
