package har

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

func encodingFlow(name, value, body string) *capture.Flow {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 123456000, time.UTC)
	return &capture.Flow{ID: 1, ConnID: 3, Start: t0, End: t0.Add(1500 * time.Microsecond), ClientAddr: "127.0.0.1:1",
		Scheme: "https", Host: "h", Port: 443, Method: "PATCH", URL: "https://h/a?b=" + value, Target: "/a?b=" + value,
		RequestHeaders: []capture.Header{{Name: "Host", Value: "h"}, {Name: name, Value: value}, {Name: "Cookie", Value: "a=" + value}},
		RequestBody:    capture.Body{Bytes: []byte(body), Size: int64(len(body)), Truncated: len(body) > 3},
		Status:         401, StatusText: value, ResponseHeaders: []capture.Header{{Name: "Set-Cookie", Value: "s=" + value + "; Path=/; HttpOnly; Secure"}, {Name: "Location", Value: value}},
		ResponseBody: capture.Body{Bytes: []byte(body), Size: 9}, Error: value, OriginalHost: value, ReplayOf: 2, Kind: value,
		Timings: capture.Timings{Send: time.Microsecond, Wait: 3 * time.Millisecond}}
}

// FuzzAppendEntry: the hand-written encoder is valid JSON that decodes to
// exactly what encoding/json's does, for any header or body text.
func FuzzAppendEntry(f *testing.F) {
	f.Add("X-Key", "plain", `{"a":1}`)
	f.Add("X-\"q\"", "\x00\x1f\u2028<>&\\", "\xff\xfe binary \n\r\t")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, name, value, body string) {
		e := entryFromFlow(encodingFlow(name, value, body))
		std, err := json.Marshal(e)
		if err != nil {
			t.Skip()
		}
		ours := appendEntry(nil, &e)
		var a, b harEntry
		if err := json.Unmarshal(ours, &a); err != nil {
			t.Fatalf("invalid JSON: %v\n%s", err, ours)
		}
		json.Unmarshal(std, &b)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("decodes differently:\nours %s\nstd  %s", ours, std)
		}
	})
}
