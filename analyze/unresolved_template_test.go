package analyze_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/provtap/provtap/analyze"
)

const appAPI = "https://apps.example.com/api/v1"

func jsonReq(body string) []flowOpt {
	return []flowOpt{hdr("Authorization", basicAuth), hdr("Content-Type", "application/json"), reqBody(body)}
}

func required400(field string) []flowOpt {
	return []flowOpt{respHdr("Content-Type", "application/json"), respBody(`{"message":"` + field + ` is a required field"}`)}
}

// createUser is the connector's create, answered 201 or 400.
func createUser(c *capt, body string, status int) {
	opts := jsonReq(body)
	if status == 400 {
		opts = append(opts, required400("email")...)
	} else {
		opts = append(opts, respHdr("Content-Type", "application/json"), respBody(`{"id":"u1"}`))
	}
	c.add("POST", appAPI+"/users", status, opts...)
}

func TestUnresolvedTemplateRefused(t *testing.T) {
	for _, tc := range []struct {
		name, body, title, detail string
	}{
		{"IdentityIQ $plan.email$", `{"userName":"bob","email":"$plan.email$"}`,
			`POST /api/v1/users sent the unfilled placeholder "$plan.email$" in email`, "an IdentityIQ-style $…$ placeholder"},
		{"${…}", `{"userName":"bob","email":"${user.email}"}`,
			`POST /api/v1/users sent the unfilled placeholder "${user.email}" in email`, "a ${…} placeholder"},
		{"{{…}}", `{"userName":"bob","email":"{{email}}"}`,
			`POST /api/v1/users sent the unfilled placeholder "{{email}}" in email`, "Mustache-style"},
		{"%NAME%", `{"userName":"bob","email":"%EMAIL%"}`,
			`POST /api/v1/users sent the unfilled placeholder "%EMAIL%" in email`, "a %…% placeholder"},
		{"the string null", `{"userName":"bob","email":"null"}`, `POST /api/v1/users sent email as the string "null"`, `the string "null"`},
		{"empty", `{"userName":"bob","email":""}`, `POST /api/v1/users sent email empty`, "was empty"},
		{"JSON null", `{"userName":"bob","email":null}`, `POST /api/v1/users sent email empty`, "was empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCapt()
			createUser(c, `{"userName":"alice","email":"alice@example.com"}`, 201)
			createUser(c, tc.body, 400)
			got := c.run()
			expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 2, analyze.Error})
			if len(got) == 0 {
				return
			}
			f := got[0]
			if f.Title != tc.title || fmt.Sprint(f.Related) != "[1]" {
				t.Errorf("title %q related %v", f.Title, f.Related)
			}
			for _, s := range []string{tc.detail, "the JSON body's /email", `400 “email is a required field”`,
				`POST /api/v1/users (#1), which succeeded, sent "alice@example.com" there`} {
				if !strings.Contains(f.Detail, s) {
					t.Errorf("detail lacks %q:\n%s", s, f.Detail)
				}
			}
			if f.Fix == "" {
				t.Error("no fix")
			}
		})
	}
}

