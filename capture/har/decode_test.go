package har

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// compareWithStdlib decodes data with decodeEntry and with encoding/json and
// reports any difference: where encoding/json succeeds, decodeEntry must
// succeed with an equal result; where it fails, decodeEntry must fail.
func compareWithStdlib(t testing.TB, data []byte) {
	t.Helper()
	var want, got harEntry
	wantErr := json.Unmarshal(data, &want)
	gotErr := decodeEntry(data, &got)
	switch {
	case wantErr == nil && gotErr != nil:
		t.Fatalf("decodeEntry(%q): %v; encoding/json accepts it", data, gotErr)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("decodeEntry(%q):\n got %#v\nwant %#v", data, got, want)
	case wantErr != nil && gotErr == nil:
		t.Fatalf("decodeEntry(%q) succeeded; encoding/json: %v", data, wantErr)
	}
	// The same with interning, the second time from a cache the first filled.
	var cache internCache
	var first, again harEntry
	firstErr := decodeEntryCached(data, &first, &cache)
	againErr := decodeEntryCached(data, &again, &cache)
	if (firstErr == nil) != (gotErr == nil) || (againErr == nil) != (gotErr == nil) {
		t.Fatalf("decodeEntryCached(%q): %v, then %v; decodeEntry: %v", data, firstErr, againErr, gotErr)
	}
	if gotErr == nil && (!reflect.DeepEqual(first, got) || !reflect.DeepEqual(again, got)) {
		t.Fatalf("decodeEntryCached(%q):\n got %#v\nthen %#v\nwant %#v", data, first, again, got)
	}
}

