package main

import (
	"fmt"
	"os"

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
OUT is created with mode 0600; it may be IN itself.`

func cmdRedact(args []string) int {
	fs := newFlags("redact", "provtap redact IN OUT", redactAbout)
	pos, code, ok := parseArgs(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 2 {
		return fail("redact", "want a capture file and the file to write, got %d arguments (see provtap redact --help)", len(pos))
	}
	in, out := pos[0], pos[1]
	capt, err := har.LoadHAR(in)
	if err != nil {
		return fail("redact", "%v", err)
	}
	if capt.Truncated {
		fmt.Fprintf(os.Stderr, "provtap redact: %s was cut off; redacting the %s before the cut\n", in, flowCount(len(capt.Flows)))
	}
	r := redact.NewRedactor()
	if err := har.WriteHAR(out, r.Flows(capt.Flows)); err != nil {
		return fail("redact", "writing %s: %v", out, err)
	}
	fmt.Printf("wrote %s: %s, %d distinct secrets replaced by pseudonyms\n", out, flowCount(len(capt.Flows)), r.Secrets())
	return 0
}
