package har

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"testing"
)

// The decoder's fast paths against the algorithms they shortcut: the
// previous fieldKey (kept here) and the general paths they fall back to
// (nvObject, floatNumber, int64Number).

// referenceFieldKey is fieldKey as it was before it tried every name
// unquoted: only the hinted name unquoted, then readKey and field.
func (d *decoder) referenceFieldKey(names *fieldNames, hint *int) int {
	b := d.data
	if d.peek() != '"' {
		d.unexpected("looking for beginning of object key string")
		return end
	}
	f := -1
	if h, p := *hint, d.pos+1; names != nil && h < len(names.names) && p+8 <= len(b) {
		k := referenceKey(names.names[h])
		if binary.LittleEndian.Uint64(b[p:])&k.mask == k.head {
			q := p + 8 + len(k.tail)
			if k.tail == "" || q <= len(b) && string(b[p+8:q]) == k.tail {
				n := len(names.names[h])
				d.key, d.pos, f, *hint = b[p:p+n], p+n+1, h, h+1
			}
		}
	} else if names != nil && h < len(names.names) {
		n, q := names.names[h], p+len(names.names[h])
		if q < len(b) && b[q] == '"' && string(b[p:q]) == n {
			d.key, d.pos, f, *hint = b[p:q], q+1, h, h+1
		}
	}
	if f < 0 {
		d.key = d.readKey()
		if d.err != nil {
			return end
		}
		f = d.field(names.list(), hint)
	}
	if d.pos < len(b) && b[d.pos] == ':' {
		d.pos++
	} else {
		d.skipWS()
		if d.peek() != ':' {
			d.unexpected("after object key")
			return end
		}
		d.pos++
	}
	d.skipWS()
	return f
}

// referenceKeyOf is fieldKey as it was: a name's quoted form as its first
// eight bytes and the rest.
type referenceKeyOf struct {
	head, mask uint64
	tail       string
}

func referenceKey(name string) referenceKeyOf {
	q := name + `"`
	var k referenceKeyOf
	for i := 0; i < min(8, len(q)); i++ {
		k.head |= uint64(q[i]) << (8 * i)
		k.mask |= 0xff << (8 * i)
	}
	if len(q) > 8 {
		k.tail = q[8:]
	}
	return k
}

var allFieldNames = []*fieldNames{nil, entryFields, requestFields, responseFields, postDataFields,
	contentFields, timingsFields, nvFields, cookieFields,
	// Names of every length around the sixteen bytes fieldKey compares at once.
	newFieldNames("a", "abcdefg", "abcdefgh", "fifteen_bytes_x", "sixteen_bytes_xy", "seventeen_bytes_x", "a_name_of_twenty_four_b")}

// decoderState is what a step of the decoder leaves behind.
func decoderState(d *decoder) string {
	return fmt.Sprintf("pos %d depth %d key %q err %v", d.pos, d.depth, d.key, d.err)
}

// compareFastPaths runs each fast path and its reference on data and
// reports any difference in result or decoder state.
func compareFastPaths(t *testing.T, data []byte) {
	t.Helper()
	for _, names := range allFieldNames {
		for h := 0; h <= len(names.list()); h++ {
			got, want := &decoder{data: data}, &decoder{data: data}
			gotHint, wantHint := h, h
			gf, wf := got.fieldKey(names, &gotHint), want.referenceFieldKey(names, &wantHint)
			if gf != wf || gotHint != wantHint || decoderState(got) != decoderState(want) {
				t.Fatalf("fieldKey(%q, %v, hint %d) = %d, hint %d, %s; reference: %d, hint %d, %s",
					data, names.list(), h, gf, gotHint, decoderState(got), wf, wantHint, decoderState(want))
			}
		}
	}
	{
		got, want := &decoder{data: data}, &decoder{data: data}
		gotNV, wantNV := harNV{"n", "v"}, harNV{"n", "v"}
		var gotR, wantR nvRange
		got.nvPending(&gotNV, &gotR)
		want.nvObject(&wantNV, &wantR)
		if gotNV != wantNV || gotR != wantR || decoderState(got) != decoderState(want) {
			t.Fatalf("nvPending(%q) = %q %v, %s; nvObject: %q %v, %s",
				data, gotNV, gotR, decoderState(got), wantNV, wantR, decoderState(want))
		}
	}
	for _, cached := range []bool{false, true} {
		got, want := &decoder{data: data}, &decoder{data: data}
		if cached {
			got.intern, want.intern = new(internCache), new(internCache)
		}
		gotC := harCookie{"n", "v", "p", "d", "e", false, true}
		wantC := gotC
		got.cookie(&gotC)
		want.cookieObject(&wantC)
		if gotC != wantC || decoderState(got) != decoderState(want) {
			t.Fatalf("cookie(%q) = %#v, %s; cookieObject: %#v, %s", data, gotC, decoderState(got), wantC, decoderState(want))
		}
	}
	{
		got, want := &decoder{data: data}, &decoder{data: data}
		gotT, wantT := harTimings{1, 2, 3, 4, 5, 6, 7}, harTimings{1, 2, 3, 4, 5, 6, 7}
		got.timings(&gotT)
		want.timingsObject(&wantT)
		if !reflect.DeepEqual(gotT, wantT) || fmt.Sprint(gotT) != fmt.Sprint(wantT) || decoderState(got) != decoderState(want) {
			t.Fatalf("timings(%q) = %v, %s; timingsObject: %v, %s", data, gotT, decoderState(got), wantT, decoderState(want))
		}
	}
	{
		got, want := &decoder{data: data}, &decoder{data: data}
		gotF, wantF := 7.5, 7.5
		got.float(&gotF)
		want.floatNumber(&wantF)
		if math.Float64bits(gotF) != math.Float64bits(wantF) || decoderState(got) != decoderState(want) {
			t.Fatalf("float(%q) = %v, %s; floatNumber: %v, %s", data, gotF, decoderState(got), wantF, decoderState(want))
		}
	}
	{
		got, want := &decoder{data: data}, &decoder{data: data}
		gotN, wantN := int64(7), int64(7)
		got.int64(&gotN)
		want.int64Number(&wantN)
		if gotN != wantN || decoderState(got) != decoderState(want) {
			t.Fatalf("int64(%q) = %v, %s; int64Number: %v, %s", data, gotN, decoderState(got), wantN, decoderState(want))
		}
	}
}

