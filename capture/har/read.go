package har

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/provtap/provtap/capture"
)

// Capture is a loaded capture file.
type Capture struct {
	Flows []*capture.Flow // ordered by start time, capture.Flow.ID = index+1
	// Truncated is set when the file was cut off (a killed recorder); Flows
	// holds every whole entry before the cut.
	Truncated bool
}

// ErrNotHAR is wrapped by ReadHAR errors for input that is not a HAR document.
var ErrNotHAR = errors.New("not a HAR capture")

// LoadHAR reads a capture file. See ReadHAR.
func LoadHAR(path string) (*Capture, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ReadHAR(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ReadHAR decodes HAR from provtap or any other tool, streaming entry by
// entry. A document cut off mid-write yields every whole entry before the
// cut (Truncated is set); input that is not HAR at all is an error wrapping
// ErrNotHAR. Flows are ordered by startedDateTime (stable) and numbered.
func ReadHAR(r io.Reader) (*Capture, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	if head, err := br.Peek(3); err == nil && string(head) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3) // a byte order mark, as Windows tools write
	}
	dec := json.NewDecoder(br)
	c := &Capture{}
	found, err := walkToEntries(dec)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: no log.entries array", ErrNotHAR)
	}
	var raw json.RawMessage
	var cache internCache
	for dec.More() {
		var e harEntry
		err := dec.Decode(&raw)
		if err == nil {
			err = unmarshalEntry(raw, &e, &cache)
		}
		if err != nil {
			if isTruncation(err) {
				c.Truncated = true
				break
			}
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				return nil, fmt.Errorf("%w: entry %d: field %s has the wrong type", ErrNotHAR, len(c.Flows)+1, typeErr.Field)
			}
			return nil, fmt.Errorf("%w: entry %d: %v", ErrNotHAR, len(c.Flows)+1, err)
		}
		c.Flows = append(c.Flows, flowFromEntry(&e))
	}
	if !c.Truncated && !closeDocument(dec) {
		// The closing "]}}" is missing: the recorder was killed.
		c.Truncated = true
	}
	Number(c.Flows)
	return c, nil
}

// Number orders flows by start time (stable) and gives them IDs 1..n, as
// every reader of a capture must, so flow N means the same flow everywhere.
func Number(flows []*capture.Flow) {
	sort.SliceStable(flows, func(i, j int) bool { return flows[i].Start.Before(flows[j].Start) })
	for i, f := range flows {
		f.ID = i + 1
	}
}

// closeDocument reads the end of entries, the rest of log and of the top
// object; it reports false when the document ends early.
func closeDocument(dec *json.Decoder) bool {
	if _, err := dec.Token(); err != nil { // ]
		return false
	}
	for depth := 0; depth < 2; depth++ {
		for dec.More() {
			if _, err := dec.Token(); err != nil {
				return false
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return false
			}
		}
		if _, err := dec.Token(); err != nil { // }
			return false
		}
	}
	return true
}

func isTruncation(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// walkToEntries advances dec to just inside log.entries, skipping every other
// field, whatever order the producer wrote them in.
func walkToEntries(dec *json.Decoder) (bool, error) {
	tok, err := dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return false, fmt.Errorf("%w: the file is empty", ErrNotHAR)
		}
		return false, fmt.Errorf("%w: %v", ErrNotHAR, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return false, fmt.Errorf("%w: it does not start with a JSON object", ErrNotHAR)
	}
	found, err := seekKey(dec, "log", '{')
	if err != nil || !found {
		return found, err
	}
	return seekKey(dec, "entries", '[')
}

// seekKey reads object members until key, whose value must open with delim.
func seekKey(dec *json.Decoder, key string, delim json.Delim) (bool, error) {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return false, fmt.Errorf("%w: %v", ErrNotHAR, err)
		}
		name, _ := tok.(string)
		if name == key {
			tok, err := dec.Token()
			if err != nil {
				return false, fmt.Errorf("%w: %v", ErrNotHAR, err)
			}
			if d, ok := tok.(json.Delim); !ok || d != delim {
				return false, fmt.Errorf("%w: %q is not a JSON %s", ErrNotHAR, key, map[json.Delim]string{'{': "object", '[': "array"}[delim])
			}
			return true, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return false, fmt.Errorf("%w: %v", ErrNotHAR, err)
		}
	}
	return false, nil
}

// CheckHead reads the capture at path as far as its entries: an error
// wrapping ErrNotHAR when it is no HAR document (no log.entries array), so
// that a reader which streams the rest (the TUI) can refuse it before it
// shows anything, as the other commands do.
func CheckHead(path string) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = entriesStart(file)
	return err
}
