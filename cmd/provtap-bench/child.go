package main

import (
	"bufio"
	"crypto/tls"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/capture/proxy"

	"github.com/google/martian/v3"
	mlog "github.com/google/martian/v3/log"
	"github.com/google/martian/v3/mitm"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
)

// childFlag, as the first argument, makes the binary a child process: the
// upstream or one proxy under test, so that each has its own Go runtime
// (scheduler, GC) apart from the load generator's.
//
// Protocol: the child prints "ready ADDR..." on stdout, answers "stat" lines
// on stdin with "stat KEY=VALUE...", and on stdin's EOF shuts down, prints
// "done KEY=VALUE..." and exits.
const childFlag = "-child"

func childMain(args []string) int {
	fs := flag.NewFlagSet("child", flag.ContinueOnError)
	role := fs.String("role", "", "upstream, bare or provtap")
	home := fs.String("home", "", "directory of the CA (proxies)")
	har := fs.String("har", "", "capture file (provtap)")
	h2 := fs.Bool("h2", false, "upstream offers HTTP/2 over TLS")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of this process")
	consumer := fs.String("consumer", "full", "provtap's flow consumer: full, record, analyze or drain")
	dir := fs.String("dir", "", "where the live TUI records (tui)")
	flows := fs.Int("flows", 0, "how many flows the capture holds (tui)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *role == "tui" {
		return tuiChild(*dir, *flows)
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "provtap-bench child:", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "provtap-bench child:", err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	var (
		addrs    []string
		stat     func() string
		shutdown func() string
		err      error
	)
	switch *role {
	case "upstream":
		addrs, shutdown = serveUpstream(*h2)
		stat = func() string { return "" }
	case "bare":
		addrs, shutdown, err = serveBare(*home)
		stat = schedWait
	case "provtap":
		addrs, stat, shutdown, err = serveProvtap(*home, *har, *consumer)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "provtap-bench child:", err)
		return 1
	}
	fmt.Printf("ready")
	for _, a := range addrs {
		fmt.Printf(" %s", a)
	}
	fmt.Println()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "stat" {
			fmt.Println("stat " + stat())
		}
	}
	fmt.Println("done " + shutdown())
	return 0
}

// benchTransport has the settings of capture's newTransport (the tuned
// upstream client provtap uses).
func benchTransport() *http.Transport {
	dialer := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          2048,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		DisableCompression:    true,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: true},
	}
}

// asIs hides the *http.Transport from martian's SetRoundTripper, which would
// otherwise disable HTTP/2 and replace Proxy and Dial.
type asIs struct{ t *http.Transport }

func (a asIs) RoundTrip(req *http.Request) (*http.Response, error) { return a.t.RoundTrip(req) }

// serveBare is martian with nothing but the tuned transport and MITM.
func serveBare(home string) ([]string, func() string, error) {
	ca, err := proxy.LoadOrCreateCA(home)
	if err != nil {
		return nil, nil, err
	}
	mc, err := mitm.NewConfig(ca.Signer, ca.Key)
	if err != nil {
		return nil, nil, err
	}
	mc.SetValidity(24 * time.Hour)
	mc.SetOrganization("provtap-bench")
	mlog.SetLevel(mlog.Silent)
	t := benchTransport()
	mp := martian.NewProxy()
	mp.SetRoundTripper(asIs{t})
	mp.SetMITM(mc)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	go func() { _ = mp.Serve(ln) }()
	return []string{ln.Addr().String()}, func() string {
		ln.Close()
		t.CloseIdleConnections()
		return ""
	}, nil
}

