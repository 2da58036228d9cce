package main

import (
	"fmt"
	"io"

	"github.com/provtap/provtap/capture/export"
	"github.com/provtap/provtap/capture/redact"
)

const exportAbout = `Prints one request of a capture so it can be sent again.

  --format curl   a command for bash or zsh that sends the request byte for
                  byte: method, path and query, every header in order, body.
                  curl adds none of its own headers; connection and proxy
                  headers (Connection, Proxy-Authorization, …) are left out.
                  When the request accepted gzip, deflate, br or zstd (one this
                  machine's curl decodes), --compressed makes curl print the
                  answer decoded; the request still says what it said.
  --format raw    the request as HTTP/1.1 bytes, exactly.

Flow numbers are the ones provtap open and provtap analyze show.
--redact replaces credentials by pseudonyms first, as provtap redact does, so
the command can be posted where others read it (it no longer authenticates).
--out writes to a new file (mode 0600, never over an existing one) instead
of stdout: a Windows shell's ">" may re-encode what it writes.`

func cmdExport(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap export", "provtap export FILE --flow N [--format curl|raw] [--redact] [--out FILE]", exportAbout, stdout, stderr)
	var n flowNumber
	c.fs.Var(&n, "flow", "the number `N` of the flow to export (1 is the first request)")
	format := newChoice("curl", "curl", "raw")
	c.fs.Var(format, "format", "the output `FORMAT`: curl (a bash/zsh command) or raw (the HTTP/1.1 request bytes)")
	redacted := c.fs.Bool("redact", false, "replace credentials, cookies, keys and tokens by pseudonyms first")
	outFile := c.fs.String("out", "", "write to this new `FILE` instead of stdout")
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError("want exactly one capture file, got %d arguments", len(pos))
	}
	capt, note, err := loadCapture(pos[0])
	if err != nil {
		return c.fail("%v", err)
	}
	if !c.given("flow") {
		return c.fail("which flow? add --flow N: %s has %s (1-%d)", pos[0], flowCount(len(capt.Flows)), len(capt.Flows))
	}
	f, err := pickFlow(pos[0], capt.Flows, int(n), "export")
	if err != nil {
		return c.fail("%v", err)
	}
	if note != "" {
		c.warn("%s", note)
	}
	if *redacted {
		// The whole capture, so a secret recognised elsewhere is caught here too.
		f = redact.NewRedactor().Flows(capt.Flows)[n-1]
	}
	if b := f.RequestBody; b.Truncated {
		c.warn("warning: flow %d's request body was cut at %d of %d bytes (--max-body); the export sends only those %d bytes",
			n, len(b.Bytes), b.Size, len(b.Bytes))
	}
	var out []byte
	if format.value == "raw" {
		out = export.RawRequest(f)
	} else {
		out = []byte(export.Curl(f) + "\n")
	}
	if *outFile == "" {
		if _, err := stdout.Write(out); err != nil {
			return c.fail("writing: %v", err)
		}
		return 0
	}
	file, err := createNew(*outFile, "choose another --out FILE")
	if err != nil {
		return c.fail("%v", err)
	}
	if _, err := file.Write(out); err != nil {
		file.Close()
		return c.fail("writing %s: %v", *outFile, err)
	}
	if err := file.Close(); err != nil {
		return c.fail("writing %s: %v", *outFile, err)
	}
	fmt.Fprintf(stdout, "wrote flow %d to %s\n", n, *outFile)
	return 0
}
