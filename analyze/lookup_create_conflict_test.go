package analyze_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
)

const lookupAPI = "https://idm.example.com/scim/v2"

const (
	emptyList = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":0,"startIndex":1,"itemsPerPage":0,"Resources":[]}`
	jdoeList  = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,"Resources":[{"id":"u1","userName":"jdoe"}]}`
	otherList = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":3,"Resources":[{"id":"u7","userName":"alice"},{"id":"u8","userName":"bob"},{"id":"u9","userName":"jdoe"}]}`
	uniq409   = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"409","scimType":"uniqueness","detail":"User with userName jdoe already exists"}`
)

func lookupOpts(body string, extra ...flowOpt) []flowOpt {
	return append([]flowOpt{hdr("Authorization", basicAuth), hdr("Accept", "application/scim+json"),
		respHdr("Content-Type", "application/scim+json"), respBody(body)}, extra...)
}

func createOpts(user string, status int, extra ...flowOpt) []flowOpt {
	body := `{"id":"u2","userName":"` + user + `"}`
	if status == 409 {
		body = uniq409
	}
	return append([]flowOpt{hdr("Authorization", basicAuth), hdr("Content-Type", "application/scim+json"),
		capturetest.ReqBody(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"` + user + `","active":true}`),
		respHdr("Content-Type", "application/scim+json"), respBody(body)}, extra...)
}

const jdoeFilter = "/Users?filter=userName%20eq%20%22JDoe%22"

func TestLookupCreateConflictCase(t *testing.T) {
	c := newCapt()
	c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(emptyList)...)
	c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindLookupCreateConflict, 2, analyze.Error})
	f := got[0]
	if f.Title != `POST /scim/v2/Users got 409 for "JDoe" after lookup #1 found nothing` || fmt.Sprint(f.Related) != "[1]" {
		t.Errorf("title %q related %v", f.Title, f.Related)
	}
	for _, s := range []string{`#1 (GET /scim/v2/Users) looked the resource up with filter=userName eq "JDoe" (as sent: filter=userName%20eq%20%22JDoe%22)`,
		"totalResults 0 and no Resources (a conformant ListResponse)", `409 “User with userName jdoe already exists” (scimType uniqueness)`,
		`The server holds it as "jdoe", the lookup asked for "JDoe"`, "caseExact=false", "RFC 7644 §3.4.2.2"} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	if !strings.Contains(f.Fix, "case-insensitive") {
		t.Errorf("fix %q", f.Fix)
	}
}

func TestLookupCreateConflictShapes(t *testing.T) {
	cases := []struct {
		name   string
		target string
		opts   []flowOpt
		detail []string
	}{
		{"filter ignored", "/Users?filter=userName+eq+%22JDoe%22", lookupOpts(strings.ReplaceAll(otherList, `"jdoe"`, `"carol"`)),
			[]string{`with 3 resources none of which has userName "JDoe" ("alice", "bob", "carol"…): the server ignored the filter`,
				"The query encodes spaces as `+`"}},
		{"empty body", jdoeFilter, []flowOpt{hdr("Authorization", basicAuth), respHdr("Content-Type", "application/scim+json")},
			[]string{"200 application/scim+json with an empty body", "ListResponse"}},
		{"bare array", jdoeFilter, lookupOpts("[]"), []string{"a bare empty array `[]`, not a ListResponse"}},
		{"HTML", jdoeFilter, []flowOpt{hdr("Authorization", basicAuth), respHdr("Content-Type", "text/html"),
			respBody("<html><head><title>Maintenance</title></head><body>back soon</body></html>")},
			[]string{"200 text/html with HTML (title “Maintenance”), not JSON"}},
		{"OData $filter, single quotes", "/Users?$filter=UserName%20EQ%20'JDoe'", lookupOpts(`{"totalResults":0}`),
			[]string{"$filter=UserName EQ 'JDoe'", "single quotes", `spelled "UserName"`, `spelled "EQ"`, "a ListResponse with no ListResponse schema"}},
		{"404", jdoeFilter, lookupOpts(`{"detail":"not found"}`, func(f *capture.Flow) { f.Status = 404 }),
			[]string{"404 application/scim+json, not a ListResponse with totalResults 0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCapt()
			c.add("GET", lookupAPI+tc.target, 200, tc.opts...)
			c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409)...)
			got := c.run()
			expectExactly(t, got, want{analyze.KindLookupCreateConflict, 2, analyze.Error})
			for _, s := range tc.detail {
				if !strings.Contains(got[0].Detail, s) {
					t.Errorf("detail lacks %q:\n%s", s, got[0].Detail)
				}
			}
		})
	}
}

