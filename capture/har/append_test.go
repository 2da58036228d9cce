package har

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

func appendFlow(i int) *capture.Flow {
	start := time.Date(2025, 3, 4, 10, 0, i, 0, time.UTC)
	return &capture.Flow{Start: start, End: start.Add(time.Millisecond), Method: "GET",
		URL: "http://x/" + string(rune('a'+i)), Status: 200}
}

func urls(t *testing.T, path string) (string, bool) {
	t.Helper()
	c, err := LoadHAR(path)
	if err != nil {
		t.Fatal(err)
	}
	var u []string
	for _, f := range c.Flows {
		u = append(u, strings.TrimPrefix(f.URL, "http://x/"))
	}
	return strings.Join(u, ""), c.Truncated
}

func TestNewRecorderNeverTruncates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.har")
	if err := WriteHAR(path, []*capture.Flow{appendFlow(0)}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	if _, err := NewRecorder(path); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("NewRecorder on an existing capture: %v", err)
	}
	if err := CreateHAR(path, nil); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CreateHAR on an existing capture: %v", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the existing capture changed")
	}
}

// OpenAppend continues a closed capture and one cut off mid-entry; the
// earlier and the new flows all read back, the file closes as valid HAR.
func TestOpenAppendContinuesACapture(t *testing.T) {
	dir := t.TempDir()
	closed := filepath.Join(dir, "closed.har")
	if err := WriteHAR(closed, []*capture.Flow{appendFlow(0), appendFlow(1)}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(closed)
	cut := filepath.Join(dir, "cut.har")
	// A killed recorder: the second entry is half written.
	os.WriteFile(cut, data[:bytes.LastIndex(data, []byte(`"startedDateTime"`))+20], 0o600)
	empty := filepath.Join(dir, "empty.har")
	if err := WriteHAR(empty, nil); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{closed: "abcd", cut: "acd", empty: "cd"} {
		r, err := OpenAppend(path)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		earlier := r.Entries()
		if !BeingRecorded(path) {
			t.Errorf("%s: not reported as being recorded while appending", filepath.Base(path))
		}
		if _, err := OpenAppend(path); !errors.Is(err, ErrBeingRecorded) {
			t.Errorf("%s: a second recorder: %v", filepath.Base(path), err)
		}
		for _, i := range []int{2, 3} {
			if err := r.Write(appendFlow(i)); err != nil {
				t.Fatal(err)
			}
			// Every flow written reads back at once (crash-safe).
			if got, truncated := urls(t, path); !strings.HasSuffix(got, string(rune('a'+i))) || !truncated {
				t.Errorf("%s mid-append: %q truncated %v", filepath.Base(path), got, truncated)
			}
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if got, truncated := urls(t, path); got != want || truncated || earlier != len(want)-2 {
			t.Errorf("%s: flows %q (want %q), truncated %v, %d earlier", filepath.Base(path), got, want, truncated, earlier)
		}
		if BeingRecorded(path) {
			t.Errorf("%s: still reported as being recorded after Close", filepath.Base(path))
		}
	}
}

func TestOpenAppendRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	firefox := filepath.Join(dir, "firefox.har")
	os.WriteFile(firefox, []byte(`{"log":{"version":"1.2","creator":{"name":"Firefox","version":"128"},"entries":[]}}`), 0o600)
	notHAR := filepath.Join(dir, "notes.txt")
	os.WriteFile(notHAR, []byte("hello"), 0o600)
	var np *NotProvtapError
	if _, err := OpenAppend(firefox); !errors.As(err, &np) || np.Creator != "Firefox" || err.Error() != "not a provtap capture (written by Firefox)" {
		t.Errorf("Firefox HAR: %v", err)
	}
	if _, err := OpenAppend(notHAR); !errors.Is(err, ErrNotHAR) {
		t.Errorf("not HAR: %v", err)
	}
	for _, p := range []string{firefox, notHAR} {
		if b, _ := os.ReadFile(p); len(b) == 0 {
			t.Errorf("%s was changed", p)
		}
	}
	if _, err := OpenAppend(filepath.Join(dir, "missing.har")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}
