package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/redact"
)

const redactAbout = `Writes a copy of a capture that is safe to attach to a forum post or a
vendor ticket. Replaced: Authorization and Proxy-Authorization credentials,
cookie and Set-Cookie values, API-key and token headers, credential query and
form parameters (subscription-key, api_key, code, access_token, …),
passwords, secrets and tokens in JSON, form and XML bodies, JWTs anywhere.

Each secret becomes a pseudonym of the same length and shape, the same one
everywhere it occurs, so provtap analyze finds on the copy what it finds on
the original. Pseudonyms are keyed per run and cannot be reversed. Kept:
schemes (Basic, Bearer), header, cookie and parameter names, cookie
attributes, JSON structure, sizes — and everything that is not a credential
(paths, user names, e-mail addresses): read the copy before you share it.
OUT is a new file, mode 0600: provtap never overwrites one, IN included.`

func cmdRedact(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap redact", "provtap redact IN OUT", redactAbout, stdout, stderr)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return c.usageError("want a capture file and the file to write, got %d arguments", len(pos))
	}
	in, out := pos[0], pos[1]
	// Refused before the work, not after it (the write itself refuses too:
	// the file may appear meanwhile).
	if _, err := os.Lstat(out); err == nil {
		return c.fail("%v", existsError(out, "give redact a new OUT file"))
	}
	// Two passes over IN, neither holding it: the first learns every secret
	// (one recognised in a later flow is scrubbed from earlier ones too), the
	// second writes each flow redacted.
	r := redact.NewRedactor()
	flows, note, err := scanFlows(in, r.Learn)
	if err != nil {
		return c.fail("%v", err)
	}
	if note != "" {
		c.warn("%s", note)
	}
	var readErr error
	redacted := func(yield func(*capture.Flow) bool) {
		stopped := false // the write failed: the rest is passed over
		_, _, readErr = scanFlows(in, func(f *capture.Flow) {
			stopped = stopped || !yield(r.Final(f))
		})
	}
	err = har.CreateHARFrom(out, redacted)
	if errors.Is(err, fs.ErrExist) {
		return c.fail("%v", existsError(out, "give redact a new OUT file"))
	}
	if err != nil {
		return c.fail("writing %s", fileProblem(out, err))
	}
	if readErr != nil {
		os.Remove(out) // a partial copy is not the shareable one asked for
		return c.fail("%v", readErr)
	}
	fmt.Fprintf(stdout, "wrote %s: %s, %d distinct secrets replaced by pseudonyms\n", out, flowCount(flows), r.Secrets())
	return 0
}
