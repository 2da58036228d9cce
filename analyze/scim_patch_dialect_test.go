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

const (
	patchAPI   = "https://scim.example.com/scim/v2"
	scimBearer = "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJlbnRyYS1wcm92aXNpb25pbmcifQ."
	userID     = "2819c223-7f76-453a-919d-413861904646"
	groupID    = "e9e30dba-f08f-4109-8486-d5c6a331660a"
	memberID   = "902c246b-6245-4190-8e05-00816be7344a"
	otherID    = "c3a1f6e0-5b1f-4a8e-9b1d-7f0e6c1d2b3a"
)

var reqBody = capturetest.ReqBody

// entraPatch is Entra ID's default user PATCH: capitalised op, a string boolean.
const entraPatch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
	`{"op":"Replace","path":"active","value":"False"}]}`

const rfcPatch = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[` +
	`{"op":"replace","path":"active","value":false}]}`

func scimReq(body string) []flowOpt {
	return []flowOpt{hdr("Authorization", scimBearer), hdr("Content-Type", "application/scim+json"), reqBody(body)}
}

func scimResp(body string) []flowOpt {
	return []flowOpt{respHdr("Content-Type", "application/scim+json"), respBody(body)}
}

func scimError(status int, scimType, detail string) []flowOpt {
	return scimResp(fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"%d","scimType":%q,"detail":%q}`,
		status, scimType, detail))
}

func userDoc(active bool) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":%q,"userName":"jdoe@example.com","active":%t,`+
		`"name":{"givenName":"John","familyName":"Doe"}}`, userID, active)
}

func groupDoc(members ...string) string {
	var ms []string
	for _, m := range members {
		ms = append(ms, fmt.Sprintf(`{"value":%q}`, m))
	}
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":%q,"displayName":"Sales","members":[%s]}`,
		groupID, strings.Join(ms, ","))
}

func TestSCIMPatchDialectRefused(t *testing.T) {
	c := newCapt()
	c.add("GET", patchAPI+"/Users/"+userID, 200, append([]flowOpt{hdr("Authorization", scimBearer)}, scimResp(userDoc(true))...)...)
	c.add("PATCH", patchAPI+"/Users/"+userID, 400, append(scimReq(entraPatch),
		scimError(400, "invalidValue", `Unsupported operation "Replace"`)...)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindSCIMPatchDialect, 2, analyze.Error})
	f := got[0]
	if f.Title != `PATCH /scim/v2/Users/`+userID+` refused: "op":"Replace", boolean as a string "False" for active` {
		t.Errorf("title %q", f.Title)
	}
	for _, s := range []string{`/Operations/0/op is "op":"Replace"`, `RFC 7644 §3.5.2 spells the operation "replace"`,
		`/Operations/0/value is "False" for active`, "RFC 7643 §2.3.2", `scimType "invalidValue"`, `detail “Unsupported operation "Replace"”`} {
		if !strings.Contains(f.Detail, s) {
			t.Errorf("detail lacks %q:\n%s", s, f.Detail)
		}
	}
	for _, s := range []string{"aadOptscim062020", `compare "op" case-insensitively`, `accept "True"/"False"`} {
		if !strings.Contains(f.Fix, s) {
			t.Errorf("fix lacks %q: %s", s, f.Fix)
		}
	}
	if strings.Contains(f.Detail+f.Title+f.Fix, "eyJzdWIi") {
		t.Errorf("the token is in the text")
	}
}

func TestSCIMPatchDialectShapes(t *testing.T) {
	cases := []struct {
		name, body, scimType string
		pointer, says        string
	}{
		{"remove with a value and no path",
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"remove","value":[{"value":"` + memberID + `"}]}]}`,
			"noTarget", "/Operations/0 is remove with a value and no path", `"noTarget"`},
		{"dotted key without a path",
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"name.givenName":"Jon"}}]}`,
			"invalidPath", `/Operations/0/value/name.givenName is "name.givenName"`, `"path":"name.givenName"`},
		{"null $ref",
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + memberID + `","$ref":null}]}]}`,
			"invalidValue", `/Operations/0/value/0/$ref is "$ref":null`, "RFC 7643 §2.3.7"},
		{"unknown op",
			`{"Operations":[{"op":"update","path":"displayName","value":"Sales EMEA"}]}`,
			"invalidSyntax", `/Operations/0/op is "op":"update"`, `MUST be one of "add", "remove" or "replace"`},
		{"string boolean in a path-less value",
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":"false"}}]}`,
			"invalidValue", `/Operations/0/value/active is "active":"false"`, "not a string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCapt()
			c.add("PATCH", patchAPI+"/Groups/"+groupID, 400, append(scimReq(tc.body), scimError(400, tc.scimType, "bad PatchOp")...)...)
			got := c.run()
			expectExactly(t, got, want{analyze.KindSCIMPatchDialect, 1, analyze.Error})
			if !strings.Contains(got[0].Detail, tc.pointer) || !strings.Contains(got[0].Detail+got[0].Fix, tc.says) {
				t.Errorf("detail lacks %q or %q:\n%s", tc.pointer, tc.says, got[0].Detail)
			}
		})
	}
}

