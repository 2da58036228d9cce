package main

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/ui"
)

// tuiChild is the live TUI under load, in a process of its own so its RSS
// is its own: the flows the parent sends (gob on stdin) go the way a live
// session's do —
// recorded to a new capture file (har.Pump), analyzed (analyze.Engine),
// fed without their bodies to the real ui model, which holds a row per
// flow and reads the rest back through the recorder's Store — as fast as
// the model takes them. The model runs in a bubbletea program without a
// renderer; a key is sent every 10 ms and a frame drawn with it, and each
// key's time from sending to handled is kept. It prints "rss" lines at
// each quarter of the flows and a "done" line.
func tuiChild(dir string, total int) int {
	rec, err := har.NewRecorder(filepath.Join(dir, "live.har"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "provtap-bench child:", err)
		return 1
	}
	defer rec.Close()
	ui.TuneMemory(true) // as ui.Run does live
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	feed := ui.NewFeed()
	m := ui.NewModel(ui.Options{Mode: "bench", Live: true, Follow: true, Store: rec.Store(), CapturePath: rec.Path(), Renderer: r}, feed)
	kt := &keyTimer{m: m}
	p := tea.NewProgram(kt, tea.WithoutRenderer(), tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
	ran := make(chan struct{})
	go func() { p.Run(); close(ran) }()
	p.Send(tea.WindowSizeMsg{Width: 160, Height: 48})

	stopKeys := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stopKeys:
				return
			case <-tick.C:
			}
			k := "j"
			if i%2 == 1 {
				k = "k"
			}
			kt.sent(time.Now())
			p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)})
		}
	}()

	// The flows come from the parent, which reads the capture (its index
	// is not the live session's memory), as a proxy hands them over.
	flows := make(chan *capture.Flow, 1024)
	go func() {
		defer close(flows)
		dec := gob.NewDecoder(bufio.NewReaderSize(os.Stdin, 1<<20))
		for {
			f := new(capture.Flow)
			if err := dec.Decode(f); err != nil {
				return
			}
			flows <- f
		}
	}()
	eng := analyze.NewEngine()
	start := time.Now()
	var paused time.Duration // waiting for the UI to drain, to read the RSS: not flow time
	n := 0
	quarter := max(total/4, 1)
	har.Pump(flows, rec, func(f *capture.Flow, loc har.Loc, _ error) {
		feed.AddStored(har.WithoutBodies(f), loc, eng.Add(f))
		n++
		for feed.Backlog() > 20_000 {
			time.Sleep(time.Millisecond) // the UI takes a batch per frame
		}
		if n%quarter == 0 && n < total {
			t := time.Now()
			drained(feed)
			paused += time.Since(t)
			fmt.Printf("rss flows=%d mb=%d\n", n, procStatusKB(os.Getpid(), "VmRSS")/1024)
		}
	})
	feed.Add(nil, eng.Flush())
	drained(feed)
	secs := (time.Since(start) - paused).Seconds()
	close(stopKeys)
	time.Sleep(50 * time.Millisecond)
	p50, p99, keys := kt.percentiles()
	fmt.Printf("rss flows=%d mb=%d\n", n, procStatusKB(os.Getpid(), "VmRSS")/1024)
	if path := os.Getenv("PROVTAP_BENCH_HEAP"); path != "" { // where the memory goes, for a developer
		if f, err := os.Create(path); err == nil {
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
	fmt.Printf("done flows=%d secs=%.1f hwm=%d keys=%d p50=%s p99=%s\n", n, secs, procStatusKB(os.Getpid(), "VmHWM")/1024,
		keys, p50, p99)
	feed.Close()
	p.Quit()
	<-ran
	return 0
}

// drained waits until the UI took every flow the feed holds.
func drained(feed *ui.Feed) {
	for feed.Backlog() > 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(150 * time.Millisecond) // and applied it (a feed batch is at most 50 ms old)
}

// keyTimer is the UI's model, timing each key from sent to handled and
// drawing a frame with it (the renderer is off).
type keyTimer struct {
	m     *ui.Model
	mu    sync.Mutex
	queue []time.Time
	lat   []time.Duration
}

func (k *keyTimer) sent(t time.Time) {
	k.mu.Lock()
	k.queue = append(k.queue, t)
	k.mu.Unlock()
}

func (k *keyTimer) Init() tea.Cmd { return k.m.Init() }

func (k *keyTimer) View() string { return k.m.View() }

func (k *keyTimer) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := k.m.Update(msg)
	if _, ok := msg.(tea.KeyMsg); ok {
		_ = k.m.View()
		k.mu.Lock()
		if len(k.queue) > 0 {
			k.lat = append(k.lat, time.Since(k.queue[0]))
			k.queue = k.queue[1:]
		}
		k.mu.Unlock()
	}
	return k, cmd
}

func (k *keyTimer) percentiles() (p50, p99 time.Duration, n int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := append([]time.Duration(nil), k.lat...)
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	if len(l) == 0 {
		return 0, 0, 0
	}
	return l[len(l)/2], l[len(l)*99/100], len(l)
}

// parseKV reads "name k=v k=v" lines of the child.
func parseKV(line string) map[string]string {
	out := map[string]string{}
	for _, f := range strings.Fields(line)[1:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			out[k] = v
		}
	}
	return out
}
