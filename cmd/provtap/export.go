package main

import (
	"fmt"
	"os"

	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/redact"

	"github.com/provtap/provtap/capture"
)

const exportAbout = `Prints one request of a capture so it can be sent again.

  --format curl   a command for bash or zsh that sends the request byte for
                  byte: method, path and query, every header in order, body.
                  curl adds none of its own headers; connection and proxy
                  headers (Connection, Proxy-Authorization, …) are left out.
  --format raw    the request as HTTP/1.1 bytes, exactly.

Flow numbers are the ones provtap open and provtap analyze show.
--redact replaces credentials by pseudonyms first, as provtap redact does, so
the command can be posted where others read it (it no longer authenticates).`

func cmdExport(args []string) int {
	fs := newFlags("export", "provtap export FILE --flow N [--format curl|raw] [--redact]", exportAbout)
	n := fs.Int("flow", 0, "the `number` of the flow to export (1 is the first request)")
	format := fs.String("format", "curl", "curl (a bash/zsh command) or raw (the HTTP/1.1 request bytes)")
	redacted := fs.Bool("redact", false, "replace credentials, cookies, keys and tokens by pseudonyms first")
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return fail("export", "want exactly one capture file, got %d arguments (see provtap export --help)", len(pos))
	}
	if *format != "curl" && *format != "raw" {
		return fail("export", "unknown --format %q (want curl or raw)", *format)
	}
	capt, err := har.LoadHAR(pos[0])
	if err != nil {
		return fail("export", "%v", err)
	}
	total := len(capt.Flows)
	switch {
	case *n == 0:
		return fail("export", "say which request with --flow N: %s has %s", pos[0], flowCount(total))
	case total == 0:
		return fail("export", "no flow %d: %s has no flows", *n, pos[0])
	case *n < 1 || *n > total:
		return fail("export", "no flow %d: %s has %s (1-%d)", *n, pos[0], flowCount(total), total)
	}
	f := capt.Flows[*n-1]
	if f.Kind == capture.KindTLSFailure || f.Method == "" {
		return fail("export", "flow %d has no request to export (%s)", *n, describeKind(f))
	}
	if *redacted {
		// The whole capture, so a secret recognised elsewhere is caught here too.
		f = redact.NewRedactor().Flows(capt.Flows)[*n-1]
	}
	if b := f.RequestBody; b.Truncated {
		fmt.Fprintf(os.Stderr, "provtap export: warning: flow %d's request body was cut at %d of %d bytes (--max-body); the export sends only those %d bytes\n",
			*n, len(b.Bytes), b.Size, len(b.Bytes))
	}
	var out []byte
	if *format == "raw" {
		out = export.RawRequest(f)
	} else {
		out = []byte(export.Curl(f) + "\n")
	}
	if _, err := os.Stdout.Write(out); err != nil {
		return fail("export", "writing: %v", err)
	}
	return 0
}

func flowCount(n int) string {
	if n == 1 {
		return "1 flow"
	}
	return fmt.Sprintf("%d flows", n)
}

func describeKind(f *capture.Flow) string {
	switch {
	case f.Kind == capture.KindTLSFailure:
		return "the client gave up during the TLS handshake"
	case f.Error != "":
		return f.Error
	}
	return "no method recorded"
}
