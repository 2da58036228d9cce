package har_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
)

// benchDir holds the generated captures of this test binary's benchmarks;
// TestMain removes it.
var benchDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

var c100k = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "har-bench-")
	if err != nil {
		return "", err
	}
	benchDir = dir
	path := filepath.Join(dir, "c100k.har")
	return path, capturetest.GenerateCorpus(100_000, 1).WriteHAR(path)
})

// openC100k opens a 100k-flow capture of the test generator (the corpus of
// the performance goals), written once per test binary.
func openC100k(b *testing.B) *os.File {
	path, err := c100k()
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	return f
}

// BenchmarkIndexC100k is ScanHAR's first pass over c100k.
func BenchmarkIndexC100k(b *testing.B) {
	f := openC100k(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := f.Seek(0, 0); err != nil {
			b.Fatal(err)
		}
		if _, _, err := har.IndexEntries(f, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeC100k decodes c100k's entries into flows in batches, on one
// goroutine (the second pass's work without its parallelism).
func BenchmarkDecodeC100k(b *testing.B) {
	f := openC100k(b)
	idx, _, err := har.IndexEntries(f, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, ok := processCPU()
	for range b.N {
		for lo := 0; lo < len(idx); lo += 512 {
			if _, err := har.DecodeSpans(f, idx[lo:min(lo+512, len(idx))], lo+1, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	if cpu1, _ := processCPU(); ok {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkOneFlowOfC100k is what export and diff read for one flow of
// c100k: LoadFlows (the index, then the entry) against LoadHAR, which they
// used before (the whole capture decoded).
func BenchmarkOneFlowOfC100k(b *testing.B) {
	path, err := c100k()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("LoadFlows", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if flows, _, err := har.LoadFlows(path, 99_999); err != nil || flows[0] == nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LoadHAR", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if c, err := har.LoadHAR(path); err != nil || len(c.Flows) < 99_999 {
				b.Fatal(err)
			}
		}
	})
}
