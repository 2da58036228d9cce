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

// certAlerts are the TLS alerts a client sends when it does not accept the
// certificate (as Go's crypto/tls words them), and which clients send them.
var certAlerts = []struct{ alert, who string }{
	{"unknown certificate authority", "OpenSSL-based clients (curl, Python, Node.js, .NET on Linux) send it for a CA they do not know"},
	{"unknown certificate", "a JVM sends it (certificate_unknown) when no trust anchor is found: \"PKIX path building failed\""},
	{"bad certificate", "Go clients send it when verification fails (\"certificate signed by unknown authority\")"},
	{"certificate required", ""},
	{"unsupported certificate", ""},
	{"expired certificate", "check the client machine's clock: provtap's certificates are valid from an hour before they are made"},
	{"revoked certificate", ""},
	{"access denied", ""},
}

// notTrust marks handshake failures that have another cause.
var notTrust = []string{
	"protocol version", "unsupported versions", "no cipher suite", "handshake failure", "does not look like a tls handshake",
	"http request to an https server", "no application protocol", "unrecognized name", "illegal parameter",
	"insufficient security", "within 15s", "timeout",
}

// Observe implements Analyzer.
func (a *TLSUntrusted) Observe(f *capture.Flow, emit func(Finding)) {
	if f.Kind != capture.KindTLSFailure {
		return
	}
	msg := strings.ToLower(f.Error)
	var alert, who string
	for _, c := range certAlerts {
		if strings.Contains(msg, "remote error") && strings.Contains(msg, "tls: "+c.alert) {
			alert, who = c.alert, c.who
			break
		}
	}
	sev := Error
	if alert == "" {
		for _, n := range notTrust {
			if strings.Contains(msg, n) {
				return
			}
		}
		// Closed without an alert (EOF, reset): Windows SChannel and some
		// clients do that when they reject the certificate, but it may be
		// a probe or a client that gave up for another reason.
		sev = Warning
	}
	ip := clientIP(f)
	key := ip + "\x00" + strings.ToLower(f.Host)
	a.count[key]++
	first, repeat := a.first[key]
	if !repeat {
		a.first[key] = f.ID
	}
	emit(tlsUntrustedFinding(f, ip, alert, who, sev, first, a.count[key]))
}

func tlsUntrustedFinding(f *capture.Flow, ip, alert, who string, sev Severity, first, n int) Finding {
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
	if alert != "" {
		title = fmt.Sprintf("The client at %s does not trust provtap's CA: it rejected the certificate for %s", ipOr(ip, client), f.Host)
		fmt.Fprintf(&d, "rejected the certificate provtap presented for %s with the TLS alert %q", f.Host, alert)
		if who != "" {
			fmt.Fprintf(&d, " (%s)", who)
		}
		d.WriteString(".")
	} else {
		title = fmt.Sprintf("The client at %s broke off the TLS handshake for %s: probably an untrusted CA", ipOr(ip, client), f.Host)
		fmt.Fprintf(&d, "closed the connection during the TLS handshake without saying why.")
	}
	fmt.Fprintf(&d, " provtap recorded: %s. No request reached the target: whatever the connector reports, the call failed before HTTP.", f.Error)
	if first != 0 {
		title += fmt.Sprintf(" (again, first on #%d)", first)
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
	return "Make the connector's runtime trust provtap's CA, <provtap home>/ca.pem (`provtap ca` prints where it is; " +
		"`provtap ca --hints` prints every command with the real path), then restart the connector. " +
		"JVM connector: keytool -importcert -noprompt -alias provtap -file <provtap home>/ca.pem " +
		"-keystore \"$JAVA_HOME/lib/security/cacerts\" -storepass changeit " +
		"(Java 8: $JAVA_HOME/jre/lib/security/cacerts; or a separate truststore with -Djavax.net.ssl.trustStore=…). " +
		"Windows (.NET connectors; PowerShell as administrator): certutil -addstore Root <provtap home>\\ca.pem. " +
		"curl: --cacert <provtap home>/ca.pem. Linux system store: copy it to /usr/local/share/ca-certificates/provtap.crt " +
		"and run update-ca-certificates. Or avoid TLS to provtap altogether: reverse mode (provtap --target https://target) " +
		"with the connector's base URL pointed at provtap."
}
