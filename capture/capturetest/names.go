package capturetest

import (
	"context"
	"net"
	"strings"
	"time"
)

// DialTestNames is a proxy.Options.Dial that connects a name under the
// reserved .test domain (scim.corp.test:8443) to the same port on
// 127.0.0.1, and everything else as usual: tests give local servers the
// names a scoped CA is about, without a DNS server. Clients that go through
// a proxy send the name to it unresolved, so curl and the JDK reach these
// servers by name too.
func DialTestNames(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 15 * time.Second}
	if host, port, err := net.SplitHostPort(addr); err == nil && strings.HasSuffix(strings.ToLower(host), ".test") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return d.DialContext(ctx, network, addr)
}
