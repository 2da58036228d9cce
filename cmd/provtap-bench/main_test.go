package main

import (
	"bufio"
	"bytes"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the bench's child processes.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == childFlag {
		os.Exit(childMain(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// TestBenchTiny runs the whole benchmark in a tiny configuration: every
// target answers over http and https, and provtap records what it answered.
func TestBenchTiny(t *testing.T) {
	cfg := config{conns: 2, dur: 300 * time.Millisecond, rounds: 1, schemes: []string{"http", "https"}}
	rep, err := run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"direct", "bare", "provtap"} {
		for _, s := range cfg.schemes {
			r := rep.row(target, s)
			if r == nil {
				t.Fatalf("no row for %s %s", target, s)
			}
			if r.rps() <= 0 || len(r.lat) == 0 {
				t.Errorf("%s %s: %.0f req/s, %d latencies (errors %d, last %v)", target, s, r.rps(), len(r.lat), r.errs, r.lastErr)
			}
			if r.errs > 0 {
				t.Errorf("%s %s: %d errors, last %v", target, s, r.errs, r.lastErr)
			}
		}
	}
	if rep.row("mitmdump", "http") != nil {
		t.Error("mitmdump measured although it was not asked for")
	}
	var out bytes.Buffer
	rep.print(&out)
	for _, want := range []string{"req/s provtap/bare, median of rounds", "req/s provtap/bare, all rounds", "p99 provtap/bare", "≤ 1.20",
		"proxy CPU/req provtap/bare, median of rounds",
		"provtap consumer:", "mitmdump skipped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	t.Log("\n" + out.String())
}

// TestPacedLoad: with a rate, the load generator sends no more than it
// allows (unpaced, this loopback server answers thousands a second).
func TestPacedLoad(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "{}") }))
	defer srv.Close()
	s := loadSpec{upstream: srv.Listener.Addr().String(), conns: 4, rate: 40, warm: 100 * time.Millisecond, dur: time.Second}
	res := runLoad(s)
	if res.errs > 0 || res.n == 0 {
		t.Fatalf("%d answered, %d errors (last %v)", res.n, res.errs, res.lastErr)
	}
	// 40 a second for one second, give or take a request per connection.
	if res.n > 40+s.conns {
		t.Errorf("paced at 40 req/s, %d requests were answered in 1 s", res.n)
	}
	var out bytes.Buffer
	rep := &report{cfg: config{rate: 40, schemes: []string{"http"}}}
	rep.print(&out)
	if !strings.Contains(out.String(), "paced at 40 req/s in all: req/s is not judged") {
		t.Errorf("a paced report does not say so:\n%s", out.String())
	}
}

