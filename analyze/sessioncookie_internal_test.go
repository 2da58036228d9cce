package analyze

import (
	"strings"
	"testing"

	"github.com/provtap/provtap/capture/httpx"
)

func TestSessionCookieNames(t *testing.T) {
	for name, session := range map[string]bool{
		"JSESSIONID": true, "PHPSESSID": true, "ASP.NET_SessionId": true, "connect.sid": true, "SMSESSION": true,
		"LtpaToken2": true, ".ASPXAUTH": true, "sid": true, "AWSALB": false, "BIGipServerpool_web": false,
		"ARRAffinity": false, "XSRF-TOKEN": false, "theme": false, "_ga": false,
		"INGRESSCOOKIE": false, "GCLB": false, "_TRAEFIK_BACKEND": false, // nginx ingress, Google, Traefik
		"GCLBsession": true,
	} {
		if got := isSessionCookie(httpx.SetCookie{Name: name}); got != session {
			t.Errorf("isSessionCookie(%s) = %v", name, got)
		}
	}
	// Joomla names its session with 32 hex digits, as OpenShift's router
	// names its cookie: the name alone is no affinity.
	if !isSessionCookie(httpx.SetCookie{Name: "3c0e0a8f1d7b8a0f9d8c7b6a5f4e3d2c", HTTPOnly: true}) {
		t.Error("a 32-hex-digit HttpOnly cookie is a session (Joomla)")
	}
	if !isSessionCookie(httpx.SetCookie{Name: "x", HTTPOnly: true}) {
		t.Error("an HttpOnly cookie without expiry is session-like")
	}
}

// referenceIsAffinityCookie and referenceIsSessionCookie are the former
// classifiers, which lowered every name with strings.ToLower.
func referenceIsAffinityCookie(name string) bool {
	// As for sessions, the rule is isAffinityLower's; what changed is the lowering.
	return isAffinityLower(strings.ToLower(name))
}

func referenceIsSessionCookie(c httpx.SetCookie) bool {
	// The rule itself is isSessionLower's; what changed is the lowering.
	return isSessionLower(strings.ToLower(c.Name), c)
}

// FuzzSessionCookieNames: the classifiers agree with the former ones on
// any name (long ones, non-ASCII ones: the Kelvin sign lowers to k).
func FuzzSessionCookieNames(f *testing.F) {
	for _, n := range []string{"JSESSIONID", "AWSALBCORS", "BIGipServerpool", "XSRF-TOKEN", "A\u212Aamai", "ApplicationGatewayAffinityCORS",
		"ApplicationGatewayAffinityCORS-and-more", "x.SID", "\u212Aoken", "__Host-session", "theme", ""} {
		f.Add(n, true, false, false)
	}
	f.Fuzz(func(t *testing.T, name string, httpOnly, hasExpires, hasMaxAge bool) {
		c := httpx.SetCookie{Name: name, HTTPOnly: httpOnly, HasExpires: hasExpires, HasMaxAge: hasMaxAge}
		if got, want := isAffinityCookie(name), referenceIsAffinityCookie(name); got != want {
			t.Fatalf("isAffinityCookie(%q) = %v, want %v", name, got, want)
		}
		if got, want := isSessionCookie(c), referenceIsSessionCookie(c); got != want {
			t.Fatalf("isSessionCookie(%+v) = %v, want %v", c, got, want)
		}
	})
}

func BenchmarkSessionCookieNames(b *testing.B) {
	names := []string{"JSESSIONID", "AWSALB", "XSRF-TOKEN", "session", "ARRAffinity", "_ga"}
	b.Run("new", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n := names[i%len(names)]
			_ = isSessionCookie(httpx.SetCookie{Name: n}) || isAffinityCookie(n)
		}
	})
	b.Run("reference", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			n := names[i%len(names)]
			_ = referenceIsSessionCookie(httpx.SetCookie{Name: n}) || referenceIsAffinityCookie(n)
		}
	})
}
