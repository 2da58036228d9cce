package analyze

import (
	"testing"

	"github.com/provtap/provtap/capture/httpx"
)

func TestSessionCookieNames(t *testing.T) {
	for name, session := range map[string]bool{
		"JSESSIONID": true, "PHPSESSID": true, "ASP.NET_SessionId": true, "connect.sid": true, "SMSESSION": true,
		"LtpaToken2": true, ".ASPXAUTH": true, "sid": true, "AWSALB": false, "BIGipServerpool_web": false,
		"ARRAffinity": false, "XSRF-TOKEN": false, "theme": false, "_ga": false,
	} {
		if got := isSessionCookie(httpx.SetCookie{Name: name}); got != session {
			t.Errorf("isSessionCookie(%s) = %v", name, got)
		}
	}
	if !isSessionCookie(httpx.SetCookie{Name: "x", HTTPOnly: true}) {
		t.Error("an HttpOnly cookie without expiry is session-like")
	}
}
