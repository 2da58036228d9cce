package httpx

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/provtap/provtap/capture"
)

// One hop-by-hop rule (RFC 9110 §7.6.1) for the proxy's maps and for the
// ordered headers an export or replay sends: the fixed names, and those
// Connection names (never Host).
func TestHopByHop(t *testing.T) {
	hs := []capture.Header{{Name: "Host", Value: "h"}, {Name: "connection", Value: "keep-alive, X-Trace, Host"},
		{Name: "X-Trace", Value: "1"}, {Name: "Keep-Alive", Value: "timeout=5"}, {Name: "TE", Value: "trailers"},
		{Name: "Proxy-Authorization", Value: "Basic x"}, {Name: "Accept", Value: "*/*"}, {Name: "Upgrade", Value: "h2c"}}
	want := []capture.Header{{Name: "Host", Value: "h"}, {Name: "Accept", Value: "*/*"}}
	if got := EndToEnd(hs); !reflect.DeepEqual(got, want) {
		t.Errorf("EndToEnd = %v, want %v", got, want)
	}
	h := http.Header{}
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
	RemoveHopByHop(h)
	if len(h) != 2 || h.Get("Host") != "h" || h.Get("Accept") != "*/*" {
		t.Errorf("RemoveHopByHop left %v", h)
	}
}
