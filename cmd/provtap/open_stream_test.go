package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
	"github.com/provtap/provtap/ui"

	tea "github.com/charmbracelet/bubbletea"
)

// provtap open streams: the first screen shows while the capture is still
// being read (the stream is held after its first 300 flows), the rest
// fills in behind it, and then the findings pane lists the same problems,
// on the same flow numbers, as provtap analyze on the same file.
func TestOpenStreamsAndAgreesWithAnalyze(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "night.har")
	corpus := capturetest.GenerateCorpus(2000, 7)
	if err := corpus.WriteHAR(path); err != nil {
		t.Fatal(err)
	}
	total := len(corpus.Flows)
	code, out, errs := runProvtap(t, "analyze", "--format", "json", path)
	if code != 0 && code != 1 {
		t.Fatalf("analyze: exit %d: %s", code, errs)
	}
	var report struct {
		Problems []struct {
			Kind  string `json:"kind"`
			Count int    `json:"count"`
			Flows []int  `json:"flows"`
		} `json:"problems"`
		Findings []json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &report); err != nil || len(report.Problems) == 0 {
		t.Fatalf("analyze's JSON: %v, %d problems", err, len(report.Problems))
	}

	store := har.OpenStore(path)
	defer store.Close()
	feed := ui.NewFeed()
	replayer := &lateReplayer{ready: make(chan struct{})}
	held, release := make(chan struct{}), make(chan struct{})
	go streamCapture(path, feed, replayer, time.UTC, func(n int64) {
		if n == 300 {
			close(held)
			<-release
		}
	})
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	m := ui.NewModel(ui.Options{Mode: "file: night.har", Renderer: r, Store: store, Zone: time.UTC, SelectWorst: true,
		Replayer: replayer, Sender: replayer}, feed)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(140, 70))
	<-held
	waitScreen(t, tm, fmt.Sprintf("loading: 300 of %d flows read and analyzed", total), "│ 300 flows │",
		fmt.Sprintf("#1 %s %d", corpus.Flows[0].Method, corpus.Flows[0].Status)) // the detail pane's title
	close(release)
	waitScreen(t, tm, fmt.Sprintf("│ %d flows │ %s", total, plural(len(report.Findings), "finding")))
	var lines [][]string // each problem's line, as the findings pane draws it
	for _, p := range report.Problems {
		span := "#" + strconv.Itoa(p.Flows[0])
		if len(p.Flows) > 1 {
			span += " … #" + strconv.Itoa(p.Flows[len(p.Flows)-1])
		}
		lines = append(lines, []string{p.Kind, strconv.Itoa(p.Count) + "×", span})
	}
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("f")})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		screen := strings.Split(ansi.Strip(string(b)), "\n")
		for _, want := range lines {
			found := false
			for _, line := range screen {
				found = found || strings.Contains(line, want[0]) && strings.Contains(line, want[1]) && strings.Contains(line, want[2])
			}
			if !found {
				return false
			}
		}
		return strings.Contains(string(b), fmt.Sprintf("Problems (%d, from %s)", len(report.Problems), plural(len(report.Findings), "finding")))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyMsg{Type: tea.KeyEnter}) // the worst problem, opened to its requests
	first := corpus.Flows[report.Problems[0].Flows[0]-1]
	waitScreen(t, tm, fmt.Sprintf("#%d %s %s → %d", first.ID, first.Method, first.Target, first.Status))
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// waitScreen waits until the program has drawn every one of subs.
func waitScreen(t *testing.T, tm *teatest.TestModel, subs ...string) {
	t.Helper()
	drawn := func(b []byte) bool {
		s := ansi.Strip(string(b))
		return !slices.ContainsFunc(subs, func(sub string) bool { return !strings.Contains(s, sub) })
	}
	teatest.WaitFor(t, tm.Output(), drawn, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
