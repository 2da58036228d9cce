package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync/atomic"

	"github.com/provtap/provtap/analyze"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
)

// Every command reads the files the user names through these, so the same
// mistake reads the same in every command.

// fileProblem is why path cannot be read, in the words every command uses
// ("" when it can be opened).
func fileProblem(path string, err error) string {
	var pe *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path + ": no such file"
	case errors.Is(err, fs.ErrPermission):
		return path + ": permission denied"
	case errors.As(err, &pe):
		return path + ": " + pe.Err.Error()
	}
	return path + ": " + err.Error()
}

// checkCapture is why the file at path cannot be a capture before reading
// it: missing, unreadable, a directory, empty.
func checkCapture(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return errors.New(fileProblem(path, err))
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a directory, not a capture file", path)
	}
	if !st.Mode().IsRegular() {
		// A pipe or a device: the readers index the file and come back to
		// its entries, which a stream cannot give them.
		return fmt.Errorf("%s is not a regular file (a pipe or a device); save the capture to a file and give its path", path)
	}
	if st.Size() == 0 {
		return fmt.Errorf("%s is empty, not a capture file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return errors.New(fileProblem(path, err))
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	head = bytes.TrimLeft(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) > 0 && head[0] != '{' {
		return fmt.Errorf("%s is not a HAR capture (it does not start with a JSON object)", path)
	}
	return nil
}

// captureError says why a capture could not be read.
func captureError(path string, err error) error {
	if errors.Is(err, har.ErrNotHAR) {
		reason := err.Error()
		if i := strings.Index(reason, har.ErrNotHAR.Error()); i >= 0 {
			reason = strings.TrimPrefix(reason[i+len(har.ErrNotHAR.Error()):], ": ")
		}
		if reason == "" {
			return fmt.Errorf("%s is not a HAR capture", path)
		}
		return fmt.Errorf("%s is not a HAR capture (%s)", path, reason)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return errors.New(fileProblem(path, err))
	}
	return fmt.Errorf("%s: %v", path, strings.TrimPrefix(err.Error(), path+": "))
}

// cutNote is the one line about a capture whose JSON is not closed: still
// being recorded by a running provtap, or cut off when its recorder died.
func cutNote(path string, flows int) string {
	if har.BeingRecorded(path) {
		return fmt.Sprintf("%s is still being recorded by a running provtap; reading the %s written so far", path, flowCount(flows))
	}
	return fmt.Sprintf("%s was cut off (its recorder was killed, or the disk filled); reading the %s before the cut", path, flowCount(flows))
}

// scanCapture streams a capture to fn (for analyze: a capture larger than
// memory still works). Each flow's own facts are computed on the decoding
// goroutines.
func scanCapture(path string, progress *atomic.Int64, fn func(*capture.Flow, *analyze.Facts)) (flows int, note string, err error) {
	return scanned(path, func() (har.ScanResult, error) { return har.ScanPrepared(path, progress, analyze.FactsOf, fn) })
}

// scanFlows streams a capture to fn, in order, without the analyzers'
// facts (redact: a capture larger than memory still works).
func scanFlows(path string, fn func(*capture.Flow)) (flows int, note string, err error) {
	return scanned(path, func() (har.ScanResult, error) { return har.ScanHAR(path, nil, fn) })
}

// scanned runs scan (a read of the capture at path) once the file is one,
// and says what every command says of it: the one-line error, or the note
// that it was cut off.
func scanned(path string, scan func() (har.ScanResult, error)) (flows int, note string, err error) {
	if err := checkCapture(path); err != nil {
		return 0, "", err
	}
	res, err := scan()
	if err != nil {
		return 0, "", captureError(path, err)
	}
	if res.Truncated {
		note = cutNote(path, res.Flows)
	}
	return res.Flows, note, nil
}

func flowCount(n int) string {
	if n == 1 {
		return "1 flow"
	}
	return fmt.Sprintf("%d flows", n)
}

// loadFlows is flows ns of the capture at path, each decoded alone (the
// index, then their entries: a 10⁶-flow capture is not loaded to print one
// request), nil where there is none, and how many flows it has.
func loadFlows(path string, ns ...int) (flows []*capture.Flow, total int, note string, err error) {
	total, note, err = scanned(path, func() (res har.ScanResult, err error) {
		flows, res, err = har.LoadFlows(path, ns...)
		return res, err
	})
	return flows, total, note, err
}

// pickFlow is flow n, f (loadFlows), of a capture of total flows, or the
// one line saying why there is none; every command that takes a flow
// number says it the same way.
func pickFlow(path string, f *capture.Flow, total, n int, forWhat string) (*capture.Flow, error) {
	if err := flowInRange(path, total, n); err != nil {
		return nil, err
	}
	return withRequest(f, n, forWhat)
}

// flowInRange is nil when a capture of total flows has a flow n.
func flowInRange(path string, total, n int) error {
	switch {
	case total == 0:
		return fmt.Errorf("no flow %d: %s has no flows", n, path)
	case n < 1 || n > total:
		return fmt.Errorf("no flow %d: %s has %s (1-%d)", n, path, flowCount(total), total)
	}
	return nil
}

// withRequest is f, flow n, unless it carried no request to act on.
func withRequest(f *capture.Flow, n int, forWhat string) (*capture.Flow, error) {
	if f.Kind == capture.KindTLSFailure || f.Kind == capture.KindOutOfScope || f.Method == "" {
		return nil, fmt.Errorf("flow %d has no request to %s (%s)", n, forWhat, describeKind(f))
	}
	return f, nil
}

func describeKind(f *capture.Flow) string {
	switch {
	case f.Kind == capture.KindTLSFailure:
		return "the client gave up during the TLS handshake"
	case f.Kind == capture.KindOutOfScope:
		return "a tunnel to a host outside the CA's scope: provtap passed it through without decrypting it"
	case f.Error != "":
		return f.Error
	}
	return "no method recorded"
}
