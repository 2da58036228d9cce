package har

import (
	"testing"
)

// FuzzDecodeEntry checks decodeEntry against encoding/json on arbitrary
// input: see compareWithStdlib.
func FuzzDecodeEntry(f *testing.F) {
	for _, c := range edgeCases {
		f.Add([]byte(c))
	}
	for _, e := range sampleEntries(f) {
		f.Add(e)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithStdlib(t, data)
	})
}
