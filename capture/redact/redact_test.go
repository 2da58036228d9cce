package redact

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/httpx"
)

var redactEpoch = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

func seedFlow(id int, method, rawURL string, status int, req, resp []capture.Header, reqBody, respBody string) *capture.Flow {
	f := capturetest.NewFlow(method, rawURL, status, capturetest.ID(id), capturetest.FromClient("10.0.0.5:50000"),
		capturetest.StartAt(time.Duration(id)*time.Second), capturetest.Lasting(50*time.Millisecond),
		capturetest.Headers(req...), capturetest.RespHeaders(resp...), capturetest.RespBody(respBody))
	f.ResponseProto = ""
	if reqBody != "" {
		f.RequestBody = capture.Body{Bytes: []byte(reqBody), Size: int64(len(reqBody))}
	}
	return f
}

const (
	seed1Basic   = "Basic cHJvdmlzaW9uZXI6UHIwdiFzaW9uLTIwMjQ=" // provisioner:Pr0v!sion-2024
	seed1Pass    = "Pr0v!sion-2024"
	seed1Session = "8F3A1C0E9B2D47A6B1C3D5E7F9A0B2C4"
	seed1NewPass = "Welc0me-jdoe-42"
	seed2Key     = "4f2b9c7d1e8a4b6c9d0e1f2a3b4c5d6e"
)

// seedSession is the first seed failure (the session the connector did not keep): POST opens a session (JSESSIONID), the
// PATCH without the cookie is refused, a replay with the cookie works.
func seedSession() []*capture.Flow {
	base := "https://idm.example.com"
	auth := capture.Header{Name: "Authorization", Value: seed1Basic}
	return []*capture.Flow{
		seedFlow(1, "POST", base+"/admin/users", 201,
			[]capture.Header{{Name: "Host", Value: "idm.example.com"}, auth, {Name: "Content-Type", Value: "application/json"}},
			[]capture.Header{{Name: "Set-Cookie", Value: "JSESSIONID=" + seed1Session + "; Path=/; Secure; HttpOnly"}, {Name: "Content-Type", Value: "application/json"}},
			`{"userName":"jdoe","password":"`+seed1NewPass+`","active":true}`, `{"id":"a1b2","userName":"jdoe"}`),
		seedFlow(2, "PATCH", base+"/admin/usergroups/7c9e6679-7425-40de-944b-e07fc1f90ae7", 401,
			[]capture.Header{{Name: "Host", Value: "idm.example.com"}, auth, {Name: "Content-Type", Value: "application/json"}},
			[]capture.Header{{Name: "WWW-Authenticate", Value: `Token Basic realm="idm"`}, {Name: "Content-Type", Value: "application/json"}},
			`{"add":["jdoe"]}`, `{"code":401,"description":"The request requires user authentication","reason":"Unauthorized"}`),
		seedFlow(3, "GET", base+"/admin/users/jdoe", 200,
			[]capture.Header{{Name: "Host", Value: "idm.example.com"}, auth, {Name: "Cookie", Value: "JSESSIONID=" + seed1Session}},
			[]capture.Header{{Name: "Content-Type", Value: "application/json"}}, "", `{"userName":"jdoe"}`),
	}
}

// seedSubscription is the second seed failure: the key rides on reads only.
func seedSubscription() []*capture.Flow {
	base := "https://gw.example.com/scim/v2"
	auth := capture.Header{Name: "Authorization", Value: "Basic c2NpbTpTY2ltUGFzczk5"}
	get := func(id int, path string) *capture.Flow {
		return seedFlow(id, "GET", base+path+"?subscription-key="+seed2Key, 200,
			[]capture.Header{{Name: "Host", Value: "gw.example.com"}, auth, {Name: "Ocp-Apim-Subscription-Key", Value: seed2Key}, {Name: "Accept", Value: "application/scim+json"}},
			[]capture.Header{{Name: "Content-Type", Value: "application/scim+json"}}, "", `{"totalResults":1}`)
	}
	return []*capture.Flow{
		get(1, "/Users"), get(2, "/Groups"), get(3, "/Groups/42"),
		seedFlow(4, "PUT", base+"/Groups/42", 401,
			[]capture.Header{{Name: "Host", Value: "gw.example.com"}, auth, {Name: "Content-Type", Value: "application/scim+json"}},
			[]capture.Header{{Name: "WWW-Authenticate", Value: `AzureApiManagementKey realm="https://gw.example.com/scim",name="Ocp-Apim-Subscription-Key",type="header"`}},
			`{"displayName":"g"}`, `{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}`),
	}
}

