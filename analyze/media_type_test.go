package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

const mediaAPI = "https://idm.example.com/scim/v2"

const newUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jdoe@example.com","active":true}`

func scimList() []flowOpt {
	return []flowOpt{respHdr("Content-Type", "application/scim+json"),
		respBody(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"Resources":[]}`)}
}

func scimStrict415() []flowOpt {
	return []flowOpt{respHdr("Content-Type", "application/scim+json"), respHdr("Accept-Post", "application/scim+json"),
		respBody(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"415","detail":"Content-Type must be application/scim+json"}`)}
}

func write(ct, body string) []flowOpt {
	opts := []flowOpt{hdr("Authorization", basicAuth), reqBody(body)}
	if ct != "" {
		opts = append(opts, hdr("Content-Type", ct))
	}
	return opts
}

func TestMediaTypeJSONWhereSCIMWanted(t *testing.T) {
	c := newCapt()
	c.add("GET", mediaAPI+"/Users?filter=userName%20eq%20%22jdoe%22", 200, append([]flowOpt{hdr("Authorization", basicAuth),
		hdr("Accept", "application/scim+json")}, scimList()...)...)
	c.add("POST", mediaAPI+"/Users", 415, append(write("application/json", newUser), scimStrict415()...)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindMediaType, 2, analyze.Error})
	f := got[0]
	if f.Title != "POST /scim/v2/Users refused 415: Content-Type application/json, the server wants application/scim+json" {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{"sent Content-Type: application/json", "RFC 7644 §8.1", "Accept-Post: application/scim+json",
		"“Content-Type must be application/scim+json”"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	if !strings.Contains(f.Fix, "Content-Type: application/scim+json") {
		t.Errorf("fix %q", f.Fix)
	}
}

func TestMediaTypeWhatWorked(t *testing.T) {
	c := newCapt()
	c.add("POST", mediaAPI+"/Users", 201, append(write("application/scim+json", newUser), respHdr("Content-Type", "application/scim+json"),
		respBody(`{"id":"1"}`))...)
	c.add("PATCH", mediaAPI+"/Users/1", 415, write("application/json", `{"Operations":[]}`)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindMediaType, 2, analyze.Error})
	f := got[0]
	if fmt.Sprint(f.Related) != "[1]" || !strings.Contains(f.Detail, "POST #1 sent Content-Type: application/scim+json and succeeded") ||
		!strings.HasSuffix(f.Title, "the server wants application/scim+json") {
		t.Errorf("related %v %q\n%s", f.Related, f.Title, f.Detail)
	}
}

func TestMediaTypeCharset(t *testing.T) {
	c := newCapt()
	c.add("POST", mediaAPI+"/Users", 415, append(write("application/scim+json; charset=ISO-8859-1", newUser), scimStrict415()...)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindMediaType, 1, analyze.Error})
	f := got[0]
	if !strings.Contains(f.Title, "charset=ISO-8859-1 rejected") || !strings.Contains(f.Detail, "RFC 7644 §3.8") ||
		!strings.Contains(f.Fix, "UTF-8") {
		t.Errorf("%q\n%s\n%s", f.Title, f.Detail, f.Fix)
	}
}

func TestMediaTypeMissing(t *testing.T) {
	c := newCapt()
	c.add("PUT", mediaAPI+"/Groups/g1", 415, write("", `{"displayName":"Sales"}`)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindMediaType, 1, analyze.Error})
	if f := got[0]; f.Title != "PUT /scim/v2/Groups/g1 refused 415: a 23-byte body without Content-Type" ||
		!strings.Contains(f.Fix, "Content-Type: application/scim+json") {
		t.Errorf("%q %q", f.Title, f.Fix)
	}
}

