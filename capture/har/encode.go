package har

import (
	"strconv"

	"github.com/provtap/provtap/capture"
)

// appendEntry encodes a HAR entry as JSON, by hand: the recorder does this
// for every flow on the proxy's consumer, and encoding/json's reflection was
// the largest part of that cost. The output decodes to the same harEntry as
// json.Marshal's (harencode_test.go checks).
func appendEntry(b []byte, e *harEntry) []byte {
	b = append(b, `{"startedDateTime":`...)
	b = capture.AppendJSONString(b, e.StartedDateTime)
	b = append(b, `,"time":`...)
	b = appendFloat(b, e.Time)
	b = append(b, `,"request":`...)
	b = appendRequest(b, &e.Request)
	b = append(b, `,"response":`...)
	b = appendResponse(b, &e.Response)
	b = append(b, `,"cache":{},"timings":{"blocked":`...)
	t := &e.Timings
	b = appendFloat(b, t.Blocked)
	b = append(b, `,"dns":`...)
	b = appendFloat(b, t.DNS)
	b = append(b, `,"connect":`...)
	b = appendFloat(b, t.Connect)
	b = append(b, `,"send":`...)
	b = appendFloat(b, t.Send)
	b = append(b, `,"wait":`...)
	b = appendFloat(b, t.Wait)
	b = append(b, `,"receive":`...)
	b = appendFloat(b, t.Receive)
	b = append(b, `,"ssl":`...)
	b = appendFloat(b, t.SSL)
	b = append(b, '}')
	b = appendOptString(b, "connection", e.Connection)
	b = appendOptString(b, "_clientAddress", e.ClientAddress)
	b = appendOptString(b, "_kind", e.Kind)
	b = appendOptString(b, "_error", e.Error)
	b = appendOptString(b, "_originalHost", e.OriginalHost)
	if e.ReplayOf != 0 {
		b = append(b, `,"_replayOf":`...)
		b = strconv.AppendInt(b, int64(e.ReplayOf), 10)
	}
	return append(b, '}')
}

func appendRequest(b []byte, r *harRequest) []byte {
	b = append(b, `{"method":`...)
	b = capture.AppendJSONString(b, r.Method)
	b = append(b, `,"url":`...)
	b = capture.AppendJSONString(b, r.URL)
	b = append(b, `,"httpVersion":`...)
	b = capture.AppendJSONString(b, r.HTTPVersion)
	b = append(b, `,"cookies":`...)
	b = appendCookies(b, r.Cookies)
	b = append(b, `,"headers":`...)
	b = appendNVs(b, r.Headers)
	b = append(b, `,"queryString":`...)
	b = appendNVs(b, r.QueryString)
	if pd := r.PostData; pd != nil {
		b = append(b, `,"postData":{"mimeType":`...)
		b = capture.AppendJSONString(b, pd.MimeType)
		b = append(b, `,"text":`...)
		b = capture.AppendJSONString(b, pd.Text)
		b = appendOptString(b, "encoding", pd.Encoding)
		if pd.Truncated {
			b = append(b, `,"_truncated":true`...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"headersSize":`...)
	b = strconv.AppendInt(b, r.HeadersSize, 10)
	b = append(b, `,"bodySize":`...)
	b = strconv.AppendInt(b, r.BodySize, 10)
	b = appendOptString(b, "_requestTarget", r.RequestTarget)
	return append(b, '}')
}

func appendResponse(b []byte, r *harResponse) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, `,"statusText":`...)
	b = capture.AppendJSONString(b, r.StatusText)
	b = append(b, `,"httpVersion":`...)
	b = capture.AppendJSONString(b, r.HTTPVersion)
	b = append(b, `,"cookies":`...)
	b = appendCookies(b, r.Cookies)
	b = append(b, `,"headers":`...)
	b = appendNVs(b, r.Headers)
	c := &r.Content
	b = append(b, `,"content":{"size":`...)
	b = strconv.AppendInt(b, c.Size, 10)
	if c.Compression != 0 {
		b = append(b, `,"compression":`...)
		b = strconv.AppendInt(b, c.Compression, 10)
	}
	b = append(b, `,"mimeType":`...)
	b = capture.AppendJSONString(b, c.MimeType)
	b = appendOptString(b, "text", c.Text)
	b = appendOptString(b, "encoding", c.Encoding)
	if c.Truncated {
		b = append(b, `,"_truncated":true`...)
	}
	if c.NotDecoded {
		b = append(b, `,"_notDecoded":true`...)
	}
	b = append(b, `},"redirectURL":`...)
	b = capture.AppendJSONString(b, r.RedirectURL)
	b = append(b, `,"headersSize":`...)
	b = strconv.AppendInt(b, r.HeadersSize, 10)
	b = append(b, `,"bodySize":`...)
	b = strconv.AppendInt(b, r.BodySize, 10)
	return append(b, '}')
}

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
