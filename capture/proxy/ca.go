package proxy

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CAValidity is how long a generated CA is trusted for: long enough for a
// project, short enough that a forgotten trust entry expires.
const CAValidity = 365 * 24 * time.Hour

// CA is provtap's per-install certificate authority. Its key never leaves
// the home directory.
type CA struct {
	Cert     *x509.Certificate
	Key      crypto.Signer
	CertFile string // PEM certificate, safe to share and to import into trust stores
	KeyFile  string // PKCS#8 PEM private key, mode 0600
	certPEM  []byte
}

// CertPEM is the CA certificate in PEM form.
func (ca *CA) CertPEM() []byte { return ca.certPEM }

// DefaultHome is $PROVTAP_HOME, else the OS config dir + /provtap.
func DefaultHome() string {
	if h := os.Getenv("PROVTAP_HOME"); h != "" {
		return h
	}
	if d, err := os.UserConfigDir(); err == nil {
		return filepath.Join(d, "provtap")
	}
	return ".provtap"
}

func caPaths(home string) (certFile, keyFile string) {
	return filepath.Join(home, "ca.pem"), filepath.Join(home, "ca-key.pem")
}

// LoadOrCreateCA loads the CA from home, creating home (0700, when missing) and a new CA
// (key 0600) on first use or when the existing one has expired. A CA that
// replaces an expired one keeps its scope: an expiry never widens what the
// CA can sign for.
func LoadOrCreateCA(home string) (*CA, error) {
	ca, err := LoadCA(home)
	if err == nil && time.Now().Before(ca.Cert.NotAfter.Add(-24*time.Hour)) {
		return ca, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var scope []string
	if ca != nil {
		scope = ca.Scope()
	}
	return CreateCA(home, scope...)
}

// LoadCA reads an existing CA from home.
func LoadCA(home string) (*CA, error) {
	certFile, keyFile := caPaths(home)
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, fmt.Errorf("CA files in %s are not PEM; remove them or run provtap ca --regenerate", home)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA certificate %s: %v", certFile, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA key %s: %v", keyFile, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("CA key %s is not a signing key", keyFile)
	}
	if st, err := os.Stat(keyFile); err == nil && st.Mode().Perm()&0o077 != 0 {
		// Someone loosened it; a readable CA key lets anyone impersonate any site to this machine.
		_ = os.Chmod(keyFile, 0o600)
	}
	return &CA{Cert: cert, Key: signer, CertFile: certFile, KeyFile: keyFile, certPEM: certPEM}, nil
}

// CreateCA generates a new CA in home, replacing any existing one. A home
// it creates is 0700; an existing one keeps its mode.
//
// With scope (DNS domains, as ParseScope returns them) the certificate
// carries critical X.509 name constraints: it is valid only for names in
// those domains and for no IP address, so even a stolen key can sign for
// nothing else, and the proxy intercepts only hosts in scope (InScope).
func CreateCA(home string, scope ...string) (*CA, error) {
	if _, err := os.Stat(home); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(home, 0o700); err != nil {
			return nil, err
		}
		_ = os.Chmod(home, 0o700) // whatever the umask, only the directory just made
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, err
	}
	skid := sha1.Sum(pub)
	hostname, _ := os.Hostname()
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   "provtap CA (" + hostname + ")",
			Organization: []string{"provtap debugging proxy"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          skid[:],
	}
	if len(scope) > 0 {
		if _, err := ParseScope(strings.Join(scope, ",")); err != nil {
			return nil, err
		}
		tmpl.PermittedDNSDomainsCritical = true
		tmpl.PermittedDNSDomains = scope
		// Constraints are per name type: without these, the CA could still
		// sign for any IP address.
		tmpl.ExcludedIPRanges = []*net.IPNet{
			{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)},
			{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)},
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	certFile, keyFile := caPaths(home)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(certFile, certPEM, 0o644); err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, CertFile: certFile, KeyFile: keyFile, certPEM: certPEM}, nil
}

// Scope is the DNS domains the CA's certificate is constrained to, nil for
// an unconstrained CA.
func (ca *CA) Scope() []string {
	if ca == nil || len(ca.Cert.PermittedDNSDomains) == 0 {
		return nil
	}
	return append([]string(nil), ca.Cert.PermittedDNSDomains...)
}

// InScope reports whether the CA may sign for host, as a client checking
// its name constraints decides: always for an unconstrained CA; for a
// constrained one, a name equal to a domain or below it (below only, for a
// domain written with a leading dot), and never an IP address.
func (ca *CA) InScope(host string) bool {
	scope := ca.Scope()
	if len(scope) == 0 {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" || net.ParseIP(host) != nil {
		return false
	}
	for _, d := range scope {
		d = strings.ToLower(d)
		if sub, ok := strings.CutPrefix(d, "."); ok {
			if strings.HasSuffix(host, "."+sub) {
				return true
			}
		} else if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// ParseScope reads a --limit-to list: DNS domains separated by commas
// ("example.com,.corp.example"). A domain covers itself and every name
// below it; with a leading dot only the names below it. The result is
// lower case, in the order given, without repeats. Wildcards, IP addresses,
// URLs and names that are not DNS names are refused with the reason.
func ParseScope(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, raw := range strings.Split(list, ",") {
		d := strings.ToLower(strings.TrimSpace(raw))
		if d == "" {
			if strings.TrimSpace(list) == "" {
				return nil, errors.New("no domain given: want a list like example.com,.corp.example")
			}
			return nil, fmt.Errorf("an empty domain in %q: separate domains with single commas", list)
		}
		if err := checkScopeDomain(d); err != nil {
			return nil, err
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out, nil
}

func checkScopeDomain(d string) error {
	switch {
	case net.ParseIP(strings.Trim(d, "[]")) != nil:
		return fmt.Errorf("%s is an IP address: a name-constrained CA covers DNS names only, and hosts called by address are tunnelled", d)
	case strings.Contains(d, "://") || strings.ContainsAny(d, "/:"):
		return fmt.Errorf("%s is not a domain: give the host name only, like example.com", d)
	case strings.Contains(d, "*"):
		return fmt.Errorf("%s: no wildcards; example.com already covers every name below it (.example.com only those below)", d)
	}
	name := strings.TrimPrefix(d, ".")
	if strings.HasSuffix(name, ".") {
		return fmt.Errorf("%s: leave out the trailing dot", d)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%s is not a DNS name (an empty or too long label)", d)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			case c == '-' && i > 0 && i < len(label)-1:
			case c >= 0x80:
				return fmt.Errorf("%s: write an international name in its xn-- (punycode) form, as certificates carry it", d)
			default:
				return fmt.Errorf("%s is not a DNS name (%q is not allowed in it)", d, c)
			}
		}
	}
	return nil
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	// A name of its own: two provtaps creating the CA at once must not
	// rename each other's file away.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}
