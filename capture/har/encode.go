package har

import (
	"strconv"

	"github.com/provtap/provtap/capture"
)

// JSON pieces the entry encoder (encode_flow.go) shares with the reference
// encoder its tests hold it to.

func appendNVs(b []byte, nvs []harNV) []byte {
	b = append(b, '[')
	for i, nv := range nvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = capture.AppendJSONString(b, nv.Name)
		b = append(b, `,"value":`...)
		b = capture.AppendJSONString(b, nv.Value)
		b = append(b, '}')
	}
	return append(b, ']')
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
