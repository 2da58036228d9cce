package analyze_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
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
	if fmt.Sprint(f.Related) != "[2]" || !strings.Contains(f.Title, "answered 2xx but not applied") ||
		!strings.Contains(f.Detail, "GET #2 of the same resource shows active: true where the PATCH meant false") {
		t.Errorf("related %v title %q\n%s", f.Related, f.Title, f.Detail)
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