// A lenient server answers 204 and ignores the string boolean: the GET
// that follows shows the user still active.
func TestSCIMPatchDialectIgnored(t *testing.T) {
	c := newCapt()
	c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(entraPatch)...)
	c.add("GET", patchAPI+"/Users/"+userID, 200, append([]flowOpt{hdr("Authorization", scimBearer)}, scimResp(userDoc(true))...)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindSCIMPatchDialect, 1, analyze.Warning})
	f := got[0]
	if fmt.Sprint(f.Related) != "[2]" || !strings.Contains(f.Title, "answered 204 but not applied") ||
		!strings.Contains(f.Detail, "GET #2 of the same resource shows active: true where the PATCH meant false") {
		t.Errorf("related %v title %q\n%s", f.Related, f.Title, f.Detail)
	}
}

// A password is never read back (RFC 7643 returns it "never"): a lenient
// server's 204 to an Entra-style PATCH that set it, followed by a GET
// without it, is no evidence that it was not applied, and the password
// appears in no text.
func TestSCIMPatchDialectPasswordNotReadBack(t *testing.T) {
	c := newCapt()
	c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`+
		`"Operations":[{"op":"Replace","path":"password","value":"Pr0v-S3cret!"}]}`)...)
	c.add("GET", patchAPI+"/Users/"+userID, 200, append([]flowOpt{hdr("Authorization", scimBearer)}, scimResp(userDoc(true))...)...)
	got := c.run()
	for _, f := range got {
		if f.Severity >= analyze.Warning {
			t.Errorf("a password the GET cannot show was judged not applied: %s", f.Line())
		}
		if strings.Contains(f.Title+f.Detail+f.Fix, "Pr0v-S3cret!") {
			t.Errorf("the password is in the finding's text:\n%s\n%s", f.Title, f.Detail)
		}
	}
}

// A 200 that carries the resource is its own read-back.
func TestSCIMPatchDialectIgnoredIn200(t *testing.T) {
	c := newCapt()
	c.add("PATCH", patchAPI+"/Users/"+userID, 200, append(scimReq(entraPatch), scimResp(userDoc(true))...)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindSCIMPatchDialect, 1, analyze.Warning})
	if !strings.Contains(got[0].Detail, "the resource the server answered with shows active: true") {
		t.Errorf("%s", got[0].Detail)
	}
}

// A path-less remove the server answered 204 to and did not carry out.
func TestSCIMPatchDialectRemoveIgnored(t *testing.T) {
	c := newCapt()
	c.add("PATCH", patchAPI+"/Groups/"+groupID, 204, scimReq(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`+
		`"Operations":[{"op":"Remove","value":[{"value":"`+memberID+`"}]}]}`)...)
	c.add("GET", patchAPI+"/Groups/"+groupID, 200, append([]flowOpt{hdr("Authorization", scimBearer)}, scimResp(groupDoc(memberID))...)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindSCIMPatchDialect, 1, analyze.Warning})
	if !strings.Contains(got[0].Detail, `members still holding "`+memberID+`"`) {
		t.Errorf("%s", got[0].Detail)
	}
}

