package har

import (
	"errors"
	"os"
	"sync"

	"github.com/provtap/provtap/capture"
)

// Loc is where one entry sits in a capture file: what a long session keeps
// of a flow instead of its headers and bodies.
type Loc struct {
	Off int64 // byte offset of the entry's '{'
	Len int64 // bytes up to and including its '}'
}

// Valid reports whether l points at an entry (the zero Loc does not).
func (l Loc) Valid() bool { return l.Len > 0 }

// Store reads entries back from a capture file by Loc. It is safe for
// concurrent use; the file is opened on first use and stays open.
type Store struct {
	path string
	once sync.Once
	file *os.File
	err  error
}

// OpenStore reads entries of the capture file at path.
func OpenStore(path string) *Store { return &Store{path: path} }

// ErrNoEntry: the Loc does not point at an entry.
var ErrNoEntry = errors.New("no capture entry at that location")

// Load decodes the entry at loc into a flow (its ID is left 0: numbering
// belongs to whoever holds the index).
func (s *Store) Load(loc Loc) (*capture.Flow, error) {
	if !loc.Valid() {
		return nil, ErrNoEntry
	}
	s.once.Do(func() { s.file, s.err = os.Open(s.path) })
	if s.err != nil {
		return nil, s.err
	}
	data := make([]byte, loc.Len)
	if _, err := s.file.ReadAt(data, loc.Off); err != nil {
		return nil, err
	}
	var e harEntry
	if err := unmarshalEntry(data, &e, nil); err != nil {
		return nil, err
	}
	return flowFromEntry(&e), nil
}

// Close closes the file (a Store is usually kept for the whole session).
func (s *Store) Close() error {
	if s.file == nil {
		return nil
	}
	return s.file.Close()
}

// WithoutBodies is a copy of f without its body bytes (sizes kept), for a
// long session that holds only metadata in memory and reads the rest back
// from the capture file. f itself is not changed: another goroutine may
// still be reading it.
func WithoutBodies(f *capture.Flow) *capture.Flow {
	c := *f
	c.RequestBody.Bytes, c.ResponseBody.Bytes = nil, nil
	return &c
}
