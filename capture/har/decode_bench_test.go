package har

import (
	"os"
	"testing"
)

// c100k is a 100k-flow capture of the test generator; the benchmarks that
// read it are skipped where it is absent.
const c100k = "/work/baseline/c100k.har"

func openC100k(b *testing.B) *os.File {
	f, err := os.Open(c100k)
	if err != nil {
		b.Skip("no", c100k)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkIndexC100k is ScanHAR's first pass over c100k.
func BenchmarkIndexC100k(b *testing.B) {
	f := openC100k(b)
	b.ReportAllocs()
	for range b.N {
		if _, err := f.Seek(0, 0); err != nil {
			b.Fatal(err)
		}
		if _, _, err := indexEntries(f, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeC100k decodes c100k's entries into flows in batches, on one
// goroutine (the second pass's work without its parallelism).
func BenchmarkDecodeC100k(b *testing.B) {
	f := openC100k(b)
	idx, _, err := indexEntries(f, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for lo := 0; lo < len(idx); lo += 512 {
			if _, err := decodeSpans(f, idx[lo:min(lo+512, len(idx))], lo+1, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}