// writeRedacted redacts flows into a HAR file and returns its bytes and
// the flows read back from it.
func writeRedacted(t *testing.T, flows []*capture.Flow) ([]byte, []*capture.Flow) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "redacted.har")
	if err := har.WriteHAR(path, NewRedactor().Flows(flows)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := har.LoadHAR(path)
	if err != nil {
		t.Fatal(err)
	}
	return data, c.Flows
}

func mustNotContain(t *testing.T, data []byte, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)), strings.ReplaceAll(s, "!", `\u0021`)} {
			if bytes.Contains(data, []byte(form)) {
				t.Errorf("the redacted file contains %q", form)
			}
		}
	}
}

func mustContain(t *testing.T, data []byte, kept ...string) {
	t.Helper()
	for _, s := range kept {
		if !bytes.Contains(data, []byte(s)) {
			t.Errorf("the redacted file lost %q", s)
		}
	}
}

func TestRedactSeedSession(t *testing.T) {
	orig := seedSession()
	data, got := writeRedacted(t, orig)
	mustNotContain(t, data, seed1Basic[len("Basic "):], seed1Pass, seed1Session, seed1NewPass, "provisioner:")
	mustContain(t, data, `"Authorization"`, `Basic `, `JSESSIONID=`, `Path=/; Secure; HttpOnly`, `\"userName\":\"jdoe\"`,
		`\"password\":\"`, `Token Basic realm=\"idm\"`, "The request requires user authentication", "/admin/usergroups/7c9e6679")
	set := strings.TrimPrefix(strings.Split(got[0].ResponseHeader("Set-Cookie"), ";")[0], "JSESSIONID=")
	sent := strings.TrimPrefix(got[2].RequestHeader("Cookie"), "JSESSIONID=")
	if set != sent || len(set) != len(seed1Session) || set == seed1Session {
		t.Errorf("session cookie stand-ins: set %q, sent %q (original %q)", set, sent, seed1Session)
	}
	a1, a2, a3 := got[0].RequestHeader("Authorization"), got[1].RequestHeader("Authorization"), got[2].RequestHeader("Authorization")
	if a1 != a2 || a2 != a3 || a1 == seed1Basic || len(a1) != len(seed1Basic) || !strings.HasPrefix(a1, "Basic ") {
		t.Errorf("Authorization stand-ins %q %q %q", a1, a2, a3)
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(a1, "Basic "))
	if user, pass, ok := strings.Cut(string(dec), ":"); err != nil || !ok || len(user) != len("provisioner") || len(pass) != len(seed1Pass) {
		t.Errorf("Basic stand-in is not user:password of the same lengths: %q %v", dec, err)
	}
	var body map[string]any
	if err := json.Unmarshal(got[0].RequestBody.Bytes, &body); err != nil || len(body["password"].(string)) != len(seed1NewPass) {
		t.Errorf("request body %q: %v", got[0].RequestBody.Bytes, err)
	}
	if got[0].RequestBody.Size != orig[0].RequestBody.Size {
		t.Errorf("body size %d, was %d", got[0].RequestBody.Size, orig[0].RequestBody.Size)
	}
}

