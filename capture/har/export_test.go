package har

// The two passes of ScanHAR, for the benchmarks in package har_test: they
// generate their capture with capturetest, which imports this package.
var (
	IndexEntries = indexEntries
	DecodeSpans  = decodeSpans
)