func TestSCIMPatchDialectQuiet(t *testing.T) {
	get := func(c *capt, doc string, opts ...flowOpt) {
		c.add("GET", patchAPI+"/Users/"+userID, 200, append(append([]flowOpt{hdr("Authorization", scimBearer)}, scimResp(doc)...), opts...)...)
	}
	cases := []struct {
		name string
		info bool // an info finding is expected (the dialect worked here)
		run  func(c *capt)
	}{
		{"RFC PatchOp refused for another reason", false, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 400, append(scimReq(rfcPatch), scimError(400, "mutability", "active is read-only")...)...)
		}},
		{"RFC PatchOp applied", false, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(rfcPatch)...)
			get(c, userDoc(false))
		}},
		{"Entra PatchOp applied by a lenient server", true, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(entraPatch)...)
			get(c, userDoc(false))
		}},
		{"Entra PatchOp in a 200 that shows it applied", true, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 200, append(scimReq(entraPatch), scimResp(userDoc(false))...)...)
		}},
		{"Entra PatchOp never read back", true, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(entraPatch)...)
			get(c, userDoc(true), startAt(5*time.Minute))
		}},
		{"GET by another account does not judge it", true, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(entraPatch)...)
			c.add("GET", patchAPI+"/Users/"+userID, 200, append([]flowOpt{hdr("Authorization", basicAuth)}, scimResp(userDoc(true))...)...)
		}},
		{"a write in between ends the wait", true, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(entraPatch)...)
			c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":true}]}`)...)
			get(c, userDoc(true))
		}},
		{"refused for credentials", false, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 401, append(scimReq(entraPatch), respHdr("WWW-Authenticate", `Bearer error="invalid_token"`))...)
		}},
		{"uniqueness is not about the dialect", false, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 400, append(scimReq(`{"Operations":[{"op":"Replace","path":"userName","value":"taken@example.com"}]}`),
				scimError(400, "uniqueness", "userName is taken")...)...)
		}},
		{"JSON Patch to a non-SCIM API", false, func(c *capt) {
			c.add("PATCH", "https://api.example.com/v3/users/1", 400, hdr("Content-Type", "application/json-patch+json"),
				reqBody(`[{"op":"Replace","path":"/active","value":"False"}]`))
		}},
		{"a string attribute holding true", false, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 400, append(scimReq(`{"Operations":[{"op":"replace","path":"title","value":"true"}]}`),
				scimError(400, "invalidValue", "no")...)...)
		}},
		{"a member removed with a filter path", false, func(c *capt) {
			c.add("PATCH", patchAPI+"/Groups/"+groupID, 204, scimReq(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`+
				`"Operations":[{"op":"remove","path":"members[value eq \"`+memberID+`\"]"}]}`)...)
			c.add("GET", patchAPI+"/Groups/"+groupID, 200, append([]flowOpt{hdr("Authorization", scimBearer)}, scimResp(groupDoc(otherID))...)...)
		}},
		{"enterprise extension URN keys are not dotted keys", false, func(c *capt) {
			c.add("PATCH", patchAPI+"/Users/"+userID, 204, scimReq(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`+
				`"Operations":[{"op":"replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Sales"}}]}`)...)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCapt()
			tc.run(c)
			got := c.run()
			expectQuiet(t, got)
			if !tc.info {
				expectNone(t, got, analyze.KindSCIMPatchDialect)
				return
			}
			f := findingOf(t, got, analyze.KindSCIMPatchDialect, 1)
			if f.Severity != analyze.Info || !strings.Contains(f.Title, "the server took it") {
				t.Errorf("%s", f.Line())
			}
		})
	}
}

// Thousands of the same refused PATCH are one problem.
func TestSCIMPatchDialectOneProblem(t *testing.T) {
	c := newCapt()
	for i := 0; i < 50; i++ {
		c.add("PATCH", fmt.Sprintf("%s/Users/%08d-7f76-453a-919d-413861904646", patchAPI, i), 400,
			append(scimReq(entraPatch), scimError(400, "invalidValue", "bad op")...)...)
	}
	flows := c.Numbered()
	r := analyze.NewReport(len(flows), analyze.Run(flows))
	if n := len(r.Problems); n != 1 || r.Problems[0].Count != 50 {
		t.Fatalf("%d problems: %+v", n, r.Problems)
	}
}

