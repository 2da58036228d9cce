package analyze_test

import (
	"testing"

	"github.com/provtap/provtap/analyze"
)

// A proxy between the connector and provtap challenges as an origin does,
// with 407 and Proxy-Authenticate; the client answers with
// Proxy-Authorization on the same connection. Answered, it is the protocol
// at work on every request, not a lost header.
func TestProxyChallengeAnswered(t *testing.T) {
	const proxyCreds = "Basic cHJveHl1c2VyOnByb3h5cGFzcw=="
	eachCase(t, map[string]func(*capt){
		"Basic, every request challenged": func(c *capt) {
			for i, m := range []string{"GET", "POST", "PATCH"} {
				conn := onConn(int64(10 + i))
				c.add(m, scim+"/Users", 407, conn, hdr("Authorization", basicAuth), respHdr("Proxy-Authenticate", `Basic realm="corp"`))
				c.add(m, scim+"/Users", 200, conn, hdr("Authorization", basicAuth), hdr("Proxy-Authorization", proxyCreds))
			}
		},
		"NTLM in three legs": func(c *capt) {
			for i, m := range []string{"GET", "POST"} {
				conn := onConn(int64(20 + i))
				c.add(m, scim+"/Users", 407, conn, hdr("Authorization", basicAuth), respHdr("Proxy-Authenticate", "NTLM"))
				c.add(m, scim+"/Users", 407, conn, hdr("Authorization", basicAuth), hdr("Proxy-Authorization", "NTLM TlRMTVNTUAABAAAAB4IIog=="),
					respHdr("Proxy-Authenticate", "NTLM TlRMTVNTUAACAAAADAAMADgAAAAFgomi"))
				c.add(m, scim+"/Users", 201, conn, hdr("Authorization", basicAuth), hdr("Proxy-Authorization", "NTLM TlRMTVNTUAADAAAAGAAYAEAAAAAYABgA"))
			}
		},
	}, func(t *testing.T, got []analyze.Finding) { expectQuiet(t, got) })

	// Unanswered, the 407 is a refusal: the credentials earlier requests
	// carried are lost on it.
	c := newCapt()
	c.add("GET", scim+"/Users", 200, onConn(1), hdr("Proxy-Authorization", proxyCreds))
	c.add("POST", scim+"/Users", 407, onConn(2), respHdr("Proxy-Authenticate", `Basic realm="corp"`))
	expectExactly(t, c.runWith(analyze.NewLostHeader()), want{analyze.KindLostHeader, 2, analyze.Error})
}
