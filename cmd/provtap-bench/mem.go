package main

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

const (
	uploadSize   = 50 << 20
	downloadSize = 64 << 20
	memTargetMB  = 250
)

type transfer struct {
	what     string
	size     int64 // bytes that arrived at the other end
	want     int64
	crcOK    bool
	took     time.Duration
	err      error
	checksum uint32
}

func (t transfer) ok() bool { return t.err == nil && t.size == t.want && t.crcOK }

type memReport struct {
	cfg          config
	hwmKB, rssKB int64
	up, down     transfer
	load         [2]loadResult
	flows, done  string
}

func (m *memReport) ok() bool {
	return m.up.ok() && m.down.ok() && m.hwmKB > 0 && m.hwmKB/1024 <= memTargetMB
}

// runMem sends, all at once through one provtap child: a 50 MB upload and a
// 64 MB download (both https through CONNECT, verified by length and CRC-32
// at the far end) and cfg.memConns keep-alive connections (half http, half
// https) for cfg.memDur; then reads the child's VmHWM.
func runMem(cfg config) (*memReport, error) {
	e, err := newEnv(cfg)
	if err != nil {
		return nil, err
	}
	defer e.close()
	var prof []string
	if cfg.cpuprofile != "" {
		prof = []string{"-cpuprofile", cfg.cpuprofile + "-mem-provtap.pprof"}
	}
	pt, err := e.startProvtap(prof...)
	if err != nil {
		return nil, err
	}
	defer pt.stop()
	m := &memReport{cfg: cfg}
	proxyURL, _ := url.Parse("http://" + pt.addrs[0])
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{
		Proxy:              http.ProxyURL(proxyURL),
		TLSClientConfig:    &tls.Config{RootCAs: e.roots},
		DisableCompression: true,
	}}
	base := "https://" + e.upstreamAddr("https")

	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); m.up = upload(client, base) }()
	go func() { defer wg.Done(); m.down = download(client, base) }()
	half := max(cfg.memConns/2, 1)
	for i, s := range []string{"http", "https"} {
		go func() {
			defer wg.Done()
			m.load[i] = runLoad(loadSpec{proxy: pt.addrs[0], upstream: e.upstreamAddr(s), https: s == "https",
				roots: e.roots, conns: half, warm: 0, dur: cfg.memDur})
		}()
	}
	if cfg.progress != nil {
		fmt.Fprintf(cfg.progress, "memory mode: upload %d MB, download %d MB, %d connections for %v, all at once\n",
			uploadSize>>20, downloadSize>>20, 2*half, cfg.memDur)
	}
	wg.Wait()
	if st := pt.stat(); st != nil {
		m.flows = st["flows"]
	}
	m.hwmKB = procStatusKB(pt.pid(), "VmHWM")
	m.rssKB = procStatusKB(pt.pid(), "VmRSS")
	pt.stop()
	m.done = pt.done
	return m, nil
}

func crcOf(n int64) uint32 {
	c := crc32.NewIEEE()
	_, _ = io.Copy(c, patternReader(n))
	return c.Sum32()
}

func upload(client *http.Client, base string) transfer {
	t := transfer{what: "upload", want: uploadSize}
	start := time.Now()
	req, err := http.NewRequest(http.MethodPost, base+"/upload", patternReader(uploadSize))
	if err != nil {
		t.err = err
		return t
	}
	req.ContentLength = uploadSize
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := client.Do(req)
	if err != nil {
		t.err = err
		return t
	}
	defer res.Body.Close()
	var got struct {
		Received int64  `json:"received"`
		CRC32    uint32 `json:"crc32"`
	}
	if res.StatusCode != 200 {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		t.err = fmt.Errorf("status %d: %s", res.StatusCode, body)
		return t
	}
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.err = err
		return t
	}
	t.took = time.Since(start)
	t.size, t.checksum = got.Received, got.CRC32
	t.crcOK = got.CRC32 == crcOf(uploadSize)
	return t
}

func download(client *http.Client, base string) transfer {
	t := transfer{what: "download", want: downloadSize}
	start := time.Now()
	res, err := client.Get(fmt.Sprintf("%s/download?size=%d", base, downloadSize))
	if err != nil {
		t.err = err
		return t
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.err = fmt.Errorf("status %d", res.StatusCode)
		return t
	}
	c := crc32.NewIEEE()
	t.size, t.err = io.Copy(c, res.Body)
	t.took = time.Since(start)
	t.checksum = c.Sum32()
	t.crcOK = t.checksum == crcOf(downloadSize)
	return t
}

func (m *memReport) print(w io.Writer) {
	for _, t := range []transfer{m.up, m.down} {
		status := "ok"
		if !t.ok() {
			status = fmt.Sprintf("FAILED (%d of %d bytes, crc match %v, %v)", t.size, t.want, t.crcOK, t.err)
		}
		fmt.Fprintf(w, "%-8s %3d MB through provtap (https) in %v: %s\n", t.what, t.want>>20, t.took.Round(time.Millisecond), status)
	}
	for i, s := range []string{"http", "https"} {
		r := m.load[i]
		fmt.Fprintf(w, "load     %d %s connections for %v: %d requests (%.0f req/s), %d errors",
			m.cfg.memConns/2, s, m.cfg.memDur, r.n, float64(r.n)/r.elapsed.Seconds(), r.errs)
		if r.lastErr != nil {
			fmt.Fprintf(w, " (last: %v)", r.lastErr)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "provtap recorded: flows=%s; at shutdown: %s\n", m.flows, m.done)
	verdict := "meets"
	if m.hwmKB/1024 > memTargetMB {
		verdict = "MISSES"
	}
	fmt.Fprintf(w, "provtap peak RSS (VmHWM): %d MB (%s the ≤ %d MB target); RSS at the end %d MB\n",
		m.hwmKB/1024, verdict, memTargetMB, m.rssKB/1024)
}