func TestUnresolvedTemplateWhere(t *testing.T) {
	t.Run("form body, no sibling, the refusal names it", func(t *testing.T) {
		c := newCapt()
		c.add("POST", appAPI+"/accounts", 422, hdr("Content-Type", "application/x-www-form-urlencoded"),
			reqBody("login=bob&mail="), respHdr("Content-Type", "application/json"),
			respBody(`{"errors":[{"field":"mail","message":"mail must not be blank"}]}`))
		got := c.runWith(analyze.NewUnresolvedTemplate())
		expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 1, analyze.Error})
	})
	t.Run("query parameter of a SCIM filter", func(t *testing.T) {
		c := newCapt()
		c.add("GET", appAPI+`/Users?filter=userName%20eq%20%22$plan.nativeIdentity$%22`, 400,
			respHdr("Content-Type", "application/scim+json"), respBody(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"invalidFilter","detail":"bad filter","status":"400"}`))
		got := c.runWith(analyze.NewUnresolvedTemplate())
		expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 1, analyze.Error})
		if len(got) == 1 && !strings.Contains(got[0].Detail, `query parameter filter carried "$plan.nativeIdentity$"`) {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
	t.Run("path segment, 404", func(t *testing.T) {
		c := newCapt()
		c.add("DELETE", appAPI+"/users/%24plan.nativeIdentity%24", 404, respBody(`{"message":"not found"}`))
		expectExactly(t, c.runWith(analyze.NewUnresolvedTemplate()), want{analyze.KindUnresolvedTemplate, 1, analyze.Error})
	})
	t.Run("header, masked", func(t *testing.T) {
		c := newCapt()
		c.add("GET", appAPI+"/users", 401, hdr("Authorization", "Bearer ${access_token}"), respHdr("WWW-Authenticate", `Bearer error="invalid_token"`))
		got := c.runWith(analyze.NewUnresolvedTemplate())
		expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 1, analyze.Error})
		if len(got) == 1 && !strings.Contains(got[0].Detail, `header Authorization carried "${ac…n}"`) {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
	t.Run("succeeded with a whole-value placeholder: warning", func(t *testing.T) {
		c := newCapt()
		createUser(c, `{"userName":"alice","email":"alice@example.com"}`, 201)
		createUser(c, `{"userName":"bob","email":"$plan.email$"}`, 201)
		got := c.run()
		expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 2, analyze.Warning})
		if len(got) == 1 && !strings.Contains(got[0].Detail, "stored the placeholder literally") {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
	t.Run("a credential field's value is masked", func(t *testing.T) {
		c := newCapt()
		createUser(c, `{"userName":"alice","password":"S3cr3t-Passw0rd!"}`, 201)
		c.add("POST", appAPI+"/users", 400, append(jsonReq(`{"userName":"bob","password":""}`), required400("password")...)...)
		got := c.run()
		expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 2, analyze.Error})
		if len(got) == 1 && (strings.Contains(got[0].Detail, "S3cr3t-Passw0rd!") || !strings.Contains(got[0].Detail, `"S3cr…d!"`)) {
			t.Errorf("detail %s", got[0].Detail)
		}
	})
}

func TestUnresolvedTemplateQuiet(t *testing.T) {
	cases := map[string]func(c *capt){
		"filled template": func(c *capt) {
			createUser(c, `{"userName":"alice","email":"alice@example.com"}`, 201)
			createUser(c, `{"userName":"bob","email":"bob@example.com"}`, 201)
		},
		"legitimate dollars and braces": func(c *capt) {
			createUser(c, `{"userName":"alice","password":"Pa${ss$w0rd","price":"$5 or $10","pattern":"^[a-z]{3}$",`+
				`"members":[{"value":"2819c223","$ref":"https://apps.example.com/api/v1/Users/2819c223"}],"note":"100%"}`, 201)
			c.add("PATCH", appAPI+"/groups/g1", 204, jsonReq(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`+
				`"Operations":[{"op":"add","path":"members","value":[{"value":"u1","$ref":null}]}]}`)...)
		},
		"a template inside a text the API takes": func(c *capt) {
			c.add("POST", appAPI+"/notifications", 201, jsonReq(`{"subject":"Welcome","body":"Hello {{firstName}}, your account is ready"}`)...)
		},
		"empty optional field no sibling fills, accepted": func(c *capt) {
			createUser(c, `{"userName":"alice","middleName":""}`, 201)
			createUser(c, `{"userName":"bob","middleName":""}`, 201)
		},
		"empty optional field, refused for another reason": func(c *capt) {
			createUser(c, `{"userName":"alice","middleName":""}`, 201)
			c.add("POST", appAPI+"/users", 409, append(jsonReq(`{"userName":"alice","middleName":""}`),
				respHdr("Content-Type", "application/json"), respBody(`{"message":"userName already exists"}`))...)
		},
		"null that the API accepts": func(c *capt) {
			createUser(c, `{"userName":"alice","manager":null,"title":"null"}`, 201)
		},
	}
	eachCase(t, cases, func(t *testing.T, got []analyze.Finding) {
		expectNone(t, got, analyze.KindUnresolvedTemplate)
		expectQuiet(t, got)
	})
}

func TestUnresolvedTemplateOneProblem(t *testing.T) {
	c := newCapt()
	for i := 0; i < 30; i++ {
		createUser(c, fmt.Sprintf(`{"userName":"u%d","email":"$plan.email$"}`, i), 400)
	}
	got := c.runWith(analyze.NewUnresolvedTemplate())
	r := analyze.NewReport(len(c.Flows), got)
	if len(got) != 30 || len(r.Problems) != 1 || r.Problems[0].Count != 30 {
		t.Errorf("%d findings, problems %+v", len(got), r.Problems)
	}
}

