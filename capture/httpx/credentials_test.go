package httpx

import "testing"

// The one list of credential names: what the analyzers call lost, what
// redaction hides and what reports mask.
func TestCredentialNames(t *testing.T) {
	for name, want := range map[string]bool{
		"Authorization": true, "Proxy-Authorization": true, "X-API-Key": true, "Ocp-Apim-Subscription-Key": true,
		"X-Auth-Token": true, "X-CSRF-Token": true, "X-Subscription": true, "X-Client-Secret": true, "X-Session-Id": true,
		"WWW-Authenticate": false, "Proxy-Authenticate": false, "Sec-Fetch-Mode": false, "Idempotency-Key": false,
		"Content-Type": false, "Accept": false, "X-Request-Id": false, "Keep-Alive": false,
	} {
		if got := IsCredentialHeader(name); got != want {
			t.Errorf("IsCredentialHeader(%q) = %v", name, got)
		}
	}
	for name, want := range map[string]bool{
		"subscription-key": true, "api_key": true, "apiKey": true, "code": true, "sig": true, "access_token": true,
		"client_secret": true, "key": true, "filter": false, "count": false, "token_type": false, "expires_in": false,
	} {
		if got := IsCredentialParam(name); got != want {
			t.Errorf("IsCredentialParam(%q) = %v", name, got)
		}
	}
	for name, want := range map[string]bool{
		"password": true, "client_secret": true, "accessToken": true, "primaryKey": true,
		"key": false, "token_type": false, "expires_in": false, "userName": false,
	} {
		if got := IsSecretField(name); got != want {
			t.Errorf("IsSecretField(%q) = %v", name, got)
		}
	}
	if !IsCSRFName("X-XSRF-TOKEN") || !IsCSRFName("csrftoken") || IsCSRFName("JSESSIONID") {
		t.Error("IsCSRFName")
	}
}