func TestReadResponse(t *testing.T) {
	for _, tc := range []struct {
		in     string
		status int
		close  bool
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 204", 200, false},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 204", 200, false},
		{"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 502, true},
		{"HTTP/1.0 200 OK\r\n\r\nuntil close", 200, true},
	} {
		br := bufioReader(tc.in)
		status, closeAfter, err := readResponse(br)
		if err != nil || status != tc.status || closeAfter != tc.close {
			t.Errorf("%q: status %d close %v err %v", tc.in, status, closeAfter, err)
			continue
		}
		if rest, _ := br.Peek(br.Buffered()); len(rest) > 0 && !bytes.HasPrefix(rest, []byte("HTTP/1.1 204")) {
			t.Errorf("%q: left %q unread", tc.in, rest)
		}
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }

// --help says what the benchmark runs, the targets and every flag, once,
// on stdout; a wrong flag is one line on stderr.
func TestHelp(t *testing.T) {
	var out, errb bytes.Buffer
	if code := cli([]string{"--help"}, &out, &errb); code != 0 || errb.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	help := out.String()
	for _, want := range []string{"usage: provtap-bench [flags]", "  direct ", "  bare ", "  provtap ", "  mitmdump ", "≥ 0.90", "≤\n1.20", "median of the per-round ratios", "--mem instead",
		"\n  -c CONNECTIONS\n", "\n  -d DURATION\n", "\n  --rounds ROUNDS\n", "\n  --targets TARGETS\n", "\n  --provtap-consumer CONSUMER\n",
		"\n  --mem-c CONNECTIONS\n", "\n  --mitmdump BINARY\n", "\n  -q\n", "\n  --h2\n", "\n  --cpuprofile PREFIX\n", "\n  --schemes SCHEMES\n", "\n  --mem\n", "\n  --mem-d DURATION\n",
		"-scale N instead", "\n  --scale N\n", "\n  --seed SEED\n", "\n  --provtap BINARY\n", "\n  --scale-parts PARTS\n", "\n  --rate REQ/S\n"} {
		if !strings.Contains(help, want) {
			t.Errorf("--help lacks %q:\n%s", want, help)
		}
	}
	for args, want := range map[string]string{
		"--nope":             "provtap-bench: flag provided but not defined: --nope (provtap-bench --help lists the flags)\n",
		"--targets=direct,x": `provtap-bench: --targets direct,x: "x" is not direct, bare, provtap or mitmdump` + "\n",
		"extra":              `provtap-bench: takes no arguments, got "extra" (provtap-bench --help)` + "\n",
	} {
		out.Reset()
		errb.Reset()
		if code := cli(strings.Fields(args), &out, &errb); code != 2 || errb.String() != want || out.Len() != 0 {
			t.Errorf("%s: exit %d, stderr %q, want %q", args, code, errb.String(), want)
		}
	}
}

// -scale runs its whole course on a small generated capture: open on a
// pseudo-terminal, analyze beside jq, the live TUI child; each figure is
// printed beside its goal (what the figures are is not a test's business).
func TestScaleTiny(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "provtap")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/provtap/provtap/cmd/provtap").CombinedOutput(); err != nil {
		t.Fatalf("building provtap: %v %s", err, out)
	}
	rep, err := runScale(config{scale: 400, seed: 1, provtap: bin})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.print(&out)
	want := []string{"provtap-bench -scale 400: ", "analyze --format json", "analyze: peak RSS", "live TUI: RSS at each quarter",
		"live TUI: peak RSS", "live TUI: a key while flows arrive", "≤ 300 MB at 10⁶ flows"}
	if ptyWorks {
		want = append(want, "open: first screen drawn", "open: first flows shown", "open: fully loaded", "open: peak RSS")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("the report lacks %q:\n%s", w, out.String())
		}
	}
	if strings.Contains(out.String(), "failed") || rep.openErr != nil || rep.analyzeErr != nil || rep.tuiErr != nil {
		t.Errorf("a measurement failed: open %v, analyze %v, tui %v\n%s", rep.openErr, rep.analyzeErr, rep.tuiErr, out.String())
	}
	t.Log("\n" + out.String())
}

// The throughput goal is judged per round (provtap beside the bare martian
// of the same round); p99's goal is the 1.20.
func TestJudged(t *testing.T) {
	if got := medianRatio([]float64{90, 50, 100}, []float64{100, 100, 100}); got != 0.9 {
		t.Errorf("median of 0.9, 0.5, 1.0 = %v", got)
	}
	if got := medianRatio([]float64{90, 80}, []float64{100, 100, 100}); math.Abs(got-0.85) > 1e-9 {
		t.Errorf("median of 0.9, 0.8 = %v", got)
	}
	for _, tc := range []struct {
		r, goal float64
		atLeast bool
		want    string
	}{
		{0.91, goalRPS, true, "0.91 PASS"}, {0.89, goalRPS, true, "0.89 MISS"},
		{1.19, goalP99, false, "1.19 PASS"}, {1.21, goalP99, false, "1.21 MISS"}, {0, goalP99, false, "-"},
	} {
		if got := judged(tc.r, tc.goal, tc.atLeast); got != tc.want {
			t.Errorf("judged(%v, %v, %v) = %q, want %q", tc.r, tc.goal, tc.atLeast, got, tc.want)
		}
	}
}
