package har

import (
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/provtap/provtap/capture"
)

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
	size    int64  // bytes written so far
	store   *Store // reads entries back; opened on first use
}

const harHead = `{"log":{"version":"1.2","creator":{"name":"provtap","version":"` + capture.Version + `"},"pages":[],"entries":[`
const harTail = "\n]}}\n"

// DefaultCapturePath is a new file name under <home>/captures/.
func DefaultCapturePath(home string) string {
	return filepath.Join(home, "captures", "provtap-"+time.Now().Format("20060102-150405")+".har")
}

// NewRecorder creates path with mode 0600 (and its directory, 0700, when
// missing) and writes the HAR head. It never truncates: an existing path is
// an error wrapping fs.ErrExist (OpenAppend continues a capture). The
// recorder holds a lock on the file until Close, so readers can tell a
// capture still being written (BeingRecorded) from one cut off by a crash.
func NewRecorder(path string) (*Recorder, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	r, err := startRecorder(f, path)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return r, nil
}

// startRecorder locks a new, empty capture file and writes the HAR head.
func startRecorder(f *os.File, path string) (*Recorder, error) {
	if err := lockFile(f); err != nil {
		return nil, err
	}
	if _, err := f.Write([]byte(harHead)); err != nil {
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
func (r *Recorder) Write(f *capture.Flow) error {
	_, err := r.WriteBatch([]*capture.Flow{f})
	return err
}

// WriteBatch appends flows as whole entries in a single write(2), so a
// process killed at any moment leaves only whole entries behind, and returns
// where each entry is, for Store.Load. After a write error (a full disk) it
// keeps returning that error and writes nothing more; the file up to the last
// whole entry stays readable.
func (r *Recorder) WriteBatch(flows []*capture.Flow) ([]Loc, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if r.file == nil {
		return nil, errors.New("capture file is closed")
	}
	r.buf = r.buf[:0]
	locs := make([]Loc, len(flows))
	for i, f := range flows {
		if r.entries+i > 0 {
			r.buf = append(r.buf, ',')
		}
		r.buf = append(r.buf, '\n')
		start := len(r.buf)
		r.buf = appendFlowEntry(r.buf, f)
		locs[i] = Loc{Off: r.size + int64(start), Len: int64(len(r.buf) - start)}
	}
	n, err := r.file.Write(r.buf)
	if err != nil {
		// Cut back a partial batch so Close can still produce valid JSON.
		if n > 0 {
			_ = r.file.Truncate(r.size)
			_, _ = r.file.Seek(r.size, 0)
		}
		r.err = fmt.Errorf("capture stopped: %w", err)
		return nil, r.err
	}
	r.size += int64(n)
	r.entries += len(flows)
	return locs, nil
}

// Store reads back the entries this recorder wrote (it stays usable after
// Close: flows shown in the UI may still be read back).
func (r *Recorder) Store() *Store {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.store == nil {
		r.store = &Store{path: r.path}
	}
	return r.store
}

// Pump records every flow from flows and then hands it to show, until flows
// is closed. Flows that arrived together are written with one write(2): the
// proxy's hand-off costs one system call per burst, not per flow. loc is
// where the flow's entry was written (zero when it was not); recErr is the
// recorder's error when recording has stopped (the flow is still shown).
func Pump(flows <-chan *capture.Flow, rec *Recorder, show func(f *capture.Flow, loc Loc, recErr error)) {
	PumpBursts(flows, rec, show, nil)
}

// PumpBursts is Pump that also calls burstShown (unless nil) once the
// flows of a burst were all shown: a consumer printing a line per flow
// flushes its buffer there, one write per burst rather than per line.
func PumpBursts(flows <-chan *capture.Flow, rec *Recorder, show func(f *capture.Flow, loc Loc, recErr error), burstShown func()) {
	const (
		maxBatch    = 128
		burstTarget = 32
		burstWait   = time.Millisecond
		burstWaits  = 4
	)
	batch := make([]*capture.Flow, 0, maxBatch)
	for f := range flows {
		batch = gather(append(batch[:0], f), flows, maxBatch)
		if len(batch) < maxBatch {
			// Let the proxy goroutines that are about to finish a flow run
			// once before writing: bigger bursts mean fewer write(2)s and
			// fewer wake-ups of this goroutine per flow, for the cost of
			// one yield (no timer, no added wait when nothing else runs).
			runtime.Gosched()
			batch = gather(batch, flows, maxBatch)
		}
		// Flows are streaming in (more than one arrived while this
		// goroutine looked away): gather a few moments longer, as a database
		// commits a group, while the batch still grows. Most of an append's
		// cost is per write(2), not per byte (1.3 KB entries on ext4: 3.1 µs
		// a flow one at a time, 1.6 µs five at a time, 0.5 µs a hundred), so
		// at thousands of flows a second this cuts the writes per flow by
		// four or more. A flow waits at most burstWaits×burstWait more to be
		// written and shown; a single flow is not delayed.
		for waits := 0; len(batch) > 1 && len(batch) < burstTarget && waits < burstWaits; waits++ {
			before := len(batch)
			time.Sleep(burstWait)
			if batch = gather(batch, flows, maxBatch); len(batch) == before {
				break // the stream paused: write what came
			}
		}
		var err error
		var locs []Loc
		if rec != nil {
			locs, err = rec.WriteBatch(batch)
		}
		for i, g := range batch {
			var loc Loc
			if i < len(locs) {
				loc = locs[i]
			}
			show(g, loc, err)
		}
		if burstShown != nil {
			burstShown()
		}
	}
}

// gather appends the flows already waiting on flows, up to limit in all,
// without blocking.
func gather(batch []*capture.Flow, flows <-chan *capture.Flow, limit int) []*capture.Flow {
	for len(batch) < limit {
		select {
		case g, ok := <-flows:
			if !ok {
				return batch
			}
			batch = append(batch, g)
		default:
			return batch
		}
	}
	return batch
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
	return errors.Join(werr, cerr)
}

// WriteHAR writes flows (with their bodies) as one complete HAR file at path
// (mode 0600), replacing path if it exists, through a temporary file beside
// it so an existing capture is never half overwritten. CreateHAR is the
// variant that never replaces a file.
func WriteHAR(path string, flows []*capture.Flow) error {
	return WriteHARFrom(path, slices.Values(flows))
}

// WriteHARFrom is WriteHAR for flows read one at a time (a capture too
// large to hold: each is encoded and let go).
func WriteHARFrom(path string, flows iter.Seq[*capture.Flow]) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := writeAll(f, tmp, flows); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// CreateHAR writes flows as one complete HAR file at a new path (mode
// 0600). An existing path is never touched: the error wraps fs.ErrExist.
// A failed write removes the partial file it created.
func CreateHAR(path string, flows []*capture.Flow) error {
	return CreateHARFrom(path, slices.Values(flows))
}

// CreateHARFrom is CreateHAR for flows read one at a time.
func CreateHARFrom(path string, flows iter.Seq[*capture.Flow]) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := writeAll(f, path, flows); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// writeAll records flows into the new, empty file f and closes it.
func writeAll(f *os.File, path string, flows iter.Seq[*capture.Flow]) error {
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	r, err := startRecorder(f, path)
	if err != nil {
		f.Close()
		return err
	}
	batch := make([]*capture.Flow, 0, 256) // one write(2) per batch, not per flow
	for fl := range flows {
		if batch = append(batch, fl); len(batch) == cap(batch) {
			if _, err = r.WriteBatch(batch); err != nil {
				break
			}
			batch = batch[:0]
		}
	}
	if err == nil && len(batch) > 0 {
		_, err = r.WriteBatch(batch)
	}
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return err
}