// edgeCases are inputs on which a decoder could easily differ from
// encoding/json. The fuzz test starts from them too.
var edgeCases = []string{
	// Top level.
	``, ` `, `{}`, ` {} `, "\t\r\n{}\n", `null`, `nul`, `{} x`, `{}{}`, `[]`, `"s"`, `1`, `true`, `{`, `}`, `{"time":1,}`,
	`{"time":1 "kind":2}`, `{"time" 1}`, `{time:1}`, `{'time':1}`, `{"time":1}` + "\x00",
	// Field names: exact, then case-insensitive (as bytes.EqualFold), escaped.
	`{"STARTEDDATETIME":"a","Time":1.5,"TIMINGS":{"DNS":2}}`,
	`{"request":{"Method":"GET","METHOD":"PUT"}}`,
	`{"response":{"\u017ftatus":201,"\u017ftatu\u017f":202}}`, // ſ folds to s
	`{"request":{"coo\u212aies":[{"name":"a"}]}}`,             // Kelvin sign folds to k
	"{\"request\":{\"coo\xe2\x84\xaaies\":[{\"name\":\"a\"}]}}",
	`{"\u0074ime":5,"ti\u006De":6}`, `{"tim\u00e9":5}`, "{\"time\xff\":5}", `{"time\u0000":5}`,
	`{"_initiator":{"type":"script","stack":{"callFrames":[{"a":[1,2,{"b":null}]}]}},"_priority":"High","pageref":"p","time":3}`,
	// Repeated keys: structs merge, slices reuse their elements.
	`{"request":{"method":"GET"},"request":{"url":"u"}}`,
	`{"request":{"headers":[{"name":"a","value":"b"},{"name":"c","value":"d"}],"headers":[{"name":"x"}],"headers":[{},{"value":"y"}]}}`,
	`{"request":{"headers":[{"name":"a"}],"headers":[],"headers":[{"value":"v"}]}}`,
	`{"request":{"headers":[{"name":"a"}],"headers":null,"headers":[{"value":"v"}]}}`,
	`{"response":{"cookies":[{"name":"a","secure":true},{"name":"b"}],"cookies":[{"value":"x"}],"cookies":[{},{},{"path":"/"}]}}`,
	`{"request":{"postData":{"text":"a"},"postData":{"mimeType":"m"}}}`,
	`{"request":{"headers":[{"name":"a","name":null,"value":"b","value":null}]}}`,
	`{"request":{"headers":[{"value":"b","name":"a"},{"name":"a\n","value":"b"},{"name":"a","value":"b\n"},{"name":"a","x":"` + strings.Repeat("y", 40) + `","value":"b"}]}}`,
	`{"request":{"headers":[{"name":"a","name":"c\n","value":"b"},{"name":"a\n","name":"c","value":"b"},{"name":"a","value":"b","name":1}]}}`,
	`{"request":{"headers":[{"name":"a","value":"b"},{"name":"c","value":"d"}],"headers":[{"name":null,"value":"x"},{"value":null}]}}`,
	`{"request":{"postData":{"text":"a"},"postData":null}}`,
	`{"request":{"postData":{"text":"a","params":[{"name":"p"}]},"postData":{"params":[{"value":"q"},{}]}}}`,
	// Lists that share one allocation (flushNVs): interleaved, repeated, too many, too long.
	`{"request":{"headers":[{"name":"a","value":"b"}],"queryString":[{"name":"q","value":"1"}],"postData":{"params":[{"name":"p","value":"2"}]}},"response":{"headers":[{"name":"c","value":"d"}]},"request":{"headers":[{"value":"B"}],"queryString":null}}`,
	`{"request":{"postData":{"params":[{"name":"p","value":"2"}]},"postData":null,"postData":{"params":[{"name":"x","value":"y"},{"name":"z","value":""}]},"headers":[],"queryString":[{"name":"q","value":"1"}]},"response":{"headers":[{"name":"c","value":"d"}]}}`,
	`{"request":{"headers":[{"name":"a","value":"b"}],"postData":{"params":[]}},"response":{"headers":[{"name":"c","value":"d"}],"headers":[{"name":"e"},{"name":"f","value":"g"}]},"request":{"headers":[{},{"name":"h"}]}}`,
	`{"request":{"headers":[` + strings.Repeat(`{"name":"n","value":"v"},`, 30) + `{"name":"last","value":"v"}],"queryString":[` + strings.Repeat(`{"name":"q","value":"w"},`, 20) + `{}]},"response":{"headers":[{"name":"c","value":"d"}]}}`,
	`{"request":{"headers":[{"name":"a","value":"b"}],"queryString":[{"name":"q","value":"1"}]},"response":{"headers":[{"name":"c","value":"d"},"x"]}}`,
	// The start time waits for the URL to share its allocation (strLater).
	`{"startedDateTime":"a","request":{"url":"u"}}`, `{"startedDateTime":"","request":{"url":""}}`, `{"startedDateTime":"","request":{"url":"u"}}`,
	`{"startedDateTime":"a","request":{"url":""}}`, `{"request":{"url":"u"},"startedDateTime":"a"}`, `{"startedDateTime":"a"}`,
	`{"startedDateTime":"a","startedDateTime":"b","request":{"url":"u"}}`, `{"startedDateTime":"a","startedDateTime":"b\n","request":{"url":"u"}}`,
	`{"startedDateTime":"a","startedDateTime":null,"request":{"url":"u","url":"v"}}`, `{"startedDateTime":"a","request":{"url":"u\n","url":"v"}}`,
	`{"startedDateTime":"a","request":{"url":"u"},"startedDateTime":"b","request":{"url":"v"}}`, `{"startedDateTime":"a","request":{"url":1}}`,
	`{"startedDateTime":"a","request":{"url":null}}`, `{"startedDateTime":"a","request":{"url":"u"},"startedDateTime":1}`,
	// null.
	`{"startedDateTime":null,"time":null,"request":null,"response":null,"cache":null,"timings":null,"_replayOf":null}`,
	`{"time":2,"time":null,"request":{"method":"GET","method":null,"headers":[{"name":null}],"headersSize":null}}`,
	`{"request":{"headers":null}}`, `{"request":{"headers":[null,null]}}`, `{"request":{"headers":[]}}`,
	`{"request":{"cookies":[null,{"httpOnly":null}]}}`, `{"request":{"postData":null}}`, `{"request":{"postData":{}}}`,
	// Strings.
	`{"startedDateTime":"\"\\\/\b\f\n\r\t\u00e9\u00E9\u20ac"}`,
	`{"startedDateTime":"\ud83d\ude80 \ud800\udc00 \udbff\udfff"}`,                            // pairs
	`{"startedDateTime":"\ud800 \udc00 \ud800\u0041 \udc00\ud800 \ud800\ud800\udc00 \ud800"}`, // lone and mismatched
	`{"startedDateTime":"\ud800\"}`, `{"startedDateTime":"\ud800\\"}`, `{"startedDateTime":"\ud800\n"}`,
	"{\"startedDateTime\":\"\xff\xfe a \xc3 \xe2\x82 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf ok\"}", // invalid UTF-8
	"{\"startedDateTime\":\"caf\xc3\xa9 \xf0\x9f\x9a\x80 \xef\xbf\xbd\"}",                          // valid UTF-8
	"{\"startedDateTime\":\"a\x01b\"}", "{\"startedDateTime\":\"a\x7fb\"}", "{\"startedDateTime\":\"tab\there\"}",
	`{"startedDateTime":"\x"}`, `{"startedDateTime":"\'"}`, `{"startedDateTime":"\u12"}`, `{"startedDateTime":"\u12g4"}`,
	`{"startedDateTime":"abc`, `{"startedDateTime":"abc\`, `{"startedDateTime":"\u00`,
	`{"startedDateTime":"` + strings.Repeat("0123456789abcdef", 20) + `\n` + strings.Repeat("é", 20) + `"}`,
	// Numbers.
	`{"time":0}`, `{"time":-0}`, `{"time":-0.0}`, `{"time":1.5}`, `{"time":1e2}`, `{"time":1E+2}`, `{"time":1e-2}`,
	`{"time":0.1}`, `{"time":123456789012345}`, `{"time":1234567890123456789}`, `{"time":0.30000000000000004}`,
	`{"time":123456789012345678901234567890.5e-10}`, `{"time":5e-324}`, `{"time":4.9406564584124654e-324}`,
	`{"time":1.7976931348623157e308}`, `{"time":1e400}`, `{"time":-1e400}`, `{"time":1e-400}`, `{"time":1e-22}`, `{"time":1e22}`,
	`{"time":0.000000000000000000001}`, `{"time":12.34e5}`, `{"time":100000000000000000000000}`,
	`{"time":-}`, `{"time":01}`, `{"time":1.}`, `{"time":.5}`, `{"time":1e}`, `{"time":1e+}`, `{"time":+1}`, `{"time":0x10}`, `{"time":NaN}`,
	`{"_replayOf":9223372036854775807}`, `{"_replayOf":9223372036854775808}`, `{"_replayOf":-9223372036854775808}`,
	`{"_replayOf":-9223372036854775809}`, `{"_replayOf":99999999999999999999}`, `{"_replayOf":1.0}`, `{"_replayOf":1e2}`, `{"_replayOf":-0}`,
	`{"response":{"status":200,"headersSize":-1,"bodySize":1234,"content":{"size":10,"compression":-3}}}`,
	// Type errors.
	`{"time":"1"}`, `{"startedDateTime":1}`, `{"request":{"method":true}}`, `{"cache":[]}`, `{"cache":"x"}`, `{"cache":{"a":1}}`,
	`{"request":"x"}`, `{"request":{"postData":"x"}}`, `{"request":{"postData":[]}}`, `{"request":{"headers":{}}}`,
	`{"request":{"headers":["x"]}}`, `{"request":{"cookies":[{"httpOnly":"true"}]}}`, `{"request":{"cookies":[{"secure":1}]}}`,
	`{"timings":{"wait":[1]}}`, `{"response":{"status":"200"}}`, `{"time":"1"`, /* and a syntax error */
	// Literals.
	`{"request":{"postData":{"_truncated":tru}}}`, `{"request":{"postData":{"_truncated":true}}}`,
	`{"response":{"content":{"_notDecoded":false,"_truncated":true}}}`, `{"x":nulL}`, `{"x":truex}`, `{"x":[1,]}`, `{"x":[,1]}`,
	`{"x":[1 2]}`, `{"x":{"a"}}`, `{"x":{"a":}}`, `{"x":{,}}`, `{"x":[}`, `{"x":{]}`,
	// Whitespace.
	" { \"time\" : 1 , \"request\" : { \"headers\" : [ { \"name\" : \"a\" } , { } ] } } ",
	"{\"time\":1\f}", "{\"time\":1\u00a0}",
}

func init() {
	// Runs of whitespace of every length up to 20, before every kind of token.
	for n := 0; n <= 20; n++ {
		for _, ws := range []string{" ", "\n", "\t", "\r\n", "\n  "} {
			w := strings.Repeat(ws, n)[:n]
			edgeCases = append(edgeCases, w+`{`+w+`"time"`+w+`:`+w+`1`+w+`,`+w+`"request"`+w+`:`+w+`{`+w+`"headers"`+w+`:`+w+
				`[`+w+`{`+w+`"name"`+w+`:`+w+`"a"`+w+`}`+w+`,`+w+`null`+w+`]`+w+`,"x":`+w+`[`+w+`true`+w+`,`+w+`{}`+w+`]`+w+`}`+w+`}`+w)
		}
	}
}

func TestDecodeEdgeCasesLikeEncodingJSON(t *testing.T) {
	for _, c := range edgeCases {
		compareWithStdlib(t, []byte(c))
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	for _, n := range []int{9998, 9999, 10000, 10001} {
		// The entry object is level 1.
		deep := `{"x":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`
		compareWithStdlib(t, []byte(deep))
		deep = `{"x":` + strings.Repeat(`{"a":`, n-1) + `1` + strings.Repeat("}", n-1) + `}`
		compareWithStdlib(t, []byte(deep))
	}
}

func TestDecodeErrorTypes(t *testing.T) {
	var e harEntry
	var typeErr *json.UnmarshalTypeError
	if err := decodeEntry([]byte(`{"request":{"headersSize":"x"}}`), &e); !errors.As(err, &typeErr) || typeErr.Field != "headersSize" {
		t.Errorf("type error: %v", err)
	}
	var synErr *decodeError
	if err := decodeEntry([]byte(`{"request":{"headersSize":-}}`), &e); !errors.As(err, &synErr) || synErr.Offset != 27 {
		t.Errorf("syntax error: %v", err)
	}
}

// TestSample compares every entry of testdata/sample.har (generated
// provtap- and Chrome-style entries).
func TestDecodeSampleLikeEncodingJSON(t *testing.T) {
	for _, e := range sampleEntries(t) {
		compareWithStdlib(t, e)
	}
}

func TestDecodeAllocations(t *testing.T) {
	data := []byte(`{"startedDateTime":"x","time":1.5,"request":{"method":"GET","headers":[{"name":"a","value":"b"}]},"timings":{"wait":2}}`)
	var e harEntry
	n := testing.AllocsPerRun(100, func() { e = harEntry{}; decodeEntry(data, &e) })
	// "x", "GET", "a"+"b" together, the headers slice.
	if n > 4 {
		t.Errorf("%v allocations, want at most 4", n)
	}
}

// sampleEntries is every entry of testdata/decode_sample.har (a generated
// capture of SCIM traffic with Chrome-style extras), as bytes.
func sampleEntries(tb testing.TB) [][]byte {
	f, err := os.Open("testdata/decode_sample.har")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	spans, _, err := indexEntries(f, nil)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([][]byte, len(spans))
	for i, s := range spans {
		out[i] = make([]byte, s.n)
		if _, err := f.ReadAt(out[i], s.off); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
