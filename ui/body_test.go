package ui

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture"
)

func body(s string) capture.Body {
	return capture.Body{Bytes: []byte(s), Size: int64(len(s))}
}

func TestFormatBody(t *testing.T) {
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"id":"g1","members":[]}`))
	w.Close()

	cases := []struct {
		name, ct, ce string
		b            capture.Body
		want         []string // substrings of text
		notes        []string // substrings of notes
	}{
		{"json", "application/scim+json", "", body(`{"a":1,"b":[true,null]}`), []string{"{\n  \"a\": 1,\n  \"b\": [\n    true,"}, nil},
		{"json without type", "", "", body(` [1,2]`), []string{"[\n  1,\n  2\n]"}, nil},
		{"gzip json", "application/json", "gzip", capture.Body{Bytes: gz.Bytes(), Size: int64(gz.Len())}, []string{`  "id": "g1",`}, nil},
		{"soap xml", "text/xml", "", body(`<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:Fault>denied</m:Fault></soap:Body></soap:Envelope>`),
			[]string{"<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\n  <soap:Body>\n    <m:Fault>denied</m:Fault>\n  </soap:Body>\n</soap:Envelope>"}, nil},
		{"binary", "application/octet-stream", "", body("\x00\x01\x02PNG\xff\xfe"), []string{"00000000  00 01 02 50 4e 47 ff fe"}, nil},
		{"truncated json stays raw", "application/json", "", capture.Body{Bytes: []byte(`{"a":[1,2`), Size: 5000, Truncated: true},
			[]string{`{"a":[1,2`}, []string{"truncated: kept 9 bytes of 4.9kB (5000 bytes)"}},
		{"not kept", "", "", capture.Body{Size: 2048}, nil, []string{"body of 2.0kB (2048 bytes) not kept"}},
		{"terminal escapes are defused", "text/plain", "", body("a log line with a title change in it: \x1b]0;pwned\x07 and more text"), []string{"in it: ^[]0;pwned^G and more"}, nil},
		{"undecodable", "application/json", "br", body("not brotli"), nil, []string{`Content-Encoding "br" could not be decoded`}},
	}
	for _, c := range cases {
		v := formatBody(c.b, c.ct, c.ce)
		for _, w := range c.want {
			if !strings.Contains(v.text, w) {
				t.Errorf("%s: text\n%s\nlacks\n%s", c.name, v.text, w)
			}
		}
		for _, n := range c.notes {
			if !strings.Contains(strings.Join(v.notes, "|"), n) {
				t.Errorf("%s: notes %q lack %q", c.name, v.notes, n)
			}
		}
		if strings.ContainsAny(v.text, "\x1b\x07") {
			t.Errorf("%s: control characters reach the terminal: %q", c.name, v.text)
		}
	}
}

func TestLargeBodyIsCut(t *testing.T) {
	big := strings.Repeat("x", maxShown+100)
	v := formatBody(body(big), "text/plain", "")
	if len(v.text) != maxShown || !strings.Contains(strings.Join(v.notes, ""), "more not shown here") {
		t.Errorf("text %d bytes, notes %q", len(v.text), v.notes)
	}
}
