package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http/httputil"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec is one measurement: conns keep-alive connections, each driven by
// its own goroutine, sending GET /scim/v2/Users/<id> back to back, or paced
// to rate/conns a second each.
type loadSpec struct {
	proxy    string // proxy host:port; "" sends straight to the upstream
	upstream string // upstream host:port
	https    bool   // TLS to the upstream (through CONNECT when proxied)
	roots    *x509.CertPool
	conns    int
	rate     int           // requests per second over all connections; 0: back to back
	warm     time.Duration // not measured: connections, handshakes, pools
	dur      time.Duration
	onWindow func(start bool) // called at the start and end of the measured window
}

// loadResult counts what completed inside the measured window.
type loadResult struct {
	n, errs   int
	all       int // answered, warm-up included
	lastErr   error
	elapsed   time.Duration
	lat       []time.Duration
	clientCPU time.Duration // the load generator's own CPU time in the window
}

// runLoad is a lean HTTP/1.1 client: pre-built request bytes, a minimal
// response parser, no per-request allocations to speak of, so that the
// direct measurement is the machine's ceiling rather than the client's.
func runLoad(s loadSpec) loadResult {
	start := time.Now().Add(s.warm)
	end := start.Add(s.dur)
	var wg sync.WaitGroup
	res := make([]loadResult, s.conns)
	var stopped atomic.Bool
	for i := range s.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = worker(s, i, start, end, &stopped)
		}()
	}
	var cpu0, cpu1 time.Duration
	time.Sleep(time.Until(start))
	cpu0 = selfCPU()
	if s.onWindow != nil {
		s.onWindow(true)
	}
	time.Sleep(time.Until(end))
	cpu1 = selfCPU()
	if s.onWindow != nil {
		s.onWindow(false)
	}
	stopped.Store(true)
	wg.Wait()
	out := loadResult{elapsed: s.dur, clientCPU: cpu1 - cpu0}
	for _, r := range res {
		out.n += r.n
		out.errs += r.errs
		out.all += r.all
		if r.lastErr != nil {
			out.lastErr = r.lastErr
		}
		out.lat = append(out.lat, r.lat...)
	}
	return out
}

// conn is one client connection, reconnected after errors or "close".
type conn struct {
	s   loadSpec
	c   net.Conn
	br  *bufio.Reader
	req []byte
}

func (k *conn) dial() error {
	k.close()
	addr := k.s.upstream
	if k.s.proxy != "" {
		addr = k.s.proxy
	}
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if k.s.https {
		if k.s.proxy != "" {
			if err := connectTunnel(c, k.s.upstream); err != nil {
				c.Close()
				return err
			}
		}
		host, _, _ := net.SplitHostPort(k.s.upstream)
		cfg := &tls.Config{ServerName: host, RootCAs: k.s.roots, NextProtos: []string{"http/1.1"}}
		if k.s.roots == nil {
			cfg.InsecureSkipVerify = true // direct to the self-signed upstream
		}
		tc := tls.Client(c, cfg)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return fmt.Errorf("TLS through %s: %w", addr, err)
		}
		c = tc
	}
	_ = c.SetDeadline(time.Time{})
	k.c = c
	if k.br == nil {
		k.br = bufio.NewReaderSize(c, 32<<10)
	} else {
		k.br.Reset(c)
	}
	return nil
}

func (k *conn) close() {
	if k.c != nil {
		k.c.Close()
		k.c = nil
	}
}

// connectTunnel sends CONNECT and reads the proxy's answer byte by byte, so
// nothing of the TLS stream that follows is buffered away.
func connectTunnel(c net.Conn, hostport string) error {
	if _, err := fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", hostport, hostport); err != nil {
		return err
	}
	var head []byte
	b := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if _, err := c.Read(b); err != nil {
			return fmt.Errorf("CONNECT: %w", err)
		}
		head = append(head, b[0])
		if len(head) > 8192 {
			return errors.New("CONNECT: answer too long")
		}
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 200")) && !bytes.HasPrefix(head, []byte("HTTP/1.0 200")) {
		return fmt.Errorf("CONNECT refused: %q", bytes.SplitN(head, []byte("\r\n"), 2)[0])
	}
	return nil
}

// request builds the request for user id into k.req.
func (k *conn) request(id int) []byte {
	b := k.req[:0]
	b = append(b, "GET "...)
	if k.s.proxy != "" && !k.s.https {
		b = append(b, "http://"...)
		b = append(b, k.s.upstream...)
	}
	b = append(b, "/scim/v2/Users/2819c223-7f76-453a-919d-"...)
	b = strconv.AppendInt(b, int64(100000000000+id), 10)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, k.s.upstream...)
	b = append(b, "\r\nUser-Agent: provtap-bench\r\nAccept: application/scim+json\r\n"+
		"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2NpbS1iZW5jaA.sig\r\n\r\n"...)
	k.req = b
	return b
}

func worker(s loadSpec, idx int, start, end time.Time, stopped *atomic.Bool) loadResult {
	var r loadResult
	r.lat = make([]time.Duration, 0, 4096)
	k := &conn{s: s, req: make([]byte, 0, 512)}
	defer k.close()
	var every time.Duration
	if s.rate > 0 {
		every = time.Duration(int64(time.Second) * int64(s.conns) / int64(s.rate))
	}
	// Paced connections start spread over one interval, not in step.
	next := time.Now().Add(every * time.Duration(idx) / time.Duration(max(s.conns, 1)))
	for seq := 0; !stopped.Load(); seq++ {
		if every > 0 {
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			}
			next = next.Add(every)
		}
		if k.c == nil {
			if err := k.dial(); err != nil {
				if time.Now().After(start) {
					r.errs++
					r.lastErr = err
				}
				time.Sleep(20 * time.Millisecond)
				continue
			}
		}
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		status, closeAfter, err := k.roundTrip(idx*1_000_000 + seq)
		if err == nil && status != 200 {
			err = fmt.Errorf("status %d", status)
		}
		inWindow := !t0.Before(start)
		if err != nil {
			k.close()
			if inWindow {
				r.errs++
				r.lastErr = err
			}
			continue
		}
		r.all++
		if inWindow {
			r.n++
			r.lat = append(r.lat, time.Since(t0))
		}
		if closeAfter {
			k.close()
		}
	}
	return r
}

func (k *conn) roundTrip(id int) (status int, closeAfter bool, err error) {
	if _, err := k.c.Write(k.request(id)); err != nil {
		return 0, false, err
	}
	return readResponse(k.br)
}

// readResponse reads one response head and discards its body
// (Content-Length, chunked, or until close).
func readResponse(br *bufio.Reader) (status int, closeAfter bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	closeAfter = line[7] == '0'
	length, chunked := int64(-1), false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			length, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil {
				return 0, false, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.Contains(bytes.ToLower(value), []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closeAfter = closeAfter || bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case chunked:
		if _, err := io.Copy(io.Discard, httputil.NewChunkedReader(br)); err != nil {
			return 0, false, err
		}
		for { // trailers, then the blank line
			line, err := br.ReadSlice('\n')
			if err != nil {
				return 0, false, err
			}
			if len(bytes.TrimRight(line, "\r\n")) == 0 {
				break
			}
		}
	case length >= 0:
		if _, err := br.Discard(int(length)); err != nil {
			return 0, false, err
		}
	default:
		_, err := io.Copy(io.Discard, br)
		return status, true, err
	}
	return status, closeAfter, nil
}

// percentile of sorted latencies (p in 0..100).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p / 100)
	return sorted[i]
}

func sortDurations(d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
}