var fastPathCases = []string{
	`"time":1`, `"time" : 1`, `"tim":1`, `"timex":1`, `"\u0074ime":1`, `"TIME":1`, `"startedDateTime":"x"`,
	`"startedDateTim":1`, `"_requestTarget":1`, `"_requestTarge":`, `"headersSize":`, `"headersSize"`, `"time"`,
	`"name":`, `"value":`, `"a":`, `"abcdefg":`, `"abcdefgh":1`, `"fifteen_bytes_x":1`, `"sixteen_bytes_xy":1`,
	`"seventeen_bytes_x":1`, `"seventeen_bytes_y":1`, `"a_name_of_twenty_four_b":1`, `"a_name_of_twenty_four_c":1`, `"a_name_of_twenty_four_b"`, `"`, ``, `x`, `"a\"":1`, `"\u017ftatus":1`, `"httpOnly":true`,
	`{"name":"a","value":"b"}`, `{"name":"a","value":"b"},`, `{"name":"a","value":"b"`, `{"name":"a","value":"b" }`,
	`{"name":"a\n","value":"b"}`, `{"name":"a","value":"b\u0041"}`, `{"name":"","value":""}`, `{"value":"b","name":"a"}`,
	`{"name":"a","value":"b","x":1}`, `{"name":"é","value":"b"}`, "{\"name\":\"a\x01\",\"value\":\"b\"}", `{"name":"a","value":1}`,
	`{"name":null,"value":"b"}`, `{ "name":"a","value":"b"}`, `{"name":"a"}`, `{}`, `null`, `[]`,
	`0`, `-0`, `1`, `-1`, `01`, `-01`, `00`, `1.5`, `1e2`, `1E2`, `-`, `--1`, `+1`, `0x1`, `1,`, `1}`, `-0.0`,
	`123456789012345`, `1234567890123456`, `-123456789012345`, `-1234567890123456`, `999999999999999`,
	`{"blocked":-1,"dns":-1,"connect":-1,"send":0,"wait":0,"receive":0,"ssl":-1}`, `{"blocked":-1,"dns":-1,"connect":-1,"send":0,"wait":0,"receive":0,"ssl":-1},`,
	`{"blocked":-0,"dns":1,"connect":22,"send":333,"wait":4444,"receive":55555,"ssl":123456789012345}`, `{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1234567890123456}`,
	`{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1.5}`, `{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1 }`,
	`{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":01}`, `{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1}`,
	`{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1,"x":2}`, `{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1`,
	`{"blocked":1,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":-}`, `{"blocked":1,"dns":null,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1}`,
	`{"dns":1,"blocked":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1}`, `{"blocked":1e2,"dns":1,"connect":1,"send":1,"wait":1,"receive":1,"ssl":1}`,
	`{"name":"a","value":"b"}`, `{"name":"a","value":"b","path":"/","domain":"d.x","expires":"2026-01-01T00:00:00Z","httpOnly":true,"secure":true}`,
	`{"name":"a","value":"b","domain":"d.x","secure":true}`, `{"name":"a","value":"b","httpOnly":true}`, `{"name":"a","value":"b","path":""}`,
	`{"name":"a","value":"b","domain":"d.x","path":"/"}`, `{"name":"a","value":"b","secure":true,"httpOnly":true}`, `{"name":"a","value":"b","secure":false}`,
	`{"name":"a","value":"b","httpOnly":tru}`, `{"name":"a","value":"b","path":"/\n"}`, `{"name":"a","value":"b","path":"/"`, `{"name":"a","value":"b","path":1}`,
	`{"name":"a","value":"b","expires":"x","x":1}`, `{"name":"a","value":"b" ,"path":"/"}`, `{"name":"a","value":"b","path":"/","path":"/x"}`,
	`{"name":"a","value":"b","path":"/"}x`, `{"name":"a","value":"b","path`, `{"name":"a","value":"b","httpOnly":true`, `{"value":"b","name":"a"}`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `1234567890123456789012`, `null`, `"1"`, `true`,
}

func TestFastPathsLikeReference(t *testing.T) {
	for _, c := range fastPathCases {
		compareFastPaths(t, []byte(c))
	}
	for _, c := range edgeCases {
		compareFastPaths(t, []byte(c))
	}
}

// FuzzFastPaths holds fieldKey, nvPending, float and int64 to their
// references on arbitrary input.
func FuzzFastPaths(f *testing.F) {
	for _, c := range fastPathCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareFastPaths(t, data)
	})
}