func BenchmarkUnresolvedTemplate(b *testing.B) {
	benchEngine(b, syntheticFlows(4096), func() analyze.Analyzer { return analyze.NewUnresolvedTemplate() }, nil)
}

func BenchmarkObserveUnresolvedTemplate(b *testing.B) {
	benchObserve(b, func() analyze.Analyzer { return analyze.NewUnresolvedTemplate() })
}

// The quiet cases that would break the sibling rule.
func TestUnresolvedTemplateSiblings(t *testing.T) {
	t.Run("another account's sibling does not count", func(t *testing.T) {
		c := newCapt()
		createUser(c, `{"userName":"alice","middleName":"Ann"}`, 201)
		c.add("POST", appAPI+"/users", 409, hdr("Authorization", "Basic b3RoZXI6cGFzcw=="), hdr("Content-Type", "application/json"),
			reqBody(`{"userName":"alice","middleName":""}`), respHdr("Content-Type", "application/json"), respBody(`{"message":"userName taken"}`))
		expectNone(t, c.run(), analyze.KindUnresolvedTemplate)
	})
	t.Run("a HAR without client addresses: the account still ties the sibling", func(t *testing.T) {
		c := newCapt()
		createUser(c, `{"userName":"alice","email":"alice@example.com"}`, 201)
		createUser(c, `{"userName":"bob","email":""}`, 400)
		for _, f := range c.Flows {
			f.ClientAddr = ""
		}
		got := c.run()
		expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 2, analyze.Error})
	})
	t.Run("threads of one connector: a sibling on another connection counts", func(t *testing.T) {
		c := newCapt()
		c.add("POST", appAPI+"/users", 201, append(jsonReq(`{"userName":"alice","email":"alice@example.com"}`), onConn(1))...)
		c.add("POST", appAPI+"/users", 400, append(append(jsonReq(`{"userName":"bob","email":"null"}`), onConn(2)), required400("email")...)...)
		c.add("POST", appAPI+"/users", 201, append(jsonReq(`{"userName":"carol","email":"carol@example.com"}`), onConn(1))...)
		expectExactly(t, c.run(), want{analyze.KindUnresolvedTemplate, 2, analyze.Error})
	})
	t.Run("an id in the path is the same operation", func(t *testing.T) {
		c := newCapt()
		c.add("PUT", appAPI+"/users/1001", 200, jsonReq(`{"email":"alice@example.com"}`)...)
		c.add("PUT", appAPI+"/users/1002", 422, append(jsonReq(`{"email":""}`), respHdr("Content-Type", "application/json"),
			respBody(`{"message":"validation failed"}`))...)
		got := c.run()
		expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 2, analyze.Error})
		if len(got) == 1 && fmt.Sprint(got[0].Related) != "[1]" {
			t.Errorf("related %v", got[0].Related)
		}
	})
}

func TestUnresolvedTemplateSOAP(t *testing.T) {
	c := newCapt()
	c.add("POST", "https://hr.example.com/ws/UserService", 500, hdr("Content-Type", "text/xml; charset=utf-8"), hdr("SOAPAction", "createUser"),
		reqBody(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><createUser>`+
			`<login>bob</login><mail>$plan.email$</mail></createUser></soapenv:Body></soapenv:Envelope>`),
		respHdr("Content-Type", "text/xml"), respBody(`<soapenv:Envelope><soapenv:Body><soapenv:Fault><faultstring>mail is invalid</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`))
	c.add("POST", "https://hr.example.com/ws/UserService", 200, hdr("Content-Type", "text/xml; charset=utf-8"),
		reqBody(`<createUser><login>carol</login><mail>{{mail}}</mail></createUser>`))
	got := c.runWith(analyze.NewUnresolvedTemplate())
	// A SOAP fault is a 500, not a rejection: the placeholder is a warning
	// there, as on the 200.
	expectExactly(t, got, want{analyze.KindUnresolvedTemplate, 1, analyze.Warning}, want{analyze.KindUnresolvedTemplate, 2, analyze.Warning})
	if len(got) == 2 && (!strings.Contains(got[0].Detail, `the XML body's <mail> carried "$plan.email$"`) ||
		!strings.Contains(got[0].Detail, "The server answered 500.") || !strings.Contains(got[1].Detail, "stored the placeholder literally")) {
		t.Errorf("detail %s", got[0].Detail)
	}
}
