package main

import (
	"flag"
	"fmt"
	"io"
)

const benchAbout = `Measures what putting provtap between a connector and its target costs,
side by side with the alternatives, on this machine.

It starts a SCIM-like upstream (GET /scim/v2/Users/{id}, a small JSON user,
over http and https) and reaches it through each target, in interleaved
rounds (the targets in the order below in odd rounds, reversed in even
ones) so that the machine's drift hits every target alike. Rounds are
short and many (8 × 2 s by default): on a shared machine req/s drifts by
a quarter over tens of seconds, and two targets measured seconds apart
see the same machine.

  direct    no proxy: the machine's ceiling for this load
  bare      martian with provtap's upstream transport and MITM, recording
            and analyzing nothing: what the proxy machinery costs
  provtap   provtap as --no-tui runs it: every flow recorded to a HAR
            file and analyzed (see --provtap-consumer)
  mitmdump  mitmproxy's mitmdump, when it is on PATH (or --mitmdump)

https goes through CONNECT and the proxy's MITM, as a connector's calls do.
The upstream and the Go proxies run as child processes of this binary, each
with its own Go runtime; the load generator is this process, a lean
HTTP/1.1 client on -c keep-alive connections. --rate paces it: then every
target answers the same req/s, which is not judged, and what tells the
proxies apart is their CPU per request, steadier than req/s on a busy
machine (a proxy's cost per request depends on the load it carries).

It prints, per target and scheme: requests per second, p50 and p99 latency,
errors, the proxy process's CPU time and read/write system calls per
request, and req/s per round. Then the ratios, each beside the target
provtap is held to, with PASS or MISS: req/s provtap/bare ≥ 0.90 (judged
on the median of the per-round ratios, each round running both back to
back; the ratio over all rounds is printed below it), req/s
provtap/mitmdump ≥ 12 over http and ≥ 10 over https, p99 provtap/bare ≤
1.20, and, for information, proxy CPU per request provtap/bare (over
all rounds and the median of the rounds), req/s bare/direct and req/s
provtap/bare in each round.
Last, what provtap recorded and analyzed, each proxy's peak RSS, and how long
its goroutines waited, runnable, for a thread (p50/p99, runtime/metrics).

-scale N instead measures provtap on a night's run of N flows: it generates
an N-flow capture (many service accounts interleaved, no client addresses,
the seeds' failures inside; --seed picks it), then times provtap open on a
pseudo-terminal to its first screen, its first flows shown and all flows
loaded (and its peak RSS), provtap analyze --format json against jq's
'.log.entries|length' on the same file (jq skipped, with a note, when it is
not installed), and feeds the N flows through the live TUI — recorded to a
capture, analyzed, held by the real UI model, which reads headers and
bodies back from the file — in a process of its own: its RSS at each
quarter and at the end, and how long a key waits while the flows arrive.
Each figure is printed beside its goal with PASS or MISS: open's first
frame ≤ 0.5 s up to 100,000 flows and ≤ 1 s above, fully loaded ≤ 10 s
with progress shown and ≤ 400 MB; analyze ≤ 0.25× jq's time and ≤ 300 MB;
the live TUI ≤ 300 MB at 10⁶ flows, flat after warm-up, a key's p99 ≤
100 ms at ≥ 5,000 flows/s. The provtap measured is --provtap, else the
one beside this binary, else on PATH, else built from this module;
--scale-parts picks some of them; PROVTAP_BENCH_HEAP=FILE writes the TUI child's heap profile to FILE.

--mem instead checks provtap's memory: a 50 MB upload and a 64 MB download
(https, verified by length and CRC-32 at the far end) and --mem-c
connections at once for --mem-d; it exits 1 when a transfer fails or the
peak RSS exceeds 250 MB.

Exit status: 0 when it ran, 1 when a measurement failed, 2 for a wrong
command line.`

// result is what the -mem and -scale modes print; not ok: a measurement
// failed or a limit was exceeded (exit status 1).
type result interface {
	print(io.Writer)
	ok() bool
}

// printHelp is --help: what the benchmark runs, the targets, each flag.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: provtap-bench [flags]\n\n%s\n\nflags:\n", benchAbout)
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		line := "  " + dash + f.Name
		if arg != "" {
			line += " " + arg
		}
		if d := f.DefValue; d != "" && d != "0" && d != "false" {
			usage += " (default " + d + ")"
		}
		fmt.Fprintf(w, "%s\n        %s\n", line, usage)
	})
}
