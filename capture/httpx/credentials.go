package httpx

import "strings"

// Which header, parameter and field names carry a credential: one list, so
// the analyzers (what a client lost), redaction (what a shareable capture
// hides) and the reports (what they mask) agree.

// credentialWords in a header's name mark a credential: API keys, tokens,
// secrets, passwords, signatures, sessions, subscription keys.
var credentialWords = []string{"key", "token", "secret", "passw", "auth", "signature", "subscription", "credential", "session"}

// IsCredentialHeader reports Authorization, Proxy-Authorization and
// API-key-like headers (X-API-Key, Ocp-Apim-Subscription-Key, X-Auth-Token,
// X-CSRF-Token, X-Subscription, …), but not the challenges
// (WWW-Authenticate), Fetch Metadata (Sec-*) or an idempotency key.
func IsCredentialHeader(name string) bool {
	n := strings.ToLower(name)
	switch {
	case n == "authorization" || n == "proxy-authorization":
		return true
	case strings.HasSuffix(n, "authenticate"), strings.HasPrefix(n, "sec-"), strings.Contains(n, "idempotency"):
		return false
	}
	for _, w := range credentialWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// IsCSRFName reports an anti-forgery header or cookie (X-CSRF-Token,
// X-XSRF-TOKEN, csrftoken): a credential, but one with its own protocol.
func IsCSRFName(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "csrf") || strings.Contains(n, "xsrf") || strings.Contains(n, "antiforgery") ||
		strings.Contains(n, "requestverificationtoken")
}

// credentialParams are query and form parameters that carry a credential
// though their name does not say so (normalised: lower case, no - _ .).
var credentialParams = setOf("code", "sig", "key", "auth", "pwd", "pin", "otp", "sid", "ticket", "assertion",
	"clientassertion", "samlresponse", "samlrequest", "session", "sessionid", "jsessionid", "phpsessid",
	"xamzcredential", "xamzsignature")

// IsCredentialParam reports a credential-like query or form parameter:
// subscription-key, api_key, code, sig, token, access_token, client_secret,
// … (api_key, api-key and apiKey are one name).
func IsCredentialParam(name string) bool {
	n := normName(name)
	return credentialParams[n] || IsSecretField(n)
}

// secretFieldExact are field names that are secrets though no word says so.
var secretFieldExact = setOf("pwd", "pin", "otp", "assertion", "clientassertion", "sessionid", "jsessionid",
	"authorization", "cookie")

// describing suffixes name a field about a credential, not the credential:
// token_type, expires_in, key_id, password_policy.
var describing = []string{"type", "url", "uri", "endpoint", "expires", "expiry", "expiresin", "expiresat",
	"lifetime", "ttl", "scope", "length", "count", "format", "policy", "hint", "name", "id", "kind", "method"}

var secretFieldWords = []string{"token", "secret", "passw", "apikey", "credential", "signature"}

// IsSecretField reports a credential-like JSON, XML or form field name
// (password, client_secret, accessToken, primaryKey, …), but not one that
// describes a credential (token_type, expires_in) and not a bare "key",
// which is too often the name in key/value pairs.
func IsSecretField(name string) bool {
	n := normName(name)
	if secretFieldExact[n] {
		return true
	}
	for _, s := range describing {
		if strings.HasSuffix(n, s) && n != s {
			return false
		}
	}
	for _, w := range secretFieldWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasSuffix(n, "key") && n != "key"
}

// normName lower-cases and drops '-', '_' and '.' (without allocating when
// the name already is so).
func normName(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '-' || c == '_' || c == '.' || c >= 'A' && c <= 'Z' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '-' || c == '_' || c == '.':
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
		default:
			b = append(b, c)
		}
	}
	return string(b)
}
