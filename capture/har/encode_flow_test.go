package har

import (
	"bytes"
	"compress/gzip"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

// FuzzAppendFlowEntry: the recorder's direct encoder writes exactly the
// bytes of the harEntry path (which FuzzAppendEntry holds to encoding/json).
func FuzzAppendFlowEntry(f *testing.F) {
	f.Add("X-Key", "plain", `{"a":1}`, uint8(0))
	f.Add("X-\"q\"", "\x00\x1f\u2028<>&\\", "\xff\xfe binary \n\r\t", uint8(0xff))
	f.Add("Cookie", "a=1; b", "", uint8(0x0f))
	f.Add("Set-Cookie", "s=1; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Domain=.x", "?", uint8(0xf0))
	f.Add("", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, name, value, body string, variant uint8) {
		fl := encodingVariant(name, value, body, variant)
		want := appendEntry(nil, ptr(entryFromFlow(fl)))
		if got := appendFlowEntry(nil, fl); !bytes.Equal(got, want) {
			t.Fatalf("differs:\ngot  %s\nwant %s", got, want)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// encodingVariant turns the bits of v into the flow's optional parts: no
// headers, a gzip or broken-gzip response, truncation, status 0, no
// protocol, no connection, a zero start, a query-less URL.
func encodingVariant(name, value, body string, v uint8) *capture.Flow {
	fl := encodingFlow(name, value, body)
	fl.ResponseHeaders = append(fl.ResponseHeaders, capture.Header{Name: name, Value: value})
	if v&1 != 0 {
		fl.RequestHeaders, fl.ResponseHeaders = nil, nil
	}
	if v&2 != 0 {
		var zb bytes.Buffer
		w := gzip.NewWriter(&zb)
		w.Write([]byte(body))
		w.Close()
		fl.ResponseHeaders = append(fl.ResponseHeaders, capture.Header{Name: "Content-Encoding", Value: "gzip"})
		fl.ResponseBody = capture.Body{Bytes: zb.Bytes(), Size: int64(zb.Len())}
		if v&4 != 0 {
			fl.ResponseBody.Bytes = fl.ResponseBody.Bytes[:len(fl.ResponseBody.Bytes)/2]
			fl.ResponseBody.Truncated = true
		}
	} else if v&4 != 0 {
		fl.ResponseBody.Truncated = true
		fl.ResponseBody.Size = int64(len(body)) + 100
	}
	if v&8 != 0 {
		fl.Status, fl.Proto, fl.ResponseProto = 0, "", ""
	}
	if v&16 != 0 {
		fl.ConnID, fl.ReplayOf, fl.ClientAddr = 0, 0, ""
		fl.Start = time.Time{}
	}
	if v&32 != 0 {
		fl.URL = "https://h/" + value
	}
	if v&64 != 0 {
		fl.RequestBody = capture.Body{}
		fl.ResponseBody.Decoded = true
	}
	if v&128 != 0 {
		fl.ResponseProto = "HTTP/2.0"
		fl.Proto = "HTTP/1.0"
	}
	return fl
}

// BenchmarkAppendFlowEntry is the recorder's per-flow encoding cost for a
// typical SCIM GET (no system call).
func BenchmarkAppendFlowEntry(b *testing.B) {
	fl := scimFlow()
	b.ReportAllocs()
	var buf []byte
	for i := 0; i < b.N; i++ {
		buf = appendFlowEntry(buf[:0], fl)
	}
}

// BenchmarkAppendEntry is the same through harEntry, for comparison.
func BenchmarkAppendEntry(b *testing.B) {
	fl := scimFlow()
	b.ReportAllocs()
	var buf []byte
	for i := 0; i < b.N; i++ {
		e := entryFromFlow(fl)
		buf = appendEntry(buf[:0], &e)
	}
}

func scimFlow() *capture.Flow {
	user := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen","name":{"familyName":"Jensen","givenName":"Barbara"},"emails":[{"value":"bjensen@example.com","primary":true}],"active":true,"meta":{"resourceType":"User","version":"W/\"3694e05e\""}}`
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 123456000, time.Local)
	return &capture.Flow{ID: 1, ConnID: 3, Start: t0, End: t0.Add(1500 * time.Microsecond), ClientAddr: "127.0.0.1:50123",
		Scheme: "https", Host: "scim.example.com", Port: 443, Method: "GET", URL: "https://scim.example.com/scim/v2/Users/2819c223",
		Target: "/scim/v2/Users/2819c223", Proto: "HTTP/1.1",
		RequestHeaders: []capture.Header{{Name: "Host", Value: "scim.example.com"}, {Name: "User-Agent", Value: "connector/1.0"},
			{Name: "Authorization", Value: "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"}, {Name: "Accept", Value: "application/scim+json"}},
		Status: 200, StatusText: "OK", ResponseProto: "HTTP/1.1",
		ResponseHeaders: []capture.Header{{Name: "Content-Length", Value: "300"}, {Name: "Content-Type", Value: "application/scim+json"},
			{Name: "Date", Value: "Mon, 02 Nov 2026 09:00:00 GMT"}, {Name: "Etag", Value: `W/"3694e05e9dff590"`}},
		ResponseBody: capture.Body{Bytes: []byte(user), Size: int64(len(user))},
		Timings:      capture.Timings{Send: 10 * time.Microsecond, Wait: 1200 * time.Microsecond, Receive: 290 * time.Microsecond}}
}

// appendMillis and appendHARTime write what strconv and time write.
func TestAppendMillisAndTime(t *testing.T) {
	check := func(d time.Duration) {
		if got, want := string(appendMillis(nil, d)), string(appendFloat(nil, ms(d))); got != want {
			t.Fatalf("%d ns: %s, want %s", int64(d), got, want)
		}
	}
	for _, d := range []time.Duration{0, 1, 999, 1000, 1001, -1000, -1001, 1500 * time.Microsecond, 36 * time.Millisecond,
		10 * time.Microsecond, 100 * time.Microsecond, 120 * time.Microsecond, 24 * time.Hour, 1<<63 - 1, -1 << 63, 999999999999999 * time.Microsecond,
		1e15 * time.Microsecond, -999999999999999 * time.Microsecond} {
		check(d)
	}
	x := uint64(1)
	for range 200000 {
		x = x*6364136223846793005 + 1442695040888963407
		check(time.Duration(int64(x) >> (x % 48)))
	}
	for _, tm := range []time.Time{{}, time.Date(2026, 11, 2, 9, 0, 0, 123456789, time.FixedZone("X", -3600)), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0), time.Date(1, 2, 3, 4, 5, 6, 7000, time.Local)} {
		if got, want := string(appendHARTime(nil, tm)), tm.UTC().Format(harTimeLayout); got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
	for range 100000 {
		x = x*6364136223846793005 + 1442695040888963407
		tm := time.Unix(int64(x>>30)-(1<<33), int64(x%1e9))
		if got, want := string(appendHARTime(nil, tm)), tm.UTC().Format(harTimeLayout); got != want {
			t.Fatalf("%v: %s, want %s", tm, got, want)
		}
	}
}