// scimTraffic is a SCIM provisioning run at scale: 20 accounts, half the
// flows reads with resource bodies, a third PATCHes, creates; with
// failing, one flow in ten is an Entra-style PATCH a lenient server drops
// or a strict one refuses and one in twenty a create refused 415, else
// those are RFC PATCHes and correct creates.
func scimTraffic(n int, failing bool) []*capture.Flow {
	flows := make([]*capture.Flow, 0, n)
	start := time.Date(2025, 3, 4, 8, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		client := i % 20
		id := fmt.Sprintf("%08d-7f76-453a-919d-413861904646", i%700)
		f := &capture.Flow{ID: i + 1, Kind: capture.KindHTTP, Start: start.Add(time.Duration(i) * 5 * time.Millisecond),
			ClientAddr: fmt.Sprintf("10.0.0.%d:%d", client, 40000+i%20000), Scheme: "https", Host: "scim.example.com", Port: 443,
			Proto: "HTTP/1.1", Status: 200}
		f.End = f.Start.Add(3 * time.Millisecond)
		f.RequestHeaders = []capture.Header{{Name: "Host", Value: "scim.example.com"}, {Name: "User-Agent", Value: "Azure-AD-SCIM-Client"},
			{Name: "Authorization", Value: fmt.Sprintf("Bearer tok-%02d-0123456789abcdef", client)}, {Name: "Accept", Value: "application/scim+json"}}
		path, body := "/scim/v2/Users/"+id, ""
		r := i % 20
		if !failing && r >= 15 && r <= 16 {
			r = 11
		} else if !failing && r == 19 {
			r = 17
		}
		switch {
		case r < 10:
			f.Method = "GET"
			f.ResponseBody = capture.Body{Bytes: []byte(userDoc(true)), Size: int64(len(userDoc(true))), Decoded: true}
		case r < 15:
			f.Method, f.Status, body = "PATCH", 204, rfcPatch
		case r == 15:
			f.Method, f.Status, body = "PATCH", 204, entraPatch
		case r == 16:
			f.Method, f.Status, body = "PATCH", 400, entraPatch
			f.ResponseBody = capture.Body{Bytes: []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"400","scimType":"invalidSyntax","detail":"bad op"}`), Size: 110, Decoded: true}
		case r < 19:
			f.Method, f.Status, path, body = "POST", 201, "/scim/v2/Users", newUser
			f.ResponseBody = capture.Body{Bytes: []byte(userDoc(true)), Size: int64(len(userDoc(true))), Decoded: true}
		default:
			f.Method, f.Status, path, body = "POST", 415, "/scim/v2/Users", newUser
			f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: "Content-Type", Value: "application/json"})
		}
		if body != "" {
			if f.Status != 415 {
				f.RequestHeaders = append(f.RequestHeaders, capture.Header{Name: "Content-Type", Value: "application/scim+json"})
			}
			f.RequestBody = capture.Body{Bytes: []byte(body), Size: int64(len(body))}
		}
		f.URL, f.Target = "https://scim.example.com"+path, path
		f.ResponseHeaders = []capture.Header{{Name: "Content-Type", Value: "application/scim+json"}}
		flows = append(flows, f)
	}
	return flows
}

// BenchmarkSCIMPatchDialect: ns/flow of facts alone and with the analyzer
// on SCIM traffic where a third of the flows are PATCHes.
func BenchmarkSCIMPatchDialect(b *testing.B) {
	b.Run("facts", func(b *testing.B) {
		benchEngine(b, scimTraffic(4000, true), func() analyze.Analyzer { return noop{} }, nil)
	})
	b.Run(analyze.KindSCIMPatchDialect, func(b *testing.B) {
		benchEngine(b, scimTraffic(4000, true), func() analyze.Analyzer { return analyze.NewSCIMPatchDialect() }, nil)
	})
}

// benchSCIMTraffic is an analyzer's own cost per flow, without the engine:
// facts computed up front (as the engine does once per flow, for every
// analyzer), the logical client by account, the capture's clock moving on.
func benchSCIMTraffic(b *testing.B, mk func() analyze.Analyzer) {
	b.Run("correct", func(b *testing.B) { benchSCIMTrafficOn(b, mk(), false) })
	b.Run("failing", func(b *testing.B) { benchSCIMTrafficOn(b, mk(), true) })
}

func benchSCIMTrafficOn(b *testing.B, a analyze.Analyzer, failing bool) {
	const pool = 4000
	templates := scimTraffic(pool, failing)
	span := templates[pool-1].End.Sub(templates[0].Start) + time.Second
	facts := make([]*analyze.Facts, pool)
	clients := map[string]*analyze.Client{}
	for i, f := range templates {
		fx := analyze.FactsOf(f)
		key := fx.Account.Key
		if clients[key] == nil {
			clients[key] = &analyze.Client{Key: key, Label: fx.Account.Label}
		}
		fx.Client = clients[key]
		fx.ResponseText()
		facts[i] = fx
	}
	starts := make([]time.Time, pool)
	for i, f := range templates {
		starts[i] = f.Start
	}
	settler, _ := a.(analyze.Settler)
	emitted := 0
	emit := func(analyze.Finding) { emitted++ }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fx := facts[i%pool]
		f := fx.Flow
		d := f.End.Sub(f.Start)
		f.ID, f.Start = i+1, starts[i%pool].Add(time.Duration(i/pool)*span)
		f.End = f.Start.Add(d)
		if settler != nil {
			settler.Settle(f.Start, emit)
		}
		a.Observe(fx, emit)
	}
	b.StopTimer()
	if failing && emitted == 0 && b.N >= pool {
		b.Fatal("no findings")
	}
}

func BenchmarkSCIMPatchDialectObserve(b *testing.B) {
	benchSCIMTraffic(b, func() analyze.Analyzer { return analyze.NewSCIMPatchDialect() })
}

// A server that answers 200 with a SCIM Error refused the PATCH all the same.
func TestSCIMPatchDialectErrorIn2xx(t *testing.T) {
	c := newCapt()
	c.add("PATCH", patchAPI+"/Users/"+userID, 200, append(scimReq(entraPatch),
		scimError(400, "invalidValue", "active must be a boolean")...)...)
	got := c.run()
	expectExactly(t, got, want{analyze.KindSCIMPatchDialect, 1, analyze.Error})
	if f := got[0]; !strings.Contains(f.Detail, `a SCIM Error under 200 with scimType "invalidValue", detail “active must be a boolean”`) {
		t.Errorf("%s", f.Detail)
	}
}
