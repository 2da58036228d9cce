package capture

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// maxDecoded bounds how much a kept body may expand when decoded, so a
// compression bomb in a capture cannot exhaust memory.
const maxDecoded = 64 << 20

// DecodedBody returns b's bytes with the Content-Encoding removed, for
// display and analysis. Forwarding never uses this. A truncated or corrupt
// stream yields what could be decoded; ok is false when nothing could be.
func DecodedBody(b Body, contentEncoding string) (out []byte, ok bool) {
	if b.Decoded || len(b.Bytes) == 0 || contentEncoding == "" { // the usual: nothing to undo, nothing to split
		return b.Bytes, true
	}
	data := b.Bytes
	codings := strings.Split(contentEncoding, ",")
	// Codings are listed in the order applied; undo them in reverse.
	for i := len(codings) - 1; i >= 0; i-- {
		c := strings.ToLower(strings.TrimSpace(codings[i]))
		var r io.Reader
		var err error
		switch c {
		case "", "identity":
			continue
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(bytes.NewReader(data))
		case "deflate":
			// RFC 9110 deflate is zlib-wrapped; some servers send raw deflate.
			if zr, zerr := zlib.NewReader(bytes.NewReader(data)); zerr == nil {
				r = zr
			} else {
				r = flate.NewReader(bytes.NewReader(data))
			}
		case "br":
			r = brotli.NewReader(bytes.NewReader(data))
		case "zstd":
			d, derr := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1))
			if derr != nil {
				return b.Bytes, false
			}
			defer d.Close()
			r = d
		default:
			return b.Bytes, false
		}
		if err != nil {
			return b.Bytes, false
		}
		dec, rerr := io.ReadAll(io.LimitReader(r, maxDecoded))
		if len(dec) == 0 && rerr != nil {
			return b.Bytes, false
		}
		data = dec
	}
	return data, true
}

// RequestText is the request body with Content-Encoding removed.
func (f *Flow) RequestText() []byte {
	out, _ := DecodedBody(f.RequestBody, f.RequestHeader("Content-Encoding"))
	return out
}

// ResponseText is the response body with Content-Encoding removed.
func (f *Flow) ResponseText() []byte {
	out, _ := DecodedBody(f.ResponseBody, f.ResponseHeader("Content-Encoding"))
	return out
}
