package har

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/provtap/provtap/capture"
)

// appendFlowEntry appends the HAR entry of f, encoded by hand straight from
// the flow: the recorder runs it for every live flow, and building HAR
// structs first (a formatted time, copies of the bodies as strings, header
// slices, a parsed URL) was most of the recording's cost. The tests hold it
// byte for byte to the reference encoder in encode_reference_test.go.
func appendFlowEntry(b []byte, f *capture.Flow) []byte {
	b = append(b, `{"startedDateTime":"`...)
	b = appendHARTime(b, f.Start)
	b = append(b, `","time":`...)
	b = appendMillis(b, f.Duration())
	b = appendFlowRequest(b, f)
	b = appendFlowResponse(b, f)
	b = append(b, `,"cache":{},"timings":{"blocked":-1,"dns":-1,"connect":-1,"send":`...)
	b = appendMillis(b, f.Timings.Send)
	b = append(b, `,"wait":`...)
	b = appendMillis(b, f.Timings.Wait)
	b = append(b, `,"receive":`...)
	b = appendMillis(b, f.Timings.Receive)
	b = append(b, `,"ssl":-1}`...)
	if f.ConnID != 0 {
		b = append(b, `,"connection":"`...)
		b = strconv.AppendInt(b, f.ConnID, 10)
		b = append(b, '"')
	}
	b = appendOptString(b, "_clientAddress", f.ClientAddr)
	b = appendOptString(b, "_kind", f.Kind)
	b = appendOptString(b, "_error", f.Error)
	b = appendOptString(b, "_originalHost", f.OriginalHost)
	if f.ReplayOf != 0 {
		b = append(b, `,"_replayOf":`...)
		b = strconv.AppendInt(b, int64(f.ReplayOf), 10)
	}
	return append(b, '}')
}