func TestLookupCreateConflictRace(t *testing.T) {
	c := newCapt()
	c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(emptyList, onConn(1))...)
	c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(emptyList, onConn(2))...)
	c.add("POST", lookupAPI+"/Users", 201, createOpts("JDoe", 201, onConn(2))...)
	c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409, onConn(1))...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindLookupCreateConflict, 4, analyze.Info})
	if f := got[0]; !strings.Contains(f.Title, `lost a race: #3 created "JDoe" after lookup #2`) || fmt.Sprint(f.Related) != "[2 3]" {
		t.Errorf("%q %v", f.Title, f.Related)
	}
}

func TestLookupCreateConflictRepeatsAreOneProblem(t *testing.T) {
	c := newCapt()
	for i := 0; i < 20; i++ {
		u := fmt.Sprintf("JDoe%d", i)
		c.add("GET", lookupAPI+"/Users?filter=userName%20eq%20%22"+u+"%22", 200, lookupOpts(emptyList)...)
		c.add("POST", lookupAPI+"/Users", 409, createOpts(u, 409)...)
	}
	got := c.run()
	if p := analyze.NewReport(len(c.Flows), got).Problems; len(p) != 1 || p[0].Count != 20 || p[0].Kind != analyze.KindLookupCreateConflict {
		t.Errorf("problems %+v\n%s", p, lines(got))
	}
}

func TestLookupCreateConflictQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		"found the user and patched it": func(c *capt) {
			c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(jdoeList)...)
			c.add("PATCH", lookupAPI+"/Users/u1", 200, hdr("Authorization", basicAuth), capturetest.ReqBody(`{"Operations":[]}`))
		},
		"found nothing and the create succeeded": func(c *capt) {
			c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(emptyList)...)
			c.add("POST", lookupAPI+"/Users", 201, createOpts("JDoe", 201)...)
		},
		"409 without a lookup": func(c *capt) {
			c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409)...)
		},
		"lookup for another user": func(c *capt) {
			c.add("GET", lookupAPI+"/Users?filter=userName%20eq%20%22asmith%22", 200, lookupOpts(emptyList)...)
			c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409)...)
		},
		"lookup by another account": func(c *capt) {
			c.add("GET", lookupAPI+jdoeFilter, 200, hdr("Authorization", "Basic b3RoZXI6c2VjcmV0"), respHdr("Content-Type", "application/scim+json"), respBody(emptyList))
			c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409)...)
		},
		"a list that held the user among others": func(c *capt) {
			c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(otherList)...)
			c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409)...)
		},
		"lookup long before": func(c *capt) {
			c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(emptyList)...)
			c.add("POST", lookupAPI+"/Users", 409, createOpts("JDoe", 409, after(c, 11*time.Minute))...)
		},
	}
	eachCase(t, cases, func(t *testing.T, got []analyze.Finding) {
		expectNone(t, got, analyze.KindLookupCreateConflict)
	})
}

// BenchmarkLookupCreateConflict is the analyzer on typical traffic, and
// with a filtered lookup every 20 flows.
func BenchmarkLookupCreateConflict(b *testing.B) {
	for _, every := range []int{0, 20} {
		b.Run(fmt.Sprint("lookup-every-", every), func(b *testing.B) {
			benchEngine(b, syntheticFlows(4096), func() analyze.Analyzer { return analyze.NewLookupCreateConflict() }, func(i int, f *capture.Flow) {
				if every > 0 && i%every == 0 {
					f.Method = "GET"
					f.Target = "/scim/v2/Users?filter=userName%20eq%20%22u" + fmt.Sprint(i%100) + "%22"
					f.URL = "https://" + f.Host + f.Target
					f.ResponseBody = capture.Body{Bytes: []byte(emptyList), Size: int64(len(emptyList)), Decoded: true}
				}
			})
		})
	}
}

func TestLookupCreateConflictUniquenessUnder400(t *testing.T) {
	c := newCapt()
	c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(emptyList)...)
	c.add("POST", lookupAPI+"/Users", 400, createOpts("JDoe", 201, respBody(strings.ReplaceAll(uniq409, `"409"`, `"400"`)))...)
	expectExactly(t, c.run(), want{analyze.KindLookupCreateConflict, 2, analyze.Error})
}

// A HAR from another tool has no client addresses: the account ties the
// lookup to the create.
func TestLookupCreateConflictWithoutClientAddresses(t *testing.T) {
	c := newCapt()
	c.add("GET", lookupAPI+jdoeFilter, 200, lookupOpts(emptyList, fromClient(""))...)
	c.add("GET", lookupAPI+"/Groups", 200, hdr("Authorization", basicAuth), fromClient(""))
	c.add("POST", lookupAPI+"/Users", 409, createOpts("jdoe", 409, fromClient(""))...)
	expectExactly(t, c.run(), want{analyze.KindLookupCreateConflict, 3, analyze.Error})
}