func TestRedactSeedSubscription(t *testing.T) {
	data, got := writeRedacted(t, seedSubscription())
	mustNotContain(t, data, seed2Key, "c2NpbTpTY2ltUGFzczk5", "ScimPass99")
	mustContain(t, data, `"Ocp-Apim-Subscription-Key"`, `subscription-key=`, `"name":"subscription-key"`,
		"Access denied due to missing subscription key", `name=\"Ocp-Apim-Subscription-Key\"`)
	key := got[0].RequestHeader("Ocp-Apim-Subscription-Key")
	if key == "" || key == seed2Key || len(key) != len(seed2Key) {
		t.Fatalf("header stand-in %q", key)
	}
	for _, f := range got[:3] {
		if h := f.RequestHeader("Ocp-Apim-Subscription-Key"); h != key {
			t.Errorf("#%d header stand-in %q, want %q", f.ID, h, key)
		}
		if q := f.Query().Get("subscription-key"); q != key {
			t.Errorf("#%d query stand-in %q, want the header's %q", f.ID, q, key)
		}
		if !strings.HasSuffix(f.Target, "?subscription-key="+key) {
			t.Errorf("#%d target %q", f.ID, f.Target)
		}
	}
	if put := got[3]; put.HasRequestHeader("Ocp-Apim-Subscription-Key") || put.Query().Has("subscription-key") {
		t.Errorf("the PUT gained a key: %v %q", put.RequestHeaders, put.URL)
	}
}

func TestRedactFields(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"jdoe@example.com","exp":1700000000,"iat":1699990000}`)) + ".c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMTIzNDU2"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"access_token":"tok-0123456789abcdef","token_type":"Bearer","expires_in":3600}`))
	zw.Close()
	f := &capture.Flow{Method: "POST", URL: "https://u:hunter22@h.example/cb;jsessionid=ABC123def?code=auth-code-987&state=xyz#access_token=frag-token-123",
		Target: "/cb;jsessionid=ABC123def?code=auth-code-987&state=xyz",
		RequestHeaders: []capture.Header{{Name: "Authorization", Value: "Bearer " + jwt}, {Name: "X-CSRF-Token", Value: "Fetch"}, {Name: "X-Api-Key", Value: "key-5551212abc"},
			{Name: "Content-Type", Value: "application/x-www-form-urlencoded"}, {Name: "Content-Length", Value: "60"}},
		RequestBody:     capture.Body{Bytes: []byte("grant_type=password&username=jdoe&password=p%40ss+w0rd+42&x=1")},
		ResponseHeaders: []capture.Header{{Name: "Content-Encoding", Value: "gzip"}, {Name: "Location", Value: "https://app/cb?code=auth-code-987"}, {Name: "x-csrf-token", Value: "csrf-0a1b2c3d4e"}},
		ResponseBody:    capture.Body{Bytes: gz.Bytes(), Size: int64(gz.Len())},
		Error:           "upstream said: bad key key-5551212abc",
	}
	before := *f
	g := NewRedactor().Flow(f)
	if f.RequestHeaders[0].Value != before.RequestHeaders[0].Value || f.URL != before.URL {
		t.Fatal("Flow changed its input")
	}
	all := g.URL + g.Target + g.Error + string(g.RequestBody.Bytes) + string(g.ResponseBody.Bytes)
	for _, h := range append(g.RequestHeaders, g.ResponseHeaders...) {
		all += h.Value
	}
	for _, s := range []string{jwt, "hunter22", "ABC123def", "auth-code-987", "frag-token-123", "key-5551212abc", "p%40ss", "w0rd", "tok-0123456789abcdef", "csrf-0a1b2c3d4e", "jdoe@example.com"} {
		if strings.Contains(all, s) {
			t.Errorf("%q survived", s)
		}
	}
	for _, s := range []string{"Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.", "state=xyz", "grant_type=password&username=jdoe&password=", "+", "&x=1", `"token_type":"Bearer"`, `"expires_in":3600`, ";jsessionid=", "upstream said: bad key "} {
		if !strings.Contains(all, s) {
			t.Errorf("%q was lost", s)
		}
	}
	if g.RequestHeader("X-CSRF-Token") != "Fetch" {
		t.Error("the CSRF fetch word was replaced")
	}
	claims, err := base64.RawURLEncoding.DecodeString(strings.Split(strings.TrimPrefix(g.RequestHeader("Authorization"), "Bearer "), ".")[1])
	if err != nil || !bytes.Contains(claims, []byte(`"exp":1700000000`)) || !json.Valid(claims) {
		t.Errorf("JWT stand-in claims %q (%v)", claims, err)
	}
	code := strings.TrimPrefix(g.ResponseHeader("Location"), "https://app/cb?code=")
	if !strings.Contains(g.Target, "code="+code+"&") {
		t.Errorf("code stand-ins differ: Location %q, target %q", code, g.Target)
	}
	if !g.ResponseBody.Decoded || !json.Valid(g.ResponseBody.Bytes) {
		t.Errorf("gzip response body: %q", g.ResponseBody.Bytes)
	}
	if len(g.RequestBody.Bytes) != len(f.RequestBody.Bytes) {
		t.Errorf("form body length %d, was %d", len(g.RequestBody.Bytes), len(f.RequestBody.Bytes))
	}
	// Different runs, different keys: a stand-in cannot be looked up.
	if NewRedactor().Flow(f).RequestHeader("X-Api-Key") == g.RequestHeader("X-Api-Key") {
		t.Error("two redaction runs gave the same stand-in")
	}
}

