package har

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

// A full disk stops recording with a clear error; it must not panic or
// block, and later writes keep reporting the same error.
func TestRecorderFullDisk(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("this test needs Linux's /dev/full: %v", err)
	}
	r := &Recorder{file: f, path: "/dev/full"}
	flow := &capture.Flow{ID: 1, Start: time.Now(), Method: "GET", URL: "http://x/", Status: 200}
	err = r.Write(flow)
	if err == nil || !strings.Contains(err.Error(), "capture stopped") || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("first write: %v", err)
	}
	if err2 := r.Write(flow); err2 != err || r.Err() != err || r.Entries() != 0 {
		t.Errorf("later write: %v, Err %v, entries %d", err2, r.Err(), r.Entries())
	}
	r.Close()
}

func TestShedBodiesLoadsBackFromTheCapture(t *testing.T) {
	r, err := NewRecorder(t.TempDir() + "/c.har")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := 1; i <= 3; i++ {
		f := &capture.Flow{ID: i, Start: time.Now(), Method: "POST", URL: "http://x/", Status: 200,
			RequestBody:  capture.Body{Bytes: []byte(strings.Repeat("q", i)), Size: int64(i)},
			ResponseBody: capture.Body{Bytes: []byte(`{"n":1}`), Size: 7}}
		locs, err := r.WriteBatch([]*capture.Flow{f})
		if err != nil {
			t.Fatal(err)
		}
		shed := WithoutBodies(f)
		if shed.RequestBody.Bytes != nil || shed.RequestBody.Size != int64(i) || f.RequestBody.Bytes == nil {
			t.Fatalf("flow %d: copy %+v, original %+v", i, shed.RequestBody, f.RequestBody)
		}
		full, err := r.Store().Load(locs[0])
		if err != nil {
			t.Fatal(err)
		}
		if string(full.RequestBody.Bytes) != strings.Repeat("q", i) || string(full.ResponseText()) != `{"n":1}` {
			t.Errorf("flow %d read back as %+v", i, full)
		}
	}
}
