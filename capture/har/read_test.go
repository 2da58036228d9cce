package har_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/har"

	"github.com/provtap/provtap/capture"
)

func sampleFlows() []*capture.Flow {
	t0 := time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"Resources":[]}`))
	w.Close()
	return []*capture.Flow{
		{ID: 1, ConnID: 7, Start: t0, End: t0.Add(40 * time.Millisecond), ClientAddr: "127.0.0.1:5000",
			Scheme: "https", Host: "idm.example", Port: 443, Method: "POST", URL: "https://idm.example/admin/users?a=%20b",
			Target: "/admin/users?a=%20b", Proto: "HTTP/1.1",
			RequestHeaders: []capture.Header{{Name: "Host", Value: "idm.example"}, {Name: "authorization", Value: "Basic eA=="}, {Name: "X-Dup", Value: "1"}, {Name: "X-Dup", Value: "2"}},
			RequestBody:    capture.Body{Bytes: []byte("\x00\xffbinary"), Size: 8},
			Status:         201, StatusText: "Created", ResponseProto: "HTTP/1.1",
			ResponseHeaders: []capture.Header{{Name: "Content-Encoding", Value: "gzip"}, {Name: "Set-Cookie", Value: "JSESSIONID=1; Path=/"}},
			ResponseBody:    capture.Body{Bytes: gz.Bytes(), Size: int64(gz.Len())}},
		{ID: 2, Start: t0.Add(time.Microsecond), End: t0.Add(time.Second), Scheme: "http", Host: "dead", Port: 80,
			Method: "GET", URL: "http://dead/x", Target: "/x", Status: 502, Error: "upstream unreachable: refused"},
	}
}

func TestHARRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.har")
	if err := har.WriteHAR(path, sampleFlows()); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm()) // Windows: an ACL, not these bits
	}
	c, err := har.LoadHAR(path)
	if err != nil || len(c.Flows) != 2 || c.Truncated {
		t.Fatalf("load: %v, %d flows, truncated %v", err, len(c.Flows), c.Truncated)
	}
	f := c.Flows[0]
	want := sampleFlows()[0]
	if !f.Start.Equal(want.Start) || f.Duration() != want.Duration() || f.Target != want.Target || f.ConnID != 7 ||
		f.ClientAddr != want.ClientAddr || f.Port != 443 || f.Status != 201 {
		t.Errorf("flow meta differs: %+v", f)
	}
	if len(f.RequestHeaders) != 4 || f.RequestHeaders[1] != (capture.Header{Name: "authorization", Value: "Basic eA=="}) {
		t.Errorf("headers %v", f.RequestHeaders)
	}
	if !bytes.Equal(f.RequestBody.Bytes, want.RequestBody.Bytes) {
		t.Errorf("binary request body %q", f.RequestBody.Bytes)
	}
	if string(f.ResponseText()) != `{"Resources":[]}` {
		t.Errorf("response text %q", f.ResponseText())
	}
	if c.Flows[1].Error != sampleFlows()[1].Error || c.Flows[1].ID != 2 {
		t.Errorf("second flow %+v", c.Flows[1])
	}
}

func TestHARTruncatedMidEntryRecoversWholeEntries(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.har")
	if err := har.WriteHAR(path, sampleFlows()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	cut := bytes.LastIndex(data, []byte(`"startedDateTime"`)) + 30
	for _, n := range []int{cut, len(data) - 5, len(data) - 3} {
		c, err := har.ReadHAR(bytes.NewReader(data[:n]))
		if err != nil {
			t.Fatalf("cut at %d: %v", n, err)
		}
		want := 1
		if n > cut {
			want = 2
		}
		if len(c.Flows) != want || !c.Truncated {
			t.Errorf("cut at %d: %d flows, truncated %v", n, len(c.Flows), c.Truncated)
		}
	}
}

func TestHARNotJSONIsOneLineError(t *testing.T) {
	for _, in := range []string{"", "GET / HTTP/1.1\r\n", "[1,2]", `{"log":{"entries":{}}}`, `{"foo":1}`, `{"log":{"entries":[{"request":"x"}]}}`} {
		_, err := har.ReadHAR(strings.NewReader(in))
		if err == nil || !errors.Is(err, har.ErrNotHAR) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v", in, err)
		}
	}
}

// A browser-style HAR: HTTP/2 pseudo-headers, cookies only in the cookies
// arrays, millisecond timestamps with an offset, entries out of order.
func TestHARFromOtherTools(t *testing.T) {
	doc := `{"log":{"version":"1.2","creator":{"name":"WebInspector"},"pages":[],"entries":[
 {"startedDateTime":"2026-11-02T10:00:01.500+01:00","time":12.5,
  "request":{"method":"PATCH","url":"https://api.example/scim/Groups/1","httpVersion":"h2",
   "headers":[{"name":":authority","value":"api.example"},{"name":"content-type","value":"application/json"}],
   "cookies":[{"name":"JSESSIONID","value":"s1"}],"queryString":[],"postData":{"mimeType":"application/json","text":"{}"},"headersSize":-1,"bodySize":2},
  "response":{"status":401,"statusText":"","httpVersion":"h2","headers":[],"cookies":[],"content":{"size":2,"mimeType":"application/json","text":"{}"},"redirectURL":"","headersSize":-1,"bodySize":-1},
  "cache":{},"timings":{"send":1,"wait":10,"receive":1.5}},
 {"startedDateTime":"2026-11-02T09:00:00.000Z","time":5,
  "request":{"method":"GET","url":"https://api.example/scim/Groups","httpVersion":"HTTP/1.1","headers":[],"cookies":[],"queryString":[],"headersSize":-1,"bodySize":0},
  "response":{"status":200,"statusText":"OK","httpVersion":"HTTP/1.1","headers":[],
   "cookies":[{"name":"JSESSIONID","value":"s1","path":"/","httpOnly":true}],
   "content":{"size":4,"mimeType":"text/plain","text":"b2s=","encoding":"base64"},"redirectURL":"","headersSize":-1,"bodySize":4},
  "cache":{},"timings":{"send":1,"wait":3,"receive":1}}
]}}`
	c, err := har.ReadHAR(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	first, second := c.Flows[0], c.Flows[1]
	if first.Method != "GET" || second.Method != "PATCH" || second.ID != 2 {
		t.Fatalf("entries not ordered by start: %s %s", first.Method, second.Method)
	}
	if got := first.ResponseHeader("Set-Cookie"); got != "JSESSIONID=s1; Path=/; HttpOnly" {
		t.Errorf("Set-Cookie synthesized from cookies: %q", got)
	}
	if second.RequestHeader("Cookie") != "JSESSIONID=s1" || second.HasRequestHeader(":authority") {
		t.Errorf("request headers %v", second.RequestHeaders)
	}
	if string(first.ResponseText()) != "ok" || second.Target != "/scim/Groups/1" || second.Port != 443 {
		t.Errorf("body %q target %q port %d", first.ResponseText(), second.Target, second.Port)
	}
}