func TestRedactBodies(t *testing.T) {
	r := NewRedactor()
	cases := []struct{ ct, in, secret, keep string }{
		{"application/scim+json", `{"Operations":[{"op":"replace","path":"password","value":"Val-ue123"}]}`, "Val-ue123", `"path":"password","value":"`},
		{"application/json", `[{"name":"clientSecret","value":"s3cr3t-value"},{"name":"x","value":"plain"}]`, "s3cr3t-value", `"value":"plain"`},
		{"application/json", `{"credentials":{"user":"svc","pass":"Deep-Nest-77"},"n":[1,2]}`, "Deep-Nest-77", `"n":[1,2]`},
		{"application/json", `{"password": "cut-off-secret-99", "tru`, "cut-off-secret-99", `{"password": "`},
		{"text/xml", `<Envelope><wsse:Password Type="PasswordText">pa&amp;ss-w0rd</wsse:Password><n>v</n></Envelope>`, "pa&amp;ss-w0rd", `<n>v</n>`},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nmulti-pass-1\r\n--b--\r\n", "multi-pass-1", `name="password"`},
		{"text/plain", "login failed for password=plain-text-pw9 at 10:00", "plain-text-pw9", "login failed for password="},
		{"application/json", `{"a":"\u00e9\"\\","pin":1234,"api_key":"k\"ey-42"}`, `k\"ey-42`, `"a":"\u00e9\"\\"`},
	}
	for _, c := range cases {
		f := &capture.Flow{RequestHeaders: []capture.Header{{Name: "Content-Type", Value: c.ct}}, RequestBody: capture.Body{Bytes: []byte(c.in), Size: int64(len(c.in))}}
		out := string(r.Flow(f).RequestBody.Bytes)
		if strings.Contains(out, c.secret) || !strings.Contains(out, c.keep) {
			t.Errorf("%s %s:\n got %s", c.ct, c.in, out)
		}
		if json.Valid([]byte(c.in)) && !json.Valid([]byte(out)) {
			t.Errorf("%s is no longer JSON", out)
		}
	}
	// A body that cannot be decoded cannot be checked, so it is not kept.
	f := &capture.Flow{ResponseHeaders: []capture.Header{{Name: "Content-Encoding", Value: "br"}}, ResponseBody: capture.Body{Bytes: []byte("\x00not brotli"), Size: 11}}
	if g := r.Flow(f); len(g.ResponseBody.Bytes) != 0 || !g.ResponseBody.Truncated {
		t.Errorf("undecodable body kept: %q", g.ResponseBody.Bytes)
	}
}

