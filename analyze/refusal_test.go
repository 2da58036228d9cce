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
