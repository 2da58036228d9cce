package analyze_test

import (
	"testing"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

func TestJudgeRefusal(t *testing.T) {
	cases := []struct {
		status  int
		body    string
		header  string
		refused bool
		reason  string
	}{
		{401, restlet401, "", true, "The request requires user authentication"},
		{401, apim401, "", true, "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."},
		{403, `{"error":{"code":"Forbidden","message":"Insufficient privileges"}}`, "", true, "Insufficient privileges"},
		{440, "", "", true, ""},
		{400, `{"error":"invalid_token","error_description":"The access token expired"}`, "", true, "The access token expired"},
		{500, `<soap:Fault><faultstring>Session expired</faultstring></soap:Fault>`, "", true, "Session expired"},
		{400, "", `Bearer error="invalid_token"`, true, `WWW-Authenticate: Bearer error="invalid_token"`},
		{400, `{"detail":"displayName is required"}`, "", false, ""},
		{404, `{"detail":"not found"}`, "", false, ""},
		{200, `{"message":"access denied for guests is disabled"}`, "", false, ""},
		{500, `<!DOCTYPE html><html><title>analyze.Error</title>unauthorized</html>`, "", true, ""},
	}
	for _, tc := range cases {
		f := &capture.Flow{Status: tc.status, ResponseBody: capture.Body{Bytes: []byte(tc.body), Decoded: true}}
		if tc.header != "" {
			f.ResponseHeaders = []capture.Header{{Name: "WWW-Authenticate", Value: tc.header}}
		}
		r := analyze.FactsOf(f).Refusal
		if r.Refused != tc.refused || r.Reason != tc.reason {
			t.Errorf("%d %s: refused=%v reason=%q, want %v %q", tc.status, tc.body, r.Refused, r.Reason, tc.refused, tc.reason)
		}
	}
}

// TestRefusalIn2xx: APIs that answer 200 to everything wrap the refusal in
// the body; a 2xx is refused when a failure envelope carries a refusal
// status or a refusal's words. The quiet half: resources, listings and
// envelopes that report another failure.
func TestRefusalIn2xx(t *testing.T) {
	cases := []struct {
		body, contentType string
		refused           bool
		reason            string
	}{
		{`{"code":401,"description":"The request requires user authentication"}`, "application/json", true,
			"401 in the body: The request requires user authentication"},
		{`{"error":"invalid session"}`, "application/json", true, "invalid session"},
		{`{"success":false,"message":"Session expired, please log in again."}`, "application/json;charset=UTF-8", true,
			"Session expired, please log in again."},
		{`{"ok":false,"error":"not_authed"}`, "application/json", true, "not_authed"},
		{`{"statusCode":"403","message":"Forbidden"}`, "application/json", true, "403 in the body: Forbidden"},
		{`{"error":{"code":401,"message":"Request had invalid authentication credentials."}}`, "application/json", true,
			"401 in the body: Request had invalid authentication credentials."},
		{`<soap:Envelope><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>Invalid session ID</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
			"text/xml; charset=utf-8", true, "SOAP Fault: Invalid session ID"},
		{`{"jsonrpc":"2.0","id":null,"error":{"code":100,"message":"Odoo Session Expired"}}`, "application/json", true, "Odoo Session Expired"},
		{`{"Success":false,"Message":"Not authorized to manage this group"}`, "application/json", true, "Not authorized to manage this group"},
		{`{"ok":false,"error":"token_revoked"}`, "application/json", true, "token_revoked"},
		{`{"success":false,"detail":{"code":"E_AUTH"},"message":"invalid session"}`, "application/json", true, "invalid session"},
		// Failures that are not refusals, and bodies that are not envelopes.
		{"{\n  \"issues\" : [ ],\n  \"errors\" : [ ]\n}", "application/json", false, ""},
		{`{"error":0,"data":{"csrfToken":"t0k"}}`, "application/json", false, ""},
		{`{"error" : { }, "data": {"csrfToken":"t0k"}}`, "application/json", false, ""},
		{`{"data":{"user":null},"errors":[{"message":"User u9 not found","path":["user"]}]}`, "application/json", false, ""},
		{`<env:Envelope><env:Body><wd:Fault_Tolerance>Unauthorized Reviewers</wd:Fault_Tolerance></env:Body></env:Envelope>`, "text/xml", false, ""},
		{`{"ok":false,"error":"channel_not_found"}`, "application/json", false, ""},
		{`{"code":404,"message":"User not found"}`, "application/json", false, ""},
		{`{"id":"r403","code":403,"displayName":"Room 403"}`, "application/json", false, ""},
		{`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"id":"g1","error":"none recorded"}`, "application/scim+json", false, ""},
		{`{"totalResults":1,"Resources":[{"id":"j1","status":401,"error":"unauthorized at the target"}]}`, "application/json", false, ""},
		{`{"success":true,"error":null,"message":"unauthorized users were removed"}`, "application/json", false, ""},
		{`<soap:Envelope><soap:Body><soap:Fault><faultstring>Invalid value for field Quantity</faultstring></soap:Fault></soap:Body></soap:Envelope>`,
			"text/xml", false, ""},
		{`<html><body>Access denied</body></html>`, "text/html", false, ""},
	}
	for _, tc := range cases {
		f := &capture.Flow{Status: 200, ResponseBody: capture.Body{Bytes: []byte(tc.body), Decoded: true},
			ResponseHeaders: []capture.Header{{Name: "Content-Type", Value: tc.contentType}}}
		r := analyze.FactsOf(f).Refusal
		if r.Refused != tc.refused || r.Reason != tc.reason {
			t.Errorf("200 %s: refused=%v reason=%q, want %v %q", tc.body, r.Refused, r.Reason, tc.refused, tc.reason)
		}
	}
}

// TestLoginRedirect: single sign-on answers a request without its session
// with a redirect to its sign-in page; other redirects are not refusals.
func TestLoginRedirect(t *testing.T) {
	for loc, refused := range map[string]bool{
		"https://wam.example.com/oam/server/obrareq.cgi?encquery%3DzQ1":                              true, // Oracle Access Manager
		"/ui/#/signin?returnTo=%2Fadmin%2Fusers":                                                     true, // a single-page app's route
		"https://sso.example.com/adfs/ls/?SAMLRequest=fZJ":                                           true,
		"https://id.example.com/realms/corp/protocol/openid-connect/auth?client_id=x&redirect_uri=y": true,
		"https://login.example.com/nidp/app/login?id=contract":                                       true,  // NetIQ
		"/identity/api/groups/oam-admins":                                                            false, // words of a resource's name
		"/apps/oam":                                                                                  false,
		"/ui/#/users/42?tab=sso":                                                                     false,
		"/ui/#/settings/auth":                                                                        false,
		"/admin/users/jdoe":                                                                          false, // Post/Redirect/Get
		"https://api.example.com/v2/Users":                                                           false,
		"/ui/#/users/42":                                                                             false,
	} {
		f := &capture.Flow{Method: "POST", Host: "api.example.com", URL: "https://api.example.com/admin/users", Target: "/admin/users",
			Status: 302, ResponseHeaders: []capture.Header{{Name: "Location", Value: loc}}}
		if r := analyze.FactsOf(f).Refusal; r.Refused != refused {
			t.Errorf("302 to %s: refused=%v, want %v", loc, r.Refused, refused)
		}
	}
}

// A request whose path only contains a sign-in word (a group named
// sso-admins) is no sign-in step: sent to the sign-in page, it was refused.
func TestLoginRedirectOfAResourceNamedSSO(t *testing.T) {
	f := &capture.Flow{Method: "PATCH", Host: "api.example.com", URL: "https://api.example.com/groups/sso-admins/members", Target: "/groups/sso-admins/members",
		Status: 302, ResponseHeaders: []capture.Header{{Name: "Location", Value: "https://sts.example.com/adfs/ls/?SAMLRequest=fZJ"}}}
	if r := analyze.FactsOf(f).Refusal; !r.Refused {
		t.Error("PATCH /groups/sso-admins/members sent to ADFS was not refused")
	}
	f.URL, f.Target = "https://api.example.com/saml2/login", "/saml2/login"
	if r := analyze.FactsOf(f).Refusal; r.Refused {
		t.Error("a sign-in step sent on to the identity provider counts as refused")
	}
}