func appendFlowRequest(b []byte, f *capture.Flow) []byte {
	proto := f.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	b = append(b, `,"request":{"method":`...)
	b = capture.AppendJSONString(b, f.Method)
	b = append(b, `,"url":`...)
	b = capture.AppendJSONString(b, f.URL)
	b = append(b, `,"httpVersion":`...)
	b = capture.AppendJSONString(b, proto)
	b = append(b, `,"cookies":`...)
	if capture.HasHeader(f.RequestHeaders, "Cookie") {
		b = appendCookies(b, requestCookies(f.RequestHeaders))
	} else {
		b = append(b, "[]"...)
	}
	b = append(b, `,"headers":`...)
	b = appendHeaders(b, f.RequestHeaders)
	b = append(b, `,"queryString":`...)
	if strings.IndexByte(f.URL, '?') >= 0 { // url.Parse finds no query without one
		b = appendQueryString(b, f.URL)
	} else {
		b = append(b, "[]"...)
	}
	if body := &f.RequestBody; body.Size > 0 || len(body.Bytes) > 0 {
		b = append(b, `,"postData":{"mimeType":`...)
		b = capture.AppendJSONString(b, f.RequestHeader("Content-Type"))
		b = append(b, `,"text":`...)
		var base64ed bool
		b, base64ed = appendBodyText(b, body.Bytes)
		if base64ed {
			b = append(b, `,"encoding":"base64"`...)
		}
		if body.Truncated {
			b = append(b, `,"_truncated":true`...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"headersSize":-1,"bodySize":`...)
	b = strconv.AppendInt(b, f.RequestBody.Size, 10)
	b = appendOptString(b, "_requestTarget", f.Target)
	return append(b, '}')
}

func appendFlowResponse(b []byte, f *capture.Flow) []byte {
	rproto := f.ResponseProto
	if rproto == "" {
		rproto = f.Proto
		if rproto == "" {
			rproto = "HTTP/1.1"
		}
	}
	b = append(b, `,"response":{"status":`...)
	b = strconv.AppendInt(b, int64(f.Status), 10)
	b = append(b, `,"statusText":`...)
	b = capture.AppendJSONString(b, f.StatusText)
	b = append(b, `,"httpVersion":`...)
	b = capture.AppendJSONString(b, rproto)
	b = append(b, `,"cookies":`...)
	if capture.HasHeader(f.ResponseHeaders, "Set-Cookie") {
		b = appendCookies(b, responseCookies(f.ResponseHeaders))
	} else {
		b = append(b, "[]"...)
	}
	b = append(b, `,"headers":`...)
	b = appendHeaders(b, f.ResponseHeaders)

	body := &f.ResponseBody
	decoded, ok := body.Bytes, true // what DecodedBody returns without a Content-Encoding, unsplit
	if ce := f.ResponseHeader("Content-Encoding"); ce != "" {
		decoded, ok = capture.DecodedBody(*body, ce)
	}
	size := int64(len(decoded))
	var compression int64
	if !body.Truncated && ok {
		compression = max(size-body.Size, 0)
	}
	if body.Truncated && len(body.Bytes) > 0 && body.Size > size {
		size = body.Size
	}
	b = append(b, `,"content":{"size":`...)
	b = strconv.AppendInt(b, size, 10)
	if compression != 0 {
		b = append(b, `,"compression":`...)
		b = strconv.AppendInt(b, compression, 10)
	}
	b = append(b, `,"mimeType":`...)
	b = capture.AppendJSONString(b, f.ResponseHeader("Content-Type"))
	if len(decoded) > 0 { // "text" is left out when empty
		b = append(b, `,"text":`...)
		var base64ed bool
		b, base64ed = appendBodyText(b, decoded)
		if base64ed {
			b = append(b, `,"encoding":"base64"`...)
		}
	}
	if body.Truncated {
		b = append(b, `,"_truncated":true`...)
	}
	if !ok && !body.Decoded {
		b = append(b, `,"_notDecoded":true`...)
	}
	b = append(b, `},"redirectURL":`...)
	b = capture.AppendJSONString(b, f.ResponseHeader("Location"))
	bodySize := body.Size
	if f.Status == 0 {
		bodySize = -1
	}
	b = append(b, `,"headersSize":-1,"bodySize":`...)
	b = strconv.AppendInt(b, bodySize, 10)
	return append(b, '}')
}

// appendBodyText appends body bytes as a JSON string, as bodyText renders
// them: the text when valid UTF-8, else base64 (reported, for "encoding").
func appendBodyText(b, body []byte) ([]byte, bool) {
	if utf8.Valid(body) {
		if len(body) == 0 {
			return append(b, `""`...), false
		}
		// Read in place rather than copied into a string: nothing changes
		// body while it is encoded.
		return capture.AppendJSONString(b, unsafe.String(&body[0], len(body))), false
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, body) // no character of it needs escaping
	return append(b, '"'), true
}

func appendHeaders(b []byte, hs []capture.Header) []byte {
	b = append(b, '[')
	for i, h := range hs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNV(b, h.Name, h.Value)
	}
	return append(b, ']')
}

// appendHARTime appends t in UTC as harTimeLayout formats it, without
// time's layout interpreter; a year outside 0–9999 goes through it.
func appendHARTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		// The layout's output (digits, '-', ':', '.', 'Z', '+') needs no escaping.
		return t.AppendFormat(b, harTimeLayout)
	}
	hour, minute, sec := t.Clock()
	b = appendDigits(b, year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(month), 2)
	b = append(b, '-')
	b = appendDigits(b, day, 2)
	b = append(b, 'T')
	b = appendDigits(b, hour, 2)
	b = append(b, ':')
	b = appendDigits(b, minute, 2)
	b = append(b, ':')
	b = appendDigits(b, sec, 2)
	b = append(b, '.')
	b = appendDigits(b, t.Nanosecond()/1000, 6)
	return append(b, 'Z')
}

// appendDigits appends n (≥ 0) zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var buf [8]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, buf[:width]...)
}

// appendMillis appends d in milliseconds as appendFloat(b, ms(d)) does:
// d is a whole number of microseconds, whose shortest float form is that
// number over 1000 written out (trailing zeros dropped) while the float's
// spacing is far below 0.001 ms (under 10^15 µs). Formatting floats was a
// good part of an entry's cost.
func appendMillis(b []byte, d time.Duration) []byte {
	us := d.Microseconds()
	if us <= -1e15 || us >= 1e15 {
		return appendFloat(b, ms(d))
	}
	if us < 0 {
		b = append(b, '-')
		us = -us
	}
	b = strconv.AppendInt(b, us/1000, 10)
	frac := int(us % 1000)
	if frac == 0 {
		return b
	}
	digits := 3
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	b = append(b, '.')
	return appendDigits(b, frac, digits)
}
