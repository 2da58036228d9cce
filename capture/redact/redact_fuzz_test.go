package redact

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture"
)

// FuzzRedact: whatever the body and the secret, JSON stays JSON, sizes stay
// consistent, the secret is replaced in a key header, a query parameter and
// a JSON password, and those three share one stand-in.
func FuzzRedact(f *testing.F) {
	f.Add([]byte(`{"a":1,"token":"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln"}`), "s3cret-Value", "application/json")
	f.Add([]byte(`{"Operations":[{"path":"password","value":{"x":[1,"y"]}}]}`), "p@ss word", "application/scim+json")
	f.Add([]byte("password=a%20b&x=1"), "Grüße-1", "application/x-www-form-urlencoded")
	f.Add([]byte("<a><password>x&amp;y</password></a>"), "\x00\xff'\"", "text/xml")
	f.Add([]byte(`{"password": "cut`), "1", "")
	f.Fuzz(func(t *testing.T, body []byte, secret, ct string) {
		r := NewRedactor()
		fl := &capture.Flow{URL: "https://h/p?token=" + url.QueryEscape(secret) + "&x=1", Target: "/p?token=" + url.QueryEscape(secret),
			RequestHeaders: []capture.Header{{Name: "Content-Type", Value: ct}, {Name: "X-Api-Key", Value: secret}},
			RequestBody:    capture.Body{Bytes: body, Size: int64(len(body)) + 10},
			ResponseBody:   capture.Body{Bytes: body, Size: int64(len(body)), Decoded: true}}
		g := r.Flow(fl)
		if json.Valid(body) && !json.Valid(g.RequestBody.Bytes) {
			t.Fatalf("JSON no longer valid: %q → %q", body, g.RequestBody.Bytes)
		}
		if g.RequestBody.Size-int64(len(g.RequestBody.Bytes)) != 10 {
			t.Fatalf("size %d for %d bytes", g.RequestBody.Size, len(g.RequestBody.Bytes))
		}
		if strings.IndexFunc(secret, func(c rune) bool {
			return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c > 127
		}) < 0 {
			return // nothing a stand-in could differ in
		}
		if w := strings.ToLower(strings.TrimSpace(secret)); w == "fetch" || w == "required" {
			return // the CSRF handshake words are kept in headers
		}
		p := g.RequestHeader("X-Api-Key")
		if p == secret {
			t.Fatalf("header kept %q", secret)
		}
		if q := g.Query().Get("token"); q != p {
			t.Fatalf("query stand-in %q, header %q", q, p)
		}
		doc, _ := json.Marshal(map[string]string{"password": secret})
		var out map[string]string
		red := r.Flow(&capture.Flow{RequestBody: capture.Body{Bytes: doc, Size: int64(len(doc))}}).RequestBody.Bytes
		if err := json.Unmarshal(red, &out); err != nil || (out["password"] != p && strings.ToValidUTF8(secret, "\ufffd") == secret) || out["password"] == secret {
			t.Fatalf("JSON password %q (%v), header %q", red, err, p)
		}
	})
}
