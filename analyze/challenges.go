package analyze

import (
	"strings"
	"time"

	"github.com/provtap/provtap/capture/httpx"
)

// The HTTP authentication protocol (RFC 9110 §11): a client without
// preemptive credentials (Apache HttpClient with a credentials provider,
// curl --anyauth, .NET's CredentialCache, the JDK's Authenticator) sends a
// request, gets 401 with WWW-Authenticate, and sends it again with
// Authorization on the same connection; Negotiate and NTLM take several
// legs, Digest may ask again with stale=true. The unanswered halves are the
// protocol at work, not refusals or lost headers.

// A proxy between the client and provtap (a HAR from a tool behind a
// corporate proxy) challenges the same way with 407, Proxy-Authenticate and
// Proxy-Authorization.

// challengeOf is fx's challenge, if its status is one (401, 407), and the
// credentials the request carried for it.
func challengeOf(fx *Facts) (challenges []httpx.Challenge, credentials string) {
	switch fx.Flow.Status {
	case 401:
		return fx.Challenges, fx.reqHeader(hAuthorization)
	case 407:
		return httpx.ParseChallenges(fx.Flow.ResponseHeaderValues("Proxy-Authenticate")), fx.Flow.RequestHeader("Proxy-Authorization")
	}
	return nil, ""
}

// answerHeader is the header that answers a's challenge.
func answerHeader(a *Facts) string {
	if a.Flow.Status == 407 {
		return "Proxy-Authorization"
	}
	return "Authorization"
}

// awaitsAnswer reports a 401 or 407 challenge the client may still answer.
func awaitsAnswer(fx *Facts) bool {
	if !fx.Analyzable {
		return false
	}
	challenges, auth := challengeOf(fx)
	if len(challenges) == 0 {
		return false
	}
	if auth == "" {
		return true
	}
	scheme, _ := httpx.AuthScheme(auth)
	for _, c := range challenges {
		if !strings.EqualFold(c.Scheme, scheme) {
			continue
		}
		switch strings.ToLower(scheme) {
		case "negotiate", "ntlm", "kerberos":
			return c.Token68 != "" // a continuation: the next leg follows
		case "digest":
			return strings.EqualFold(c.Params["stale"], "true")
		}
	}
	return false
}

// answers reports whether b is the client answering a's challenge: the same
// request (method and target) from the same program, with credentials a did
// not carry, on the same connection — or on a new one when a's response
// closed it, or at once (within answerAtOnce: some clients reconnect).
func answers(b, a *Facts) bool {
	fa, fb := a.Flow, b.Flow
	if fb.Method != fa.Method || fb.Target != fa.Target || b.Agent != a.Agent {
		return false
	}
	name := answerHeader(a)
	auth := fb.RequestHeader(name)
	if auth == "" || auth == fa.RequestHeader(name) {
		return false
	}
	if fa.ConnID != 0 && fb.ConnID != 0 && fa.ConnID != fb.ConnID {
		closed := false
		for _, v := range fa.ResponseHeaderValues("Connection") {
			closed = closed || strings.Contains(strings.ToLower(v), "close")
		}
		if !closed && fb.Start.Sub(fa.End) > answerAtOnce {
			return false
		}
	}
	return !fb.Start.Before(fa.Start)
}

const answerAtOnce = time.Second
