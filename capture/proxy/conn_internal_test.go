package proxy

import (
	"bufio"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture"
)

// TestSameHeaders holds sameHeaders to the implementation it replaced
// (sameHeadersReference: every name canonicalized, then counted against
// the whole map) on random heads: names in any case, repeated, with
// values that differ between the wire and the map.
func TestSameHeaders(t *testing.T) {
	names := []string{"Host", "host", "Accept", "accept", "ACCEPT", "X-Trace", "x-trace", "X_Under", "x_under", "Cookie", "Content-Length"}
	values := []string{"a", "b", "", "a b"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var head strings.Builder
		head.WriteString("GET / HTTP/1.1\r\n")
		var wire []capture.Header
		for range r.IntN(6) {
			n, v := names[r.IntN(len(names))], values[r.IntN(len(values))]
			if strings.EqualFold(n, "Content-Length") {
				v = "0"
			}
			head.WriteString(n + ": " + v + "\r\n")
			wire = append(wire, capture.Header{Name: n, Value: v})
		}
		head.WriteString("\r\n")
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head.String())))
		if err != nil {
			continue // e.g. two Host lines
		}
		// What was remembered may differ from what net/http parsed: drop,
		// add or change one header.
		switch r.IntN(4) {
		case 1:
			if len(wire) > 0 {
				wire = wire[1:]
			}
		case 2:
			wire = append(wire, capture.Header{Name: names[r.IntN(len(names))], Value: "extra"})
		case 3:
			if len(wire) > 0 {
				wire[r.IntN(len(wire))].Value = "changed"
			}
		}
		if got, want := sameHeaders(wire, req), sameHeadersReference(wire, req); got != want {
			t.Fatalf("%q against %v: %v, the reference %v", wire, req.Header, got, want)
		}
	}
}

func sameHeadersReference(hs []capture.Header, req *http.Request) bool {
	total := 0
	for _, vs := range req.Header {
		total += len(vs)
	}
	type seen struct {
		key string
		n   int
	}
	var used []seen
	n := 0
	for _, h := range hs {
		key := http.CanonicalHeaderKey(h.Name)
		if key == "Host" {
			continue
		}
		vs := req.Header[key]
		k, j := 0, 0
		for j < len(used) && used[j].key != key {
			j++
		}
		if j < len(used) {
			k = used[j].n
			used[j].n++
		} else {
			used = append(used, seen{key, 1})
		}
		if k >= len(vs) || vs[k] != h.Value {
			return false
		}
		n++
	}
	return n == total
}
