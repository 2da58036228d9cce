package capture

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Version is provtap's version, written as the HAR creator.
const Version = "0.1.0"

// Recorder writes flows to a HAR file as they complete. Each flow is one
// write(2) of a whole entry, so a process killed at any moment leaves a file
// that ReadHAR recovers up to the last flow written. Close completes the JSON.
type Recorder struct {
	mu      sync.Mutex
	file    *os.File
	path    string
	entries int
	err     error // first write error; recording stops, the proxy does not
	buf     []byte
	size    int64    // bytes written so far
	reader  *os.File // opened on first read-back of a shed flow
}

const harHead = `{"log":{"version":"1.2","creator":{"name":"provtap","version":"` + Version + `"},"pages":[],"entries":[`
const harTail = "\n]}}\n"

// DefaultCapturePath is a new file name under <home>/captures/.
func DefaultCapturePath(home string) string {
	return filepath.Join(home, "captures", "provtap-"+time.Now().Format("20060102-150405")+".har")
}

// NewRecorder creates (or truncates) path with mode 0600 and writes the HAR head.
func NewRecorder(path string) (*Recorder, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	// An existing file keeps its mode on O_TRUNC; a capture holds secrets.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Write([]byte(harHead)); err != nil {
		f.Close()
		return nil, err
	}
	return &Recorder{file: f, path: path, size: int64(len(harHead))}, nil
}

// Path is the capture file's path.
func (r *Recorder) Path() string { return r.path }

// Err reports why recording stopped (nil while it is working).
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Entries is the number of flows written.
func (r *Recorder) Entries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries
}

// Write appends one flow. See WriteBatch.
func (r *Recorder) Write(f *Flow) error { return r.WriteBatch([]*Flow{f}) }

// WriteBatch appends flows as whole entries in a single write(2), so a
// process killed at any moment leaves only whole entries behind. After a
// write error (a full disk) it keeps returning that error and writes nothing
// more; the file up to the last whole entry stays readable.
func (r *Recorder) WriteBatch(flows []*Flow) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if r.file == nil {
		return errors.New("capture file is closed")
	}
	r.buf = r.buf[:0]
	refs := make([]diskRef, len(flows))
	for i, f := range flows {
		if r.entries+i > 0 {
			r.buf = append(r.buf, ',')
		}
		r.buf = append(r.buf, '\n')
		start := len(r.buf)
		e := entryFromFlow(f)
		r.buf = appendEntry(r.buf, &e)
		refs[i] = diskRef{rec: r, off: r.size + int64(start), n: len(r.buf) - start}
	}
	n, err := r.file.Write(r.buf)
	if err != nil {
		// Cut back a partial batch so Close can still produce valid JSON.
		if n > 0 {
			_ = r.file.Truncate(r.size)
			_, _ = r.file.Seek(r.size, 0)
		}
		r.err = fmt.Errorf("capture stopped: %w", err)
		return r.err
	}
	r.size += int64(n)
	r.entries += len(flows)
	for i, f := range flows {
		f.disk = &refs[i]
	}
	return nil
}

// Pump records every flow from flows and then hands it to show, until flows
// is closed. Flows that arrived together are written with one write(2): the
// proxy's hand-off costs one system call per burst, not per flow. recErr is
// the recorder's error when recording has stopped (the flow is still shown).
func Pump(flows <-chan *Flow, rec *Recorder, show func(f *Flow, recErr error)) {
	const maxBatch = 128
	batch := make([]*Flow, 0, maxBatch)
	for f := range flows {
		batch = append(batch[:0], f)
	more:
		for len(batch) < maxBatch {
			select {
			case g, ok := <-flows:
				if !ok {
					break more
				}
				batch = append(batch, g)
			default:
				break more
			}
		}
		var err error
		if rec != nil {
			err = rec.WriteBatch(batch)
		}
		for _, g := range batch {
			show(g, err)
		}
	}
}

// Close finishes the JSON document and closes the file.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file == nil {
		return nil
	}
	_, werr := r.file.Write([]byte(harTail))
	cerr := r.file.Close()
	r.file = nil
	// r.reader stays open: flows shown in the UI may still be read back.
	return errors.Join(werr, cerr)
}

// WriteHAR writes flows as one complete HAR file at path (mode 0600), through
// a temporary file so an existing capture is never half overwritten.
func WriteHAR(path string, flows []*Flow) error {
	tmp := path + ".tmp"
	r, err := NewRecorder(tmp)
	if err != nil {
		return err
	}
	for _, f := range flows {
		if err := r.Write(f.Load()); err != nil {
			r.Close()
			os.Remove(tmp)
			return err
		}
	}
	if err := r.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// diskRef locates a flow's entry in the capture file.
type diskRef struct {
	rec *Recorder
	off int64
	n   int
}

func (d *diskRef) load() (*Flow, error) {
	r := d.rec
	r.mu.Lock()
	if r.reader == nil {
		f, err := os.Open(r.path)
		if err != nil {
			r.mu.Unlock()
			return nil, err
		}
		r.reader = f
	}
	rd := r.reader
	r.mu.Unlock()
	data := make([]byte, d.n)
	if _, err := rd.ReadAt(data, d.off); err != nil {
		return nil, err
	}
	var e harEntry
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return flowFromEntry(&e), nil
}

// WithoutBodies returns a copy of a flow that was written to the capture
// file, without its body bytes, so a long live session holds only metadata in
// memory; Load reads them back. A flow that was not recorded is returned as
// is. f itself is not changed (another goroutine may still be reading it).
func (f *Flow) WithoutBodies() *Flow {
	if f.disk == nil || f.shed {
		return f
	}
	c := *f
	c.RequestBody.Bytes, c.ResponseBody.Bytes = nil, nil
	c.shed = true
	return &c
}

// Shed reports whether the bodies live only in the capture file.
func (f *Flow) Shed() bool { return f.shed }

// Load returns f with its bodies: f itself, or, for a shed flow, a copy read
// back from the capture file (f when that fails).
func (f *Flow) Load() *Flow {
	if !f.shed {
		return f
	}
	full, err := f.disk.load()
	if err != nil {
		return f
	}
	full.ID = f.ID
	return full
}
