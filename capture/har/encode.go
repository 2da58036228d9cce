package har

import (
	"strconv"

	"github.com/provtap/provtap/capture"
)

// JSON pieces the entry encoder (encode_flow.go) shares with the reference
// encoder its tests hold it to.

// appendQueryString appends the queryString array of rawURL, the bytes
// appendNVs(b, queryString(rawURL)) writes.
func appendQueryString(b []byte, rawURL string) []byte {
	b = append(b, '[')
	first := true
	for name, value := range queryPairs(rawURL) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendNV(b, name, value)
	}
	return append(b, ']')
}

func appendNV(b []byte, name, value string) []byte {
	b = append(b, `{"name":`...)
	b = capture.AppendJSONString(b, name)
	b = append(b, `,"value":`...)
	b = capture.AppendJSONString(b, value)
	return append(b, '}')
}

func appendCookies(b []byte, cs []harCookie) []byte {
	b = append(b, '[')
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = capture.AppendJSONString(b, c.Name)
		b = append(b, `,"value":`...)
		b = capture.AppendJSONString(b, c.Value)
		b = appendOptString(b, "path", c.Path)
		b = appendOptString(b, "domain", c.Domain)
		b = appendOptString(b, "expires", c.Expires)
		if c.HTTPOnly {
			b = append(b, `,"httpOnly":true`...)
		}
		if c.Secure {
			b = append(b, `,"secure":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendOptString writes ,"key":"value" unless value is empty (omitempty).
func appendOptString(b []byte, key, value string) []byte {
	if value == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return capture.AppendJSONString(b, value)
}

func appendFloat(b []byte, f float64) []byte {
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
