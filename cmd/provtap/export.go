package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

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
  --format curl-config
                  the same as a curl config file, for curl -K FILE (curl.exe -K
                  in cmd.exe or PowerShell): one option per line, values in
                  curl's double quotes, no shell quoting, so it works on every
                  OS and in every shell. A body of printable text up to 64 KiB
                  is written into it; any other body (binary, NUL bytes, not
                  UTF-8, larger) goes in a second file, FILE.body, that the
                  config names by its absolute path (keep the two together, or
                  edit its data-binary line): such a flow needs --out FILE.
  --format raw    the request as HTTP/1.1 bytes, exactly.

Flow numbers are the ones provtap open and provtap analyze show.
--redact replaces credentials by pseudonyms first, as provtap redact does, so
the command can be posted where others read it (it no longer authenticates).
--out writes to a new file (mode 0600, never over an existing one) instead
of stdout: a Windows shell's ">" may re-encode what it writes.`

func cmdExport(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap export", "provtap export FILE --flow N [--format curl|curl-config|raw] [--redact] [--out FILE]", exportAbout, stdout, stderr)
	var n flowNumber
	c.fs.Var(&n, "flow", "the number `N` of the flow to export (1 is the first request)")
	format := newChoice("curl", "curl", "curl-config", "raw")
	c.fs.Var(format, "format", "the output `FORMAT`: curl (a bash/zsh command), curl-config (a file for curl -K, any OS and shell) or raw (the HTTP/1.1 request bytes)")
	redacted := c.fs.Bool("redact", false, "replace credentials, cookies, keys and tokens by pseudonyms first")
	outFile := c.fs.String("out", "", "write to this new `FILE` instead of stdout")
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return c.usageError("want exactly one capture file, got %d arguments", len(pos))
	}
	want := 0
	if c.given("flow") {
		want = int(n)
	}
	picked, total, note, err := loadFlows(pos[0], want)
	if err != nil {
		return c.fail("%v", err)
	}
	if !c.given("flow") {
		return c.fail("which flow? add --flow N: %s has %s (1-%d)", pos[0], flowCount(total), total)
	}
	f, err := pickFlow(pos[0], picked[0], total, int(n), "export")
	if err != nil {
		return c.fail("%v", err)
	}
	if note != "" {
		c.warn("%s", note)
	}
	if *redacted {
		// The whole capture, streamed, so a secret recognised elsewhere is
		// caught here too, as redact catches it.
		r := redact.NewRedactor()
		if _, _, err := scanFlows(pos[0], r.Learn); err != nil {
			return c.fail("%v", err)
		}
		f = r.Final(f)
	}
	if b := f.RequestBody; b.Truncated {
		c.warn("warning: flow %d's request body was cut at %d of %d bytes (--max-body); the export sends only those %d bytes",
			n, len(b.Bytes), b.Size, len(b.Bytes))
	}
	var out, body []byte
	var bodyFile string
	switch format.value {
	case "raw":
		out = export.RawRequest(f)
	case "curl-config":
		if *outFile != "" {
			bodyFile = absPath(*outFile) + ".body"
		}
		var config string
		config, body = export.CurlConfig(f, bodyFile)
		if body != nil && *outFile == "" {
			return c.fail("flow %d's body (%d bytes, not text a config line can hold) goes in a file beside the config: add --out FILE, which writes FILE and FILE.body", n, len(body))
		}
		out = []byte(config)
	default:
		out = []byte(export.Curl(f) + "\n")
	}
	if *outFile == "" {
		if _, err := stdout.Write(out); err != nil {
			return c.fail("writing: %v", err)
		}
		return 0
	}
	if body != nil {
		// Both files are new, or neither is written.
		for _, p := range []struct{ path, instead string }{{*outFile, "choose another --out FILE"},
			{bodyFile, "choose another --out FILE (its body goes in FILE.body)"}} {
			if _, err := os.Lstat(p.path); err == nil {
				return c.fail("%v", existsError(p.path, p.instead))
			}
		}
	}
	if err := writeNew(*outFile, out, "choose another --out FILE"); err != nil {
		return c.fail("%v", err)
	}
	curl := "curl"
	if runtime.GOOS == "windows" {
		curl = "curl.exe"
	}
	if body != nil {
		if err := writeNew(bodyFile, body, "choose another --out FILE (its body goes in FILE.body)"); err != nil {
			os.Remove(*outFile)
			return c.fail("%v", err)
		}
		fmt.Fprintf(stdout, "wrote flow %d to %s and its body to %s: %s -K %s\n", n, *outFile, filepath.Base(bodyFile), curl, *outFile)
		return 0
	}
	if format.value == "curl-config" {
		fmt.Fprintf(stdout, "wrote flow %d to %s: %s -K %s\n", n, *outFile, curl, *outFile)
		return 0
	}
	fmt.Fprintf(stdout, "wrote flow %d to %s\n", n, *outFile)
	return 0
}

// writeNew writes data to a new file at path (0600), never over an existing
// one (existsError with instead).
func writeNew(path string, data []byte, instead string) error {
	file, err := createNew(path, instead)
	if err != nil {
		return err
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		os.Remove(path)
		return fmt.Errorf("writing %s", fileProblem(path, err))
	}
	if err := file.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s", fileProblem(path, err))
	}
	return nil
}
