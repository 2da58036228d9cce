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
//
// An unconstrained CA is one self-signed certificate, whose key signs the
// certificates shown to clients. A name-constrained one (CreateCA with a
// scope) is a root that clients trust and an intermediate CA under it, both
// constrained: the intermediate's key signs, and the root's key is destroyed
// once it has signed the intermediate. The JDK applies name constraints
// only below the certificate it trusts, so the signing key must not be the
// trusted root's; and with the root's key gone, nobody can make another,
// unconstrained, intermediate.
type CA struct {
	Cert     *x509.Certificate // the certificate clients trust
	CertFile string            // its PEM, safe to share and to import into trust stores
	// Signer is the certificate whose key is Key: Cert itself, or the
	// constrained intermediate (SignerFile), which servers send with the
	// certificates it signs.
	Signer     *x509.Certificate
	SignerFile string // the intermediate's PEM; "" when Cert signs
	Key        crypto.Signer
	KeyFile    string // PKCS#8 PEM private key, mode 0600
	certPEM    []byte
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

func caPaths(home string) (certFile, keyFile, signerFile string) {
	return filepath.Join(home, "ca.pem"), filepath.Join(home, "ca-key.pem"), filepath.Join(home, "ca-signer.pem")
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
	if err != nil {
		// Half a CA (a certificate without its key, or a key without its
		// certificate) is not replaced: clients may trust that certificate.
		certFile, keyFile, _ := caPaths(home)
		_, certErr := os.Stat(certFile)
		_, keyErr := os.Stat(keyFile)
		if (certErr == nil) != (keyErr == nil) {
			missing := keyFile
			if certErr != nil {
				missing = certFile
			}
			return nil, fmt.Errorf("incomplete: %s is missing; restore it, or run provtap ca --regenerate for a new CA (clients that trust the old one must then trust the new)", filepath.Base(missing))
		}
	}
	return CreateCA(home, previousScope(home)...)
}

// previousScope is the scope of the CA certificate in home, if there is
// one that can be read, whatever else is wrong with the CA.
func previousScope(home string) []string {
	certFile, _, _ := caPaths(home)
	if cert, _, err := readCert(home, certFile); err == nil {
		return (&CA{Cert: cert}).Scope()
	}
	return nil
}

// LoadCA reads an existing CA from home.
func LoadCA(home string) (*CA, error) {
	certFile, keyFile, signerFile := caPaths(home)
	cert, certPEM, err := readCert(home, certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, fmt.Errorf("CA files in %s are not PEM; remove them or run provtap ca --regenerate", home)
	}
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA key %s: %v", keyFile, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("CA key %s is not a signing key", keyFile)
	}
	ca := &CA{Cert: cert, Signer: cert, Key: signer, CertFile: certFile, KeyFile: keyFile, certPEM: certPEM}
	if len(cert.PermittedDNSDomains) > 0 {
		// A constrained CA signs with its intermediate.
		inter, _, err := readCert(home, signerFile)
		if err != nil {
			return nil, fmt.Errorf("%w (the intermediate of a name-constrained CA); run provtap ca --regenerate --limit-to …", err)
		}
		if err := inter.CheckSignatureFrom(cert); err != nil {
			return nil, fmt.Errorf("CA intermediate %s was not signed by %s: %v; run provtap ca --regenerate", signerFile, certFile, err)
		}
		ca.Signer, ca.SignerFile = inter, signerFile
	}
	if !publicKeyOf(ca.Signer, signer) {
		return nil, fmt.Errorf("CA key %s does not belong to its certificate; run provtap ca --regenerate", keyFile)
	}
	if st, err := os.Stat(keyFile); err == nil && st.Mode().Perm()&0o077 != 0 {
		// Someone loosened it; a readable CA key lets anyone impersonate any site to this machine.
		_ = os.Chmod(keyFile, 0o600)
	}
	return ca, nil
}

// readCert reads a PEM certificate file of the CA.
func readCert(home, file string) (*x509.Certificate, []byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return nil, nil, fmt.Errorf("CA files in %s are not PEM; remove them or run provtap ca --regenerate", home)
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("CA certificate %s: %v", file, err)
	}
	return cert, data, nil
}

// publicKeyOf reports whether key is the private key of cert.
func publicKeyOf(cert *x509.Certificate, key crypto.Signer) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// CreateCA generates a new CA in home, replacing any existing one. A home
// it creates is 0700; an existing one keeps its mode.
//
// With scope (DNS domains, as ParseScope returns them) the CA is a root and
// an intermediate that both carry critical X.509 name constraints: valid
// only for names in those domains and for no IP address. Only the
// intermediate's key is kept, so even a stolen key can sign for nothing
// else, and the proxy intercepts only hosts in scope (InScope).
func CreateCA(home string, scope ...string) (*CA, error) {
	if _, err := os.Stat(home); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(home, 0o700); err != nil {
			return nil, err
		}
		_ = os.Chmod(home, 0o700) // whatever the umask, only the directory just made
	}
	if len(scope) > 0 {
		if _, err := ParseScope(strings.Join(scope, ",")); err != nil {
			return nil, err
		}
	}
	hostname, _ := os.Hostname()
	now := time.Now()
	root, rootKey, err := caTemplate("provtap CA ("+hostname+")", now, scope)
	if err != nil {
		return nil, err
	}
	root.MaxPathLenZero = len(scope) == 0 // a constrained root has its intermediate below it
	if len(scope) > 0 {
		root.MaxPathLen = 1
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, root, root, rootKey.Public(), rootKey)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, err
	}
	ca := &CA{Cert: cert, Signer: cert, Key: rootKey}
	var signerPEM []byte
	if len(scope) > 0 {
		// The intermediate that signs; the root's key ends with this function.
		tmpl, key, err := caTemplate("provtap signing CA ("+hostname+")", now, scope)
		if err != nil {
			return nil, err
		}
		tmpl.MaxPathLenZero = true
		der, err := x509.CreateCertificate(rand.Reader, tmpl, cert, key.Public(), rootKey)
		if err != nil {
			return nil, err
		}
		if ca.Signer, err = x509.ParseCertificate(der); err != nil {
			return nil, err
		}
		ca.Key = key
		signerPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		return nil, err
	}
	ca.CertFile, ca.KeyFile, ca.SignerFile = caPaths(home)
	ca.certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	if err := writeFileAtomic(ca.KeyFile, keyPEM, 0o600); err != nil {
		return nil, err
	}
	if signerPEM != nil {
		if err := writeFileAtomic(ca.SignerFile, signerPEM, 0o644); err != nil {
			return nil, err
		}
	} else {
		_ = os.Remove(ca.SignerFile) // a constrained CA's, replaced by an unconstrained one
		ca.SignerFile = ""
	}
	if err := writeFileAtomic(ca.CertFile, ca.certPEM, 0o644); err != nil {
		return nil, err
	}
	return ca, nil
}

// caTemplate is a CA certificate for a new key, valid for CAValidity from
// now, with name constraints for scope (none when scope is empty).
func caTemplate(cn string, now time.Time, scope []string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, err
	}
	skid := sha1.Sum(pub)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   cn,
			Organization: []string{"provtap debugging proxy"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          skid[:],
	}
	if len(scope) > 0 {
		tmpl.PermittedDNSDomainsCritical = true
		tmpl.PermittedDNSDomains = scope
		// Constraints are per name type: without these, the CA could still
		// sign for any IP address.
		tmpl.ExcludedIPRanges = []*net.IPNet{
			{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)},
			{IP: net.IPv6zero, Mask: net.CIDRMask(0, 128)},
		}
	}
	return tmpl, key, nil
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
