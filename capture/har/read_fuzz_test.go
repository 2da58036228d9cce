package har_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/provtap/provtap/capture/har"
)

// FuzzReadHAR: any input yields flows or an error, never a panic; whatever
// was read survives a write and a second read.
func FuzzReadHAR(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.har")
	if err := har.WriteHAR(path, sampleFlows()); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add(seed[:len(seed)*2/3])
	f.Add([]byte(`{"log":{"entries":[]}}`))
	f.Add([]byte(`{"log":{"version":"1.2","entries":[{"startedDateTime":"2026-01-01T00:00:00Z","request":{"method":"GET","url":"http://x/?a=1","headers":[{"name":"Cookie","value":"a=b"}]},"response":{"status":200,"content":{"text":"aGk=","encoding":"base64"}}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"url":"%zz"},"response":{}}`))
	f.Add([]byte(`{"log":{"entries":[{"time":"1","request":{"url":"http://x/","headers":{"A":"b"}},"response":{"status":"200","bodySize":3.0,"cookies":[{"httpOnly":"true"}]},"connection":7}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := har.ReadHAR(bytes.NewReader(data))
		if err != nil {
			return
		}
		out := filepath.Join(t.TempDir(), "out.har")
		if err := har.WriteHAR(out, c.Flows); err != nil {
			t.Fatalf("write back: %v", err)
		}
		again, err := har.LoadHAR(out)
		if err != nil || len(again.Flows) != len(c.Flows) || again.Truncated {
			t.Fatalf("re-read: %v, %d of %d flows", err, len(again.Flows), len(c.Flows))
		}
	})
}
