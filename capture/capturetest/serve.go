// Package capturetest reproduces the failures provtap exists for, like
// net/http/httptest: the upstream servers of both seed scenarios
// (SCENARIOS.md) and the connectors that talk to them — Go's net/http, the
// curl binary and the JDK's HttpClient, each with and without keeping
// cookies or keys. Tests of every package and `provtap demo` use it.
package capturetest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
)

// Serve starts h on a loopback port, over https (a self-signed certificate,
// as httptest.NewTLSServer) when tls is set. Close the server when done.
func Serve(h http.Handler, tls bool) *httptest.Server {
	if tls {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

func writeJSON(w http.ResponseWriter, contentType string, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// randomHex is n random bytes, hex-encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