// serveProvtap runs provtap as headless mode does: every flow recorded to a
// HAR file and given to all analyzers, in one consumer goroutine. consumer
// other than "full" leaves out analysis ("record"), recording ("analyze") or
// both ("drain"), to tell the capture path's cost from the consumer's.
func serveProvtap(home, harPath, consumer string) ([]string, func() string, func() string, error) {
	proxy.TuneRuntime() // as cmd/provtap does
	ca, err := proxy.LoadOrCreateCA(home)
	if err != nil {
		return nil, nil, nil, err
	}
	rec, err := har.NewRecorder(harPath)
	if err != nil {
		return nil, nil, nil, err
	}
	p, err := proxy.Listen(proxy.Options{Listen: "127.0.0.1:0", CA: ca, InsecureUpstream: true})
	if err != nil {
		rec.Close()
		return nil, nil, nil, err
	}
	eng := analyze.NewEngine()
	var flows, findings atomic.Int64
	var recErr atomic.Value
	done := make(chan struct{})
	go func() {
		defer close(done)
		record := consumer == "full" || consumer == "record"
		analyze := consumer == "full" || consumer == "analyze"
		var sink *har.Recorder
		if record {
			sink = rec
		}
		// The same consumer as headless mode: record (batched), then analyze.
		har.Pump(p.Flows(), sink, func(f *capture.Flow, _ har.Loc, err error) {
			if err != nil && recErr.Load() == nil {
				recErr.Store(err.Error())
			}
			if analyze {
				findings.Add(int64(len(eng.Add(f))))
			}
			flows.Add(1)
		})
		findings.Add(int64(len(eng.Flush())))
	}()
	stat := func() string {
		return fmt.Sprintf("flows=%d findings=%d %s", flows.Load(), findings.Load(), schedWait())
	}
	shutdown := func() string {
		p.Close()
		<-done
		rerr := rec.Close()
		if e := recErr.Load(); e != nil {
			return stat() + " error=" + strconv.Quote(e.(string))
		}
		if rerr != nil {
			return stat() + " error=" + strconv.Quote(rerr.Error())
		}
		var size int64
		if st, err := os.Stat(harPath); err == nil {
			size = st.Size()
		}
		return fmt.Sprintf("%s entries=%d harbytes=%d", stat(), rec.Entries(), size)
	}
	return []string{p.Addr()}, stat, shutdown, nil
}

// serveUpstream starts the SCIM-like upstream on http and https (a
// self-signed httptest certificate).
func serveUpstream(h2 bool) ([]string, func() string) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /scim/v2/Users/{id}", func(w http.ResponseWriter, r *http.Request) {
		body := userJSON(r.PathValue("id"))
		h := w.Header()
		h["Content-Type"] = []string{"application/scim+json"}
		h["Etag"] = []string{`W/"3694e05e9dff590"`}
		h["Content-Length"] = []string{strconv.Itoa(len(body))}
		_, _ = w.Write(body)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		crc := crc32.NewIEEE()
		n, err := io.Copy(crc, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"received":%d,"crc32":%d}`, n, crc.Sum32())
	})
	mux.HandleFunc("GET /download", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("size"), 10, 64)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		_, _ = io.Copy(w, patternReader(n))
	})
	plain := httptest.NewServer(mux)
	secure := httptest.NewUnstartedServer(mux)
	secure.EnableHTTP2 = h2
	secure.StartTLS()
	return []string{plain.Listener.Addr().String(), secure.Listener.Addr().String()}, func() string {
		plain.CloseClientConnections()
		secure.CloseClientConnections()
		return ""
	}
}

// userJSON is a SCIM user resource of about 400 bytes.
func userJSON(id string) []byte {
	return []byte(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"` + id +
		`","externalId":"bjensen","userName":"bjensen@example.com","name":{"formatted":"Ms. Barbara J Jensen III",` +
		`"familyName":"Jensen","givenName":"Barbara"},"displayName":"Babs Jensen","active":true,` +
		`"emails":[{"value":"bjensen@example.com","type":"work","primary":true}],` +
		`"meta":{"resourceType":"User","created":"2010-01-23T04:56:22Z","lastModified":"2011-05-13T04:42:34Z",` +
		`"version":"W/\"3694e05e9dff590\"","location":"https://example.com/v2/Users/` + id + `"}}`)
}

// patternReader yields n deterministic, incompressible-looking bytes; both
// ends of the memory test derive the expected checksum from it.
func patternReader(n int64) io.Reader {
	return io.LimitReader(&pattern{}, n)
}

type pattern struct{ x uint64 }

func (p *pattern) Read(b []byte) (int, error) {
	for i := range b {
		p.x = p.x*6364136223846793005 + 1442695040888963407
		b[i] = byte(p.x >> 56)
	}
	return len(b), nil
}
