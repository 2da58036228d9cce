package har

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/provtap/provtap/capture"
)

// The reference encoder: a flow mapped to the HAR types (entryFromFlow) and
// encoded field by field (appendEntry). The recorder writes appendFlowEntry's
// output straight from the flow; these are what it is held to, byte for byte
// (FuzzAppendFlowEntry), while appendEntry itself is held to encoding/json
// (FuzzAppendEntry). Test-only: the capture has one encoder.

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

func toHARHeaders(hs []capture.Header) []harNV {
	out := make([]harNV, len(hs))
	for i, h := range hs {
		out[i] = harNV{h.Name, h.Value}
	}
	return out
}

// bodyText renders body bytes for HAR: text when valid UTF-8, else base64.
func bodyText(b []byte) (text, encoding string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

func entryFromFlow(f *capture.Flow) harEntry {
	e := harEntry{
		StartedDateTime: f.Start.UTC().Format(harTimeLayout),
		Time:            ms(f.Duration()),
		ClientAddress:   f.ClientAddr,
		Kind:            f.Kind,
		Error:           f.Error,
		OriginalHost:    f.OriginalHost,
		ReplayOf:        f.ReplayOf,
		Timings: harTimings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1,
			Send: ms(f.Timings.Send), Wait: ms(f.Timings.Wait), Receive: ms(f.Timings.Receive)},
	}
	if f.ConnID != 0 {
		e.Connection = strconv.FormatInt(f.ConnID, 10)
	}
	proto := f.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	e.Request = harRequest{
		Method:        f.Method,
		URL:           f.URL,
		HTTPVersion:   proto,
		Cookies:       requestCookies(f.RequestHeaders),
		Headers:       toHARHeaders(f.RequestHeaders),
		QueryString:   queryString(f.URL),
		HeadersSize:   -1,
		BodySize:      f.RequestBody.Size,
		RequestTarget: f.Target,
	}
	if f.RequestBody.Size > 0 || len(f.RequestBody.Bytes) > 0 {
		text, enc := bodyText(f.RequestBody.Bytes)
		e.Request.PostData = &harPostData{
			MimeType:  f.RequestHeader("Content-Type"),
			Text:      text,
			Encoding:  enc,
			Truncated: f.RequestBody.Truncated,
		}
	}
	rproto := f.ResponseProto
	if rproto == "" {
		rproto = proto
	}
	e.Response = harResponse{
		Status:      f.Status,
		StatusText:  f.StatusText,
		HTTPVersion: rproto,
		Cookies:     responseCookies(f.ResponseHeaders),
		Headers:     toHARHeaders(f.ResponseHeaders),
		RedirectURL: f.ResponseHeader("Location"),
		HeadersSize: -1,
		BodySize:    f.ResponseBody.Size,
	}
	if f.Status == 0 {
		e.Response.BodySize = -1
	}
	content := harContent{MimeType: f.ResponseHeader("Content-Type"), Truncated: f.ResponseBody.Truncated}
	decoded, ok := capture.DecodedBody(f.ResponseBody, f.ResponseHeader("Content-Encoding"))
	content.NotDecoded = !ok && !f.ResponseBody.Decoded
	content.Text, content.Encoding = bodyText(decoded)
	content.Size = int64(len(decoded))
	if !f.ResponseBody.Truncated && ok {
		content.Compression = content.Size - f.ResponseBody.Size
		if content.Compression < 0 {
			content.Compression = 0
		}
	}
	if f.ResponseBody.Truncated && len(f.ResponseBody.Bytes) > 0 && f.ResponseBody.Size > content.Size {
		content.Size = f.ResponseBody.Size
	}
	e.Response.Content = content
	return e
}

func appendNVs(b []byte, nvs []harNV) []byte {
	b = append(b, '[')
	for i, nv := range nvs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNV(b, nv.Name, nv.Value)
	}
	return append(b, ']')
}
