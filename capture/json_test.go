package capture

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// appendJSONStringPlain is the byte-at-a-time form of AppendJSONString,
// kept as the reference its table-driven fast path is fuzzed against.
func appendJSONStringPlain(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// FuzzAppendJSONString: the fast path writes exactly the reference's bytes
// (valid JSON), after any prefix already in b. Not encoding/json's: it now
// writes \b and \f short, the captures have always had \u0008 and \u000c.
func FuzzAppendJSONString(f *testing.F) {
	f.Add("plain", 0)
	f.Add("1234567\x1f1234567\x20\x21\x22\x23\x5b\x5c\x5d\x7f\x80\x9f\xa0\xc2\xa0\xe0", 0) // around each test of plainBytes
	f.Add("\x00\x1f\"\\\n\r\t\x7f", 3)
	f.Add("\u2028\u2029 é 日本 \xff\xfe\xc3", 0)
	f.Add(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223"}`, 1)
	f.Add(string(bytes.Repeat([]byte("ab\"\u2028"), 3000)), 0) // more than one chunk, runes across its end
	f.Add(string(bytes.Repeat([]byte("\x01"), 5000)), 2)
	f.Fuzz(func(t *testing.T, s string, prefix int) {
		pre := bytes.Repeat([]byte{'x'}, prefix&0xff)
		want := appendJSONStringPlain(bytes.Clone(pre), s)
		if got := AppendJSONString(bytes.Clone(pre), s); !bytes.Equal(got, want) {
			t.Fatalf("%q:\ngot  %s\nwant %s", s, got, want)
		}
		if !json.Valid(want[len(pre):]) {
			t.Fatalf("%q: invalid JSON %s", s, want[len(pre):])
		}
	})
}

// TestAppendJSONStringLong crosses chunk boundaries with every kind of byte
// at every offset around them.
func TestAppendJSONStringLong(t *testing.T) {
	for _, unit := range []string{"a", "\"", "\x01", "é", "\u2028", "日", "😀", "\xff", "\xe2\x80"} {
		for pad := range 8 {
			s := string(bytes.Repeat([]byte{'a'}, jsonChunk-pad)) + string(bytes.Repeat([]byte(unit), 3*jsonChunk/len(unit)))
			if got, want := AppendJSONString(nil, s), appendJSONStringPlain(nil, s); !bytes.Equal(got, want) {
				t.Fatalf("unit %q pad %d differs", unit, pad)
			}
		}
	}
}

// BenchmarkAppendJSONString is a SCIM user as a response body text (a '"'
// every few bytes), through AppendJSONString and through the reference.
func BenchmarkAppendJSONString(b *testing.B) {
	const user = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen","name":{"familyName":"Jensen","givenName":"Barbara"},"emails":[{"value":"bjensen@example.com","primary":true}],"active":true,"meta":{"resourceType":"User","version":"W/\"3694e05e\""}}`
	for _, enc := range []struct {
		name   string
		append func([]byte, string) []byte
	}{{"table", AppendJSONString}, {"plain", appendJSONStringPlain}} {
		b.Run(enc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(user)))
			var buf []byte
			for range b.N {
				buf = enc.append(buf[:0], user)
			}
		})
	}
}
