package analyze_test

import (
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// tlsFailure appends a handshake provtap's proxy recorded as failed.
func (c *capt) tlsFailure(client, host string, msg string) {
	start := c.Now().Add(100 * time.Millisecond)
	c.Flows = append(c.Flows, &capture.Flow{Kind: capture.KindTLSFailure, ConnID: int64(len(c.Flows) + 1),
		Start: start, End: start.Add(20 * time.Millisecond), ClientAddr: client, Scheme: "https", Host: host, Port: 443,
		Method: "CONNECT", URL: "https://" + host + ":443/", Target: host + ":443", Proto: "HTTP/1.1", Error: msg})
	c.SetNow(start.Add(20 * time.Millisecond))
}

const rejected = "the client rejected provtap's certificate during the TLS handshake (remote error: tls: "

func TestTLSUntrusted(t *testing.T) {
	c := newCapt()
	c.tlsFailure("10.1.2.3:50412", "iam.example.com", rejected+"unknown certificate)")                                            // JVM
	c.tlsFailure("10.1.2.3:50413", "iam.example.com", rejected+"unknown certificate)")                                            // JVM, again
	c.tlsFailure("10.9.9.9:61000", "scim.example.org", rejected+"unknown certificate authority)")                                 // curl
	c.tlsFailure("10.9.9.8:61000", "scim.example.org", rejected+"bad certificate)")                                               // Go
	c.tlsFailure("10.9.9.7:61000", "scim.example.org", "the client aborted the TLS handshake (EOF)")                              // JVM
	c.tlsFailure("10.9.9.6:61000", "scim.example.org", "the client aborted the TLS handshake (local error: tls: bad record MAC)") // curl, TLS 1.3
	c.tlsFailure("10.9.9.5:61000", "scim.example.org", "the client aborted the TLS handshake (local error: tls: unexpected message)")
	got := c.run()
	expectExactly(t, got, want{analyze.KindTLSUntrusted, 1, analyze.Error}, want{analyze.KindTLSUntrusted, 2, analyze.Error},
		want{analyze.KindTLSUntrusted, 3, analyze.Error}, want{analyze.KindTLSUntrusted, 4, analyze.Error}, want{analyze.KindTLSUntrusted, 5, analyze.Error},
		want{analyze.KindTLSUntrusted, 6, analyze.Error}, want{analyze.KindTLSUntrusted, 7, analyze.Warning})
	f := got[0]
	if f.Title != "The client at 10.1.2.3 does not trust provtap's CA: it rejected the certificate for iam.example.com" {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{"10.1.2.3:50412 (connection 1)", "tunnel to iam.example.com", `TLS alert "unknown certificate"`, "certificate_unknown"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q: %s", s, f.Detail)
		}
	}
	for _, s := range []string{"keytool -importcert", "-file <provtap home>/ca.pem", "cacerts", "certutil -addstore Root", "provtap ca --hints"} {
		if !strings.Contains(f.Fix, s) {
			t.Errorf("fix lacks %q: %s", s, f.Fix)
		}
	}
	if got[1].Group() != f.Group() || got[1].Related[0] != 1 || !strings.Contains(got[1].Detail, "the first was #1") {
		t.Errorf("repeat %q %v", got[1].Title, got[1].Related)
	}
	if !strings.Contains(got[2].Detail, "OpenSSL") || !strings.Contains(got[3].Detail, "Go clients") {
		t.Errorf("client stacks:\n%s\n%s", got[2].Detail, got[3].Detail)
	}
	if !strings.Contains(got[4].Title, "most likely does not trust provtap's CA") || !strings.Contains(got[4].Detail, "PKIX") {
		t.Errorf("EOF: %q %s", got[4].Title, got[4].Detail)
	}
	if !strings.Contains(got[5].Detail, "OpenSSL 3") || !strings.Contains(got[6].Title, "perhaps it does not trust") {
		t.Errorf("bad record MAC: %s\nunexpected message: %s", got[5].Detail, got[6].Title)
	}
}

func TestTLSUntrustedQuiet(t *testing.T) {
	c := newCapt()
	c.tlsFailure("10.1.2.3:1", "a.example", "the client aborted the TLS handshake (tls: client offered only unsupported versions: [302 301])")
	c.tlsFailure("10.1.2.3:2", "a.example", "the client did not complete the TLS handshake within 15s")
	c.tlsFailure("10.1.2.3:3", "a.example", "the client aborted the TLS handshake (tls: no cipher suite supported by both client and server)")
	c.tlsFailure("10.1.2.3:4", "a.example", "the client aborted the TLS handshake (tls: first record does not look like a TLS handshake)")
	c.add("GET", "https://a.example/ok", 200)
	expectExactly(t, c.run())
}
