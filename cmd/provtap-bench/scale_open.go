package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// openTiming is what `provtap open` took on a terminal.
type openTiming struct {
	firstFrame time.Duration // the first screen drawn (its status line)
	firstFlows time.Duration // the first flows shown in the list
	loaded     time.Duration // every flow in, the status line saying so
	progress   bool          // the status line showed the progress while loading
	peakMB     int64
}

var flowsRe = regexp.MustCompile(`│ (\d+) flows? │([^\n]*)`)

// timeOpen runs `provtap open path` on a pseudo-terminal, answering the
// terminal queries a real terminal answers, and times its screens until
// the status line shows all total flows; then it quits with q.
func timeOpen(bin, path string, total int, limit time.Duration) (openTiming, error) {
	var t openTiming
	cmd := exec.Command(bin, "open", path)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "NO_COLOR=1")
	start := time.Now()
	master, err := startInPty(cmd, 160, 48)
	if err != nil {
		return t, err
	}
	defer master.Close()
	chunks := make(chan []byte, 64)
	go func() {
		defer close(chunks)
		for {
			b := make([]byte, 64<<10)
			n, err := master.Read(b)
			if n > 0 {
				chunks <- b[:n]
			}
			if err != nil {
				return
			}
		}
	}()
	deadline := time.After(limit)
	var tail []byte // the last bytes seen, so a sequence cut between reads is found
	for t.loaded == 0 {
		select {
		case b, ok := <-chunks:
			if !ok {
				cmd.Wait()
				return t, errors.New("provtap open exited before every flow was shown: " + lastLine(tail))
			}
			now := time.Since(start)
			tail = append(tail, b...)
			// Answer each query once, as a terminal does (the program writes
			// each in one piece).
			for i := bytes.Count(b, []byte("\x1b]11;?")); i > 0; i-- { // the background colour
				master.Write([]byte("\x1b]11;rgb:0000/0000/0000\x1b\\"))
			}
			for i := bytes.Count(b, []byte("\x1b[6n")); i > 0; i-- { // the cursor's position
				master.Write([]byte("\x1b[1;1R"))
			}
			text := ansi.Strip(string(tail))
			for _, m := range flowsRe.FindAllStringSubmatch(text, -1) {
				n, _ := strconv.Atoi(m[1])
				if t.firstFrame == 0 {
					t.firstFrame = now
				}
				if n > 0 && t.firstFlows == 0 {
					t.firstFlows = now
				}
				if bytes.Contains([]byte(m[2]), []byte("loading")) || bytes.Contains([]byte(m[2]), []byte("indexing")) {
					t.progress = true
				} else if n == total && t.loaded == 0 {
					t.loaded = now
				}
			}
			if len(tail) > 8<<10 {
				tail = append([]byte(nil), tail[len(tail)-4<<10:]...)
				tail = tail[bytes.IndexByte(tail, '\n')+1:]
			}
		case <-deadline:
			cmd.Process.Kill()
			cmd.Wait()
			return t, fmt.Errorf("provtap open had not shown all %d flows after %v", total, limit)
		}
	}
	t.peakMB = procStatusKB(cmd.Process.Pid, "VmHWM") / 1024
	master.Write([]byte("q"))
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	go func() {
		for range chunks { // keep the terminal drained until it exits
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	return t, nil
}

func lastLine(b []byte) string {
	s := ansi.Strip(string(b))
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	if i := bytes.LastIndexAny([]byte(s), "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}
