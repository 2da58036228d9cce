package har

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrBeingRecorded: another recorder (another provtap) holds the file.
var ErrBeingRecorded = errors.New("being recorded by another provtap")

// NotProvtapError: OpenAppend was given a HAR file another tool wrote.
type NotProvtapError struct {
	Creator string // the HAR's log.creator.name ("" when it has none)
}

func (e *NotProvtapError) Error() string {
	if e.Creator == "" {
		return "not a provtap capture (the HAR names no creator)"
	}
	return fmt.Sprintf("not a provtap capture (written by %s)", e.Creator)
}

// BeingRecorded reports whether a recorder — a running provtap — is writing
// the capture at path now. A capture whose JSON is not closed and that no
// recorder holds was cut off (its recorder was killed, or the disk filled).
func BeingRecorded(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return lockedByRecorder(f)
}

// OpenAppend continues the provtap capture at path: it takes the
// recorder's lock, removes the closing of the JSON (or, after a crash, the
// partial entry after the last whole one), and returns a recorder that
// writes the next entries after those already there, as crash-safe as a new
// one. Entries counts the earlier entries too. A file another tool wrote is
// a *NotProvtapError, one that is not HAR wraps ErrNotHAR, and one another
// provtap is recording is ErrBeingRecorded; none of them is changed.
func OpenAppend(path string) (*Recorder, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	r, err := continueRecording(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

func continueRecording(f *os.File, path string) (*Recorder, error) {
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, fmt.Errorf("%w: it is a directory", ErrNotHAR)
	}
	if err := lockFile(f); err != nil {
		return nil, err
	}
	creator, base, err := captureHead(f)
	if err != nil {
		return nil, err
	}
	if creator != "provtap" {
		return nil, &NotProvtapError{Creator: creator}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	spans, _, err := indexEntries(f, nil)
	if err != nil {
		return nil, err
	}
	end := base
	if n := len(spans); n > 0 {
		end = spans[n-1].off + spans[n-1].n
	}
	if err := f.Truncate(end); err != nil {
		return nil, err
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return nil, err
	}
	return &Recorder{file: f, path: path, size: end, entries: len(spans)}, nil
}

// captureHead reads the HAR's log.creator.name and the offset just after
// the '[' that opens log.entries. provtap writes creator before entries;
// a file that has them the other way round was not written by provtap.
func captureHead(f *os.File) (creator string, entriesAt int64, err error) {
	dec := json.NewDecoder(bufio.NewReader(f))
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return "", 0, fmt.Errorf("%w: the file is empty", ErrNotHAR)
		}
		return "", 0, fmt.Errorf("%w: %v", ErrNotHAR, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return "", 0, fmt.Errorf("%w: it does not start with a JSON object", ErrNotHAR)
	}
	found, err := seekKey(dec, "log", '{')
	if err != nil {
		return "", 0, err
	}
	if !found {
		return "", 0, fmt.Errorf("%w: no log object", ErrNotHAR)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", 0, fmt.Errorf("%w: %v", ErrNotHAR, err)
		}
		switch name, _ := tok.(string); name {
		case "creator":
			var c harCreator
			if err := dec.Decode(&c); err != nil {
				return "", 0, fmt.Errorf("%w: log.creator: %v", ErrNotHAR, err)
			}
			creator = c.Name
		case "entries":
			tok, err := dec.Token()
			if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
				return "", 0, fmt.Errorf("%w: \"entries\" is not a JSON array", ErrNotHAR)
			}
			return creator, dec.InputOffset(), nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", 0, fmt.Errorf("%w: %v", ErrNotHAR, err)
			}
		}
	}
	return "", 0, fmt.Errorf("%w: no log.entries array", ErrNotHAR)
}
