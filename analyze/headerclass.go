package analyze

import (
	"strings"

	"github.com/provtap/provtap/capture/httpx"
)

// standardHeaders legitimately differ by verb, body or request, or belong to
// another analyzer (Cookie, CSRF tokens): their absence is never "lost".
var standardHeaders = setOf(
	"a-im", "accept", "accept-charset", "accept-datetime", "accept-encoding", "accept-language",
	"access-control-request-headers", "access-control-request-method", "alt-used", "baggage", "b3",
	"cache-control", "client-request-id", "connection", "cookie", "correlation-id", "date", "depth",
	"destination", "device-memory", "digest", "dnt", "downlink", "dpr", "early-data", "ect", "expect",
	"forwarded", "from", "host", "http2-settings", "idempotency-key", "if", "keep-alive", "lock-token",
	"max-forwards", "origin", "overwrite", "pragma", "prefer", "priority", "proxy-connection", "purpose",
	"range", "referer", "request-id", "rtt", "save-data", "slug", "te", "timeout", "traceparent",
	"tracestate", "trailer", "transfer-encoding", "uber-trace-id", "upgrade", "upgrade-insecure-requests",
	"user-agent", "via", "viewport-width", "want-digest", "warning", "width",
	"x-amzn-trace-id", "x-client-request-id", "x-cloud-trace-context", "x-correlation-id",
	"x-csrf-token", "x-csrftoken", "x-file-name", "x-http-method", "x-http-method-override",
	"x-idempotency-key", "x-method-override", "x-ms-client-request-id", "x-real-ip", "x-request-id",
	"x-requested-with", "x-xsrf-token",
)

// standardPrefixes are families of such headers.
var standardPrefixes = []string{
	"accept-", "content-", "if-", "sec-", "x-forwarded-", "x-b3-", "x-datadog-", "x-upload-",
}

// perRequestWords in a non-credential header's name mark a value that is new
// on every request (ids, traces, timestamps, body digests).
var perRequestWords = []string{
	"request-id", "requestid", "correlation", "trace", "span", "nonce", "timestamp", "date", "time",
	"idempotency", "sequence", "content", "checksum", "md5", "sha", "length", "csrf", "xsrf",
}

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// isLostHeaderCandidate reports a header whose absence can be a lost
// credential or custom header: not a standard one, not a per-request id.
func isLostHeaderCandidate(name string) bool {
	n := strings.ToLower(name)
	if n == "authorization" || n == "proxy-authorization" {
		return true
	}
	if standardHeaders[n] {
		return false
	}
	for _, p := range standardPrefixes {
		if strings.HasPrefix(n, p) {
			return false
		}
	}
	if isCredentialHeader(n) {
		return true
	}
	for _, w := range perRequestWords {
		if strings.Contains(n, w) {
			return false
		}
	}
	return true
}

// isCredentialHeader reports a header a request authenticates with:
// httpx's credential names but the anti-forgery tokens, which the
// csrf-token analyzer follows and which do not authenticate a caller.
func isCredentialHeader(name string) bool {
	return httpx.IsCredentialHeader(name) && !httpx.IsCSRFName(name)
}

// namePhrases are how a refusal might name a header or parameter:
// "Ocp-Apim-Subscription-Key" → "ocp-apim-subscription-key",
// "ocp apim subscription key", "apim subscription key", "subscription key".
func namePhrases(name string) []string {
	n := strings.ToLower(name)
	words := strings.FieldsFunc(n, func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	out := []string{n}
	for i := 0; i+1 < len(words); i++ {
		out = append(out, strings.Join(words[i:], " "), strings.Join(words[i:], "-"))
	}
	switch n {
	case "authorization", "proxy-authorization":
		out = append(out, "authentication", "credentials")
	}
	return out
}
