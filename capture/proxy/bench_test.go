package proxy_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"

	"github.com/google/martian/v3"
)

const scimUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen","name":{"familyName":"Jensen","givenName":"Barbara"},"emails":[{"value":"bjensen@example.com","primary":true}],"active":true,"meta":{"resourceType":"User","version":"W/\"3694e05e\""}}`

// rtFunc lets bare martian use a transport with provtap's settings as is
// (martian rewrites an *http.Transport given to SetRoundTripper).
type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkProxyHTTP compares provtap (recording every flow to a HAR file, as har.Pump does)
// with bare martian on the same transport settings, over plain http.
func BenchmarkProxyHTTP(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/scim+json")
		io.WriteString(w, scimUser)
	}))
	defer up.Close()

	b.Run("bare-martian", func(b *testing.B) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		mp := martian.NewProxy()
		t := &http.Transport{MaxIdleConns: 2048, MaxIdleConnsPerHost: 256, DisableCompression: true, ForceAttemptHTTP2: true}
		mp.SetRoundTripper(rtFunc(t.RoundTrip))
		go mp.Serve(ln)
		defer mp.Close()
		defer ln.Close()
		load(b, "http://"+ln.Addr().String(), up.URL)
	})
	b.Run("provtap", func(b *testing.B) {
		dir := b.TempDir()
		ca, _ := proxy.LoadOrCreateCA(dir)
		p, err := proxy.Listen(proxy.Options{Listen: "127.0.0.1:0", CA: ca})
		if err != nil {
			b.Fatal(err)
		}
		rec, _ := har.NewRecorder(filepath.Join(dir, "c.har"))
		done := make(chan struct{})
		go func() {
			// As the live pipeline records: a burst of flows in one write.
			har.Pump(p.Flows(), rec, func(*capture.Flow, har.Loc, error) {})
			close(done)
		}()
		load(b, p.URL(), up.URL)
		p.Close()
		<-done
		rec.Close()
	})
}

func load(b *testing.B, proxy, target string) {
	pu, _ := url.Parse(proxy)
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(pu), MaxIdleConnsPerHost: 64}}
	b.SetParallelism(10) // 10×GOMAXPROCS keep-alive connections
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for i := 0; pb.Next(); i++ {
			res, err := client.Get(fmt.Sprintf("%s/scim/v2/Users/%d", target, i))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}