// TestRedactConsistency: one secret, one stand-in, wherever it occurs;
// different secrets never share one.
func TestRedactConsistency(t *testing.T) {
	r := NewRedactor()
	a := r.Flows([]*capture.Flow{
		{URL: "https://h/a?api_key=Same-Value-1", RequestHeaders: []capture.Header{{Name: "X-Api-Key", Value: "Same-Value-1"}, {Name: "Cookie", Value: "sid=Same-Value-1; other=Other-Value-2"}},
			RequestBody: capture.Body{Bytes: []byte(`{"token":"Same-Value-1"}`)}, ResponseBody: capture.Body{Bytes: []byte("echo Other-Value-2")}},
	})[0]
	p := a.RequestHeader("X-Api-Key")
	if a.Query().Get("api_key") != p || a.RequestHeader("Cookie") != "sid="+p+"; other="+strings.TrimPrefix(strings.Split(a.RequestHeader("Cookie"), "; ")[1], "other=") ||
		string(a.RequestBody.Bytes) != `{"token":"`+p+`"}` {
		t.Errorf("stand-ins differ: %q %q %q %q", p, a.URL, a.RequestHeader("Cookie"), a.RequestBody.Bytes)
	}
	if strings.Contains(string(a.ResponseBody.Bytes), "Other-Value-2") {
		t.Error("a known secret survived in plain text")
	}
	seen := map[string]string{}
	for _, s := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "ab", "ba", "Aa"} {
		p := r.pseudo(s)
		if o, dup := seen[p]; dup || p == s {
			t.Errorf("%q → %q (also %q)", s, p, o)
		}
		seen[p] = s
	}
	again := r.Flow(&capture.Flow{URL: "https://h/b?api_key=Same-Value-1"})
	if again.Query().Get("api_key") != p {
		t.Errorf("a later flow got another stand-in: %q", again.URL)
	}
}

// The rules redaction shares with the analyzers (capture/httpx): a padded
// JWT keeps its exp, X-Subscription is a credential, and every cookie of a
// newline-joined Set-Cookie is replaced.
func TestRedactFollowsTheSharedRules(t *testing.T) {
	payload := base64.URLEncoding.EncodeToString([]byte(`{"sub":"svc-provisioner1","exp":1741082400}`)) // padded
	if !strings.HasSuffix(payload, "=") {
		t.Fatalf("test payload %q must need padding", payload)
	}
	jwt := "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2lnbmF0dXJlLWJ5dGVz"
	f := capturetest.NewFlow("GET", "https://api.example.com/scim/v2/Users", 200,
		capturetest.Hdr("Authorization", "Bearer "+jwt), capturetest.Hdr("X-Subscription", "sub-9f8e7d6c5b4a"),
		capturetest.SetCookie("AWSALB=lb-0a1b2c3d4e5f; Path=/\nJSESSIONID=sess-99aa88bb77cc; Path=/; HttpOnly"))
	g := NewRedactor().Flow(f)
	tok := strings.TrimPrefix(g.RequestHeader("Authorization"), "Bearer ")
	claims, padded, err := httpx.DecodeSegment(strings.Split(tok, ".")[1])
	if err != nil || !padded || !bytes.Contains(claims, []byte(`"exp":1741082400`)) || bytes.Contains(claims, []byte("svc-provisioner1")) {
		t.Errorf("padded JWT stand-in %q: claims %q, padded %v (%v)", tok, claims, padded, err)
	}
	if c, ok := httpx.DecodeJWT(tok); !ok || c.Exp.Unix() != 1741082400 {
		t.Errorf("the stand-in's exp reads as %v (%v)", c.Exp, ok)
	}
	all := g.RequestHeader("X-Subscription") + g.ResponseHeader("Set-Cookie")
	for _, s := range []string{"sub-9f8e7d6c5b4a", "lb-0a1b2c3d4e5f", "sess-99aa88bb77cc"} {
		if strings.Contains(all, s) {
			t.Errorf("%q survived redaction: %q", s, all)
		}
	}
	if sc := g.ResponseHeader("Set-Cookie"); !strings.Contains(sc, "\nJSESSIONID=") || !strings.HasSuffix(sc, "; Path=/; HttpOnly") {
		t.Errorf("joined Set-Cookie lost its shape: %q", sc)
	}
}

