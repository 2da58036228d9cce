package analyze_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
)

// Reports are pasted into tickets and forum posts: no credential, session
// cookie, token or key appears in full in the text, markdown or JSON report
// (the requests themselves hold them; export and copy produce them on
// purpose).
func TestReportsNeverPrintASecretInFull(t *testing.T) {
	const (
		password = "Pr0v-S3cret!2024"
		session  = "D37E6162A9B04C1F8E2D5B7A9C3E5966"
		apiKey   = "4f2b9c7d1e8a4b6c9d0e1f2a3b4c5d6e"
		queryKey = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d"
		csrf     = "bG1xM3hZQmVyZ3R4Y2Z2b3BtZw=="
	)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("svc-provisioner:"+password))
	tok := tokenJWT("svc-bearer", 0, time.Minute)
	secrets := []string{password, basic[len("Basic "):], session, apiKey, queryKey, csrf, tok}

	c := newCapt()
	// seed 1: the session cookie dropped, a second session refused
	c.add("POST", api+"/admin/users", 201, hdr("Authorization", basic), setCookieHdr("JSESSIONID="+session+"; Path=/; HttpOnly"))
	c.add("PATCH", api+"/admin/usergroups/1", 401, append(refused401(restlet401), hdr("Authorization", basic))...)
	c.add("GET", api+"/admin/users/x", 200, hdr("Authorization", basic), cookieHdr("JSESSIONID=0000"+session[4:]))
	// seed 2: a key in a header and in the query, lost on the write
	for i := 0; i < 3; i++ {
		c.add("GET", scim+"/Users?subscription-key="+queryKey, 200, hdr("Authorization", basicAuth), hdr("Ocp-Apim-Subscription-Key", apiKey))
	}
	c.add("PUT", scim+"/Groups/1", 401, hdr("Authorization", basicAuth), respBody(apim401))
	// a bearer token used after it expired
	c.add("GET", scimAPI+"/Users", 200, bearer(tok))
	c.add("PATCH", scimAPI+"/Groups/1", 401, bearer(tok), startAt(10*time.Minute), respHdr("WWW-Authenticate", expiredChallenge))
	// a CSRF token fetched, then not echoed
	fetch(c, csrf, s1)
	c.add("POST", sapAPI+"/Users", 403, append(csrfRefused(), sessionCookie(s1))...)
	got := c.run()
	if len(got) < 6 {
		t.Fatalf("the capture must give findings about every secret; got:\n  %s", lines(got))
	}
	r := analyze.NewReport(len(c.Flows), got)
	var out bytes.Buffer
	r.WriteJSON(&out)
	r.WriteText(&out, analyze.TextOptions{Width: 100})
	r.WriteMarkdown(&out)
	for _, fd := range got {
		out.WriteString(fd.Line() + "\n")
	}
	for _, s := range secrets {
		if strings.Contains(out.String(), s) {
			t.Errorf("a report prints %q in full", s)
		}
	}
	for _, s := range []string{"D37E…66", "4f2b…6e", "9a8b…4d"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("a report should show %s, enough to recognise the secret", s)
		}
	}
}

func TestMaskTarget(t *testing.T) {
	for in, want := range map[string]string{
		"/scim/v2/Users?filter=userName%20eq%20%22x%22&subscription-key=000000000000000096afde0263e787d1": "/scim/v2/Users?filter=userName%20eq%20%22x%22&subscription-key=0000…d1",
		"/v1/users?api_key=abc&page=2": "/v1/users?api_key=•••&page=2",
		"/v1/users?page=2":             "/v1/users?page=2",
		"/v1/users":                    "/v1/users",
	} {
		if got := analyze.MaskTarget(in); got != want {
			t.Errorf("MaskTarget(%q) = %q, want %q", in, got, want)
		}
	}
}