func TestMediaTypeAccept(t *testing.T) {
	c := newCapt()
	c.add("GET", mediaAPI+"/Groups", 200, append([]flowOpt{hdr("Authorization", basicAuth), hdr("Accept", "*/*")}, scimList()...)...)
	c.add("GET", mediaAPI+"/Users/1", 406, hdr("Authorization", basicAuth), hdr("Accept", "application/json"),
		respHdr("Content-Type", "application/scim+json"), respBody(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"406","detail":"Not Acceptable"}`))
	got := c.run()
	expectExactly(t, got, want{analyze.KindMediaType, 2, analyze.Error})
	f := got[0]
	if f.Title != "GET /scim/v2/Users/1 refused 406: Accept application/json, the server answers application/scim+json" ||
		fmt.Sprint(f.Related) != "[1]" || !strings.Contains(f.Detail, "the server answered GET #1 with Content-Type: application/scim+json") {
		t.Errorf("%q %v\n%s", f.Title, f.Related, f.Detail)
	}
}

func TestMediaTypeEncoding(t *testing.T) {
	c := newCapt()
	c.add("POST", mediaAPI+"/Users", 415, append(write("application/scim+json", "\x1f\x8b..."), hdr("Content-Encoding", "gzip"),
		respHdr("Accept-Encoding", "identity"))...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindMediaType, 1, analyze.Error})
	if !strings.Contains(got[0].Title, "gzip-encoded body") || !strings.Contains(got[0].Detail, "Accept-Encoding: identity") {
		t.Errorf("%q\n%s", got[0].Title, got[0].Detail)
	}
}

func TestMediaTypeQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		"the right media type": func(c *capt) {
			c.add("GET", mediaAPI+"/Users", 200, append([]flowOpt{hdr("Authorization", basicAuth), hdr("Accept", "application/scim+json")}, scimList()...)...)
			c.add("POST", mediaAPI+"/Users", 201, append(write("application/scim+json; charset=utf-8", newUser), respHdr("Content-Type", "application/scim+json"), respBody(`{"id":"1"}`))...)
		},
		"a server that takes both": func(c *capt) {
			c.add("POST", mediaAPI+"/Users", 201, write("application/json", newUser)...)
			c.add("POST", mediaAPI+"/Users", 201, write("application/scim+json", newUser)...)
		},
		"a WAF's 406 to a client that accepts anything": func(c *capt) {
			c.add("GET", mediaAPI+"/Users?filter=userName%20eq%20%22x%27%20or%201%3D1%22", 406, hdr("Authorization", basicAuth), hdr("Accept", "*/*"),
				respHdr("Content-Type", "text/html"), respBody("<html><body>Not Acceptable! mod_security</body></html>"))
			c.add("GET", mediaAPI+"/Users", 406, hdr("Authorization", basicAuth), respBody("Not Acceptable"))
			c.add("GET", mediaAPI+"/Users", 406, hdr("Authorization", basicAuth), hdr("Accept", "application/json, text/*;q=0.5"))
		},
		"a 415 on a request without a body or Content-Type": func(c *capt) {
			c.add("DELETE", mediaAPI+"/Users/1", 415, hdr("Authorization", basicAuth))
		},
		"a 415 for a type that worked on the same method": func(c *capt) {
			c.add("POST", mediaAPI+"/Users", 201, write("application/scim+json", newUser)...)
			c.add("POST", mediaAPI+"/Users", 415, write("application/scim+json", "<xml/>")...)
		},
	}
	eachCase(t, cases, func(t *testing.T, got []analyze.Finding) {
		expectQuiet(t, got)
		expectNone(t, got, analyze.KindMediaType)
	})
}

// One wrong Content-Type on thousands of writes is one problem; another
// account's is another.
func TestMediaTypeProblems(t *testing.T) {
	c := newCapt()
	for i := 0; i < 40; i++ {
		c.add("POST", mediaAPI+"/Users", 415, write("application/json", newUser)...)
	}
	c.add("POST", mediaAPI+"/Users", 415, hdr("Authorization", "Basic b3RoZXI6cGFzc3dvcmQ="), hdr("Content-Type", "application/json"), reqBody(newUser))
	flows := c.Numbered()
	r := analyze.NewReport(len(flows), analyze.Run(flows))
	if len(r.Problems) != 2 || r.Problems[0].Count != 40 || r.Problems[1].Count != 1 {
		t.Fatalf("problems %+v", r.Problems)
	}
}

// BenchmarkMediaType: ns/flow of facts alone and with the analyzer on
// SCIM traffic (scimTraffic: one write in twenty refused 415).
func BenchmarkMediaType(b *testing.B) {
	b.Run("facts", func(b *testing.B) {
		benchEngine(b, scimTraffic(4000, true), func() analyze.Analyzer { return noop{} }, nil)
	})
	b.Run(analyze.KindMediaType, func(b *testing.B) {
		benchEngine(b, scimTraffic(4000, true), func() analyze.Analyzer { return analyze.NewMediaType() }, nil)
	})
}

func BenchmarkMediaTypeObserve(b *testing.B) {
	benchSCIMTraffic(b, func() analyze.Analyzer { return analyze.NewMediaType() })
}
