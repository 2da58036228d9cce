package har_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

const scimUser = `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen","name":{"familyName":"Jensen","givenName":"Barbara"},"emails":[{"value":"bjensen@example.com","primary":true}],"active":true,"meta":{"resourceType":"User","version":"W/\"3694e05e\""}}`

// BenchmarkRecorderWrite is the cost of one HAR entry write (the proxy's
// only per-flow I/O).
func BenchmarkRecorderWrite(b *testing.B) {
	rec, err := har.NewRecorder(filepath.Join(b.TempDir(), "c.har"))
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	f := sampleFlows()[0]
	f.ResponseBody = capture.Body{Bytes: []byte(scimUser), Size: int64(len(scimUser))}
	f.ResponseHeaders = []capture.Header{{Name: "Content-Type", Value: "application/scim+json"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.Start = f.Start.Add(time.Microsecond)
		if err := rec.Write(f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecorderWriteBatch is one WriteBatch of ten SCIM flows, as the
// live proxy's consumer writes a burst; ns/flow is the recording cost of a
// flow.
func BenchmarkRecorderWriteBatch(b *testing.B) {
	rec, err := har.NewRecorder(filepath.Join(b.TempDir(), "c.har"))
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	batch := make([]*capture.Flow, 10)
	for i := range batch {
		f := sampleFlows()[0]
		f.ResponseBody = capture.Body{Bytes: []byte(scimUser), Size: int64(len(scimUser))}
		f.ResponseHeaders = []capture.Header{{Name: "Content-Type", Value: "application/scim+json"}}
		batch[i] = f
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := rec.WriteBatch(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/flow")
}