// scaleFlows is n flows, each with a session token of its own in a header
// and, as text in its response body, the token of the flow after it.
func scaleFlows(n int) []*capture.Flow {
	token := func(i int) string { return fmt.Sprintf("tok%06d-4f8a9c2e7b1d", i) }
	flows := make([]*capture.Flow, n)
	for i := range flows {
		body := `{"next":"` + token(i+1) + `"}`
		flows[i] = &capture.Flow{ID: i + 1, Method: "GET", URL: fmt.Sprintf("https://h/Users/%d", i),
			RequestHeaders: []capture.Header{{Name: "X-Session-Token", Value: token(i)}},
			ResponseBody:   capture.Body{Bytes: []byte(body), Size: int64(len(body))}}
	}
	return flows
}

// A capture's secrets are collected first and scrubbed in one pass: the
// work grows with the flows, not with flows × secrets (each new secret
// used to rebuild the replacer for the next flow: 20,000 flows of a night's
// run took 34 s, 100,000 about a quarter of an hour). Allocations count the
// work without a clock.
func TestRedactFlowsWorkGrowsLinearly(t *testing.T) {
	allocs := func(n int) float64 {
		flows := scaleFlows(n)
		return testing.AllocsPerRun(3, func() { NewRedactor().Flows(flows) })
	}
	small, large := allocs(300), allocs(1200)
	if large > 6*small {
		t.Errorf("4× the flows cost %.1f× the allocations (%.0f → %.0f): the scrub is rebuilt per secret", large/small, small, large)
	}
	out := NewRedactor().Flows(scaleFlows(50))
	for i, g := range out[:49] {
		if strings.Contains(string(g.ResponseBody.Bytes), "tok") {
			t.Fatalf("flow %d: the next flow's token survived as text: %s", i+1, g.ResponseBody.Bytes)
		}
		next := out[i+1].RequestHeader("X-Session-Token")
		if !strings.Contains(string(g.ResponseBody.Bytes), next) {
			t.Fatalf("flow %d: body %s does not carry the next flow's stand-in %s", i+1, g.ResponseBody.Bytes, next)
		}
	}
}

// BenchmarkRedactCorpus is `provtap redact` on 5,000 flows of many
// accounts (capturetest's corpus), without the file.
func BenchmarkRedactCorpus(b *testing.B) {
	flows := capturetest.GenerateCorpus(5000, 1).Flows
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		NewRedactor().Flows(flows)
	}
}

// Learn over a capture, then Final flow by flow, is Flows streamed: under
// the same key, the same stand-ins and the same text scrubbed, flow by flow.
func TestRedactLearnFinalIsFlows(t *testing.T) {
	flows := append(scaleFlows(40), capturetest.GenerateCorpus(300, 2).Flows...)
	r := NewRedactor()
	for _, f := range flows {
		r.Learn(f)
	}
	streamed := make([]*capture.Flow, len(flows))
	for i, f := range flows {
		streamed[i] = r.Final(f)
	}
	whole := (&Redactor{key: r.key, stand: map[string]string{}, taken: map[string]bool{}, scrub: map[string]bool{}}).Flows(flows)
	for i := range flows {
		a, b := streamed[i], whole[i]
		if a.URL != b.URL || !reflect.DeepEqual(a.RequestHeaders, b.RequestHeaders) || !reflect.DeepEqual(a.ResponseHeaders, b.ResponseHeaders) ||
			string(a.RequestBody.Bytes) != string(b.RequestBody.Bytes) || string(a.ResponseBody.Bytes) != string(b.ResponseBody.Bytes) {
			t.Fatalf("flow %d differs:\nstreamed %s %v %s\nwhole    %s %v %s", i+1, a.URL, a.RequestHeaders, a.ResponseBody.Bytes,
				b.URL, b.RequestHeaders, b.ResponseBody.Bytes)
		}
	}
}
