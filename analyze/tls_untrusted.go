package analyze

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
)

// KindTLSUntrusted: the client aborted the TLS handshake with provtap: it
// does not trust provtap's CA.
const KindTLSUntrusted = "tls-untrusted"

// TLSUntrusted explains TLS handshakes a client broke off: which client,
// for which host, what its TLS stack said, and how to make it trust the CA.
//
// Choices: error for a certificate alert and for the ways TLS 1.3 clients
// reject silently (JVM: EOF; OpenSSL 3: an alert provtap cannot read yet,
// "bad record MAC"; SChannel: reset); warning for any other abort; nothing
// for version or cipher mismatches, non-TLS bytes and time-outs. Findings
// repeat per handshake, pointing to the client's first for that host.
type TLSUntrusted struct {
	first map[string]int // per client IP and host
	count map[string]int
}

// NewTLSUntrusted returns the tls-untrusted analyzer.
func NewTLSUntrusted() *TLSUntrusted {
	return &TLSUntrusted{first: map[string]int{}, count: map[string]int{}}
}

// Name implements Analyzer.
func (a *TLSUntrusted) Name() string { return KindTLSUntrusted }

// trustSignals are how handshake failures read when the client rejected
// provtap's certificate (as Go's crypto/tls words them), and which clients
// leave them. certain: the client said so with a certificate alert.
var trustSignals = []struct {
	match, who string
	certain    bool
}{
	{"tls: unknown certificate authority", "OpenSSL-based clients (curl, Python, Node.js, .NET on Linux) send this alert over TLS 1.2 for a CA they do not know", true},
	{"tls: unknown certificate", "the client could not validate the certificate (certificate_unknown)", true},
	{"tls: bad certificate", "Go clients send this alert when verification fails: \"x509: certificate signed by unknown authority\"", true},
	{"tls: unsupported certificate", "", true},
	{"tls: expired certificate", "check the client machine's clock: provtap's certificates are valid from an hour before they are made", true},
	{"tls: revoked certificate", "", true},
	{"bad record mac", "this is how curl and other OpenSSL 3 clients reject a certificate over TLS 1.3: their alert arrives before provtap can read it", false},
	{"eof", "a JVM closes the connection like this when the certificate fails PKIX validation: \"PKIX path building failed: unable to find valid certification path to requested target\"", false},
	{"connection reset", "Windows SChannel (.NET, PowerShell) and some JVMs reset the connection when they reject the certificate", false},
}

// notTrust marks handshake failures that have another cause.
var notTrust = []string{
	"protocol version", "unsupported versions", "no cipher suite", "handshake failure", "does not look like a tls handshake",
	"http request to an https server", "no application protocol", "unrecognized name", "illegal parameter",
	"insufficient security", "within 15s", "timeout",
}

// Observe implements Analyzer.
func (a *TLSUntrusted) Observe(fx *Facts, emit func(Finding)) {
	f := fx.Flow
	if f.Kind != capture.KindTLSFailure {
		return
	}
	msg := strings.ToLower(f.Error)
	for _, n := range notTrust {
		if strings.Contains(msg, n) {
			return
		}
	}
	signal, who, certain := "", "", false
	for _, t := range trustSignals {
		if strings.Contains(msg, t.match) {
			signal, who, certain = t.match, t.who, t.certain
			break
		}
	}
	// An unknown way of breaking off: probably the certificate, but say less.
	sev := Warning
	if signal != "" {
		sev = Error
	}
	ip := clientIP(f)
	key := ip + "\x00" + strings.ToLower(f.Host)
	a.count[key]++
	first, repeat := a.first[key]
	if !repeat {
		a.first[key] = f.ID
	}
	fd := tlsUntrustedFinding(f, ip, strings.TrimPrefix(signal, "tls: "), who, certain, sev, first, a.count[key])
	fd.group = KindTLSUntrusted + "\x00" + key
	emit(fd)
}

func tlsUntrustedFinding(f *capture.Flow, ip, alert, who string, certain bool, sev Severity, first, n int) Finding {
	client := f.ClientAddr
	if client == "" {
		client = "the client"
	}
	host := f.Host
	if f.Port != 0 && f.Port != 443 {
		host = net.JoinHostPort(f.Host, strconv.Itoa(f.Port))
	}
	var title string
	var d strings.Builder
	fmt.Fprintf(&d, "The client at %s (connection %d) asked provtap to tunnel to %s, then ", client, f.ConnID, host)
	switch {
	case certain:
		title = fmt.Sprintf("The client at %s does not trust provtap's CA: it rejected the certificate for %s", ipOr(ip, client), f.Host)
		fmt.Fprintf(&d, "rejected the certificate provtap presented for %s with the TLS alert %q", f.Host, alert)
	case sev == Error:
		title = fmt.Sprintf("The client at %s broke off the TLS handshake for %s: it most likely does not trust provtap's CA", ipOr(ip, client), f.Host)
		fmt.Fprintf(&d, "broke off the TLS handshake for %s without a certificate alert", f.Host)
	default:
		title = fmt.Sprintf("The client at %s broke off the TLS handshake for %s: perhaps it does not trust provtap's CA", ipOr(ip, client), f.Host)
		fmt.Fprintf(&d, "broke off the TLS handshake for %s", f.Host)
	}
	if who != "" {
		fmt.Fprintf(&d, " (%s)", who)
	}
	d.WriteString(".")
	fmt.Fprintf(&d, " provtap recorded: %s. No request reached the target: whatever the connector reports, the call failed before HTTP.", f.Error)
	if first != 0 {
		fmt.Fprintf(&d, " This is handshake %d from this client for %s; the first was #%d.", n, f.Host, first)
	}
	return Finding{
		Kind: KindTLSUntrusted, Severity: sev, Flow: f.ID, Related: related(f.ID, []int{first}),
		Title: title, Detail: d.String(), Fix: tlsTrustFix(),
	}
}

func ipOr(ip, fallback string) string {
	if ip != "" {
		return ip
	}
	return fallback
}

// tlsTrustFix repeats the essentials of `provtap ca --hints`.
func tlsTrustFix() string {
	return "Make the connector's runtime trust provtap's CA, <provtap home>/ca.pem, then restart the connector; " +
		"`provtap ca --hints --for jvm|windows|linux|macos|curl` prints every command with the real paths, and how to undo them. " +
		"JVM connector: a truststore made from a copy of the JDK's cacerts plus the CA (keytool -importkeystore from cacerts, " +
		"then keytool -importcert -noprompt -alias provtap -file <provtap home>/ca.pem into the copy), passed with " +
		"-Djavax.net.ssl.trustStore=<the copy> so the JVM's other HTTPS keeps working. " +
		"Windows (.NET connectors; PowerShell as administrator): certutil -addstore Root <provtap home>\\ca.pem. " +
		"curl: --cacert <provtap home>/ca.pem. Linux system store: copy it to /usr/local/share/ca-certificates/provtap.crt " +
		"and run update-ca-certificates. Or avoid TLS to provtap altogether: reverse mode (provtap --target https://target) " +
		"with the connector's base URL pointed at provtap."
}
