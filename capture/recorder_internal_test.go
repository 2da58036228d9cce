package capture

import (
	"os"
	"strings"
	"testing"
	"time"
)

// A full disk stops recording with a clear error; it must not panic or
// block, and later writes keep reporting the same error.
func TestRecorderFullDisk(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("this test needs Linux's /dev/full: %v", err)
	}
	r := &Recorder{file: f, path: "/dev/full"}
	flow := &Flow{ID: 1, Start: time.Now(), Method: "GET", URL: "http://x/", Status: 200}
	err = r.Write(flow)
	if err == nil || !strings.Contains(err.Error(), "capture stopped") || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("first write: %v", err)
	}
	if err2 := r.Write(flow); err2 != err || r.Err() != err || r.Entries() != 0 {
		t.Errorf("later write: %v, Err %v, entries %d", err2, r.Err(), r.Entries())
	}
	r.Close()
}
