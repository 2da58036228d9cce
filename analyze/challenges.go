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

// awaitsAnswer reports a 401 challenge the client may still answer.
func awaitsAnswer(fx *Facts) bool {
	f := fx.Flow
	if f.Status != 401 || len(fx.Challenges) == 0 || !fx.Analyzable {
		return false
	}
	auth := fx.reqHeader(hAuthorization)
	if auth == "" {
		return true
	}
	scheme, _ := httpx.AuthScheme(auth)
	for _, c := range fx.Challenges {
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
	auth := b.reqHeader(hAuthorization)
	if auth == "" || auth == a.reqHeader(hAuthorization) {
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
