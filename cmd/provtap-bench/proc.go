package main

import (
	"bufio"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a process under test: a child of this binary or mitmdump.
type proc struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
	addrs []string
	done  string // the child's last "done" line
}

// startChild re-executes this binary as a child with the given role.
func startChild(name string, args ...string) (*proc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, append([]string{childFlag}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	line, err := p.readLine(20 * time.Second)
	if err != nil || !strings.HasPrefix(line, "ready") {
		p.kill()
		return nil, fmt.Errorf("%s child did not start (%q): %v", name, line, err)
	}
	p.addrs = strings.Fields(line)[1:]
	return p, nil
}

func (p *proc) readLine(timeout time.Duration) (string, error) {
	type r struct {
		s   string
		err error
	}
	ch := make(chan r, 1)
	go func() {
		s, err := p.out.ReadString('\n')
		ch <- r{strings.TrimSpace(s), err}
	}()
	select {
	case x := <-ch:
		return x.s, x.err
	case <-time.After(timeout):
		return "", errors.New("timed out")
	}
}

// stat asks a child for its counters.
func (p *proc) stat() map[string]string {
	if p.out == nil {
		return nil
	}
	if _, err := io.WriteString(p.stdin, "stat\n"); err != nil {
		return nil
	}
	line, err := p.readLine(10 * time.Second)
	if err != nil {
		return nil
	}
	return fields(strings.TrimPrefix(line, "stat"))
}

func fields(s string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(s) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

// stop ends the process: a child by closing its stdin (it shuts down
// cleanly, finishing its capture and profile), mitmdump by SIGTERM.
func (p *proc) stop() {
	if p == nil || p.cmd.Process == nil {
		return
	}
	if p.out != nil {
		p.stdin.Close()
		for {
			line, err := p.readLine(15 * time.Second)
			if err != nil {
				break
			}
			if strings.HasPrefix(line, "done") {
				p.done = strings.TrimSpace(strings.TrimPrefix(line, "done"))
			}
		}
	} else {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		p.kill()
		<-exited
	}
}

func (p *proc) kill() { _ = p.cmd.Process.Kill() }

func (p *proc) pid() int { return p.cmd.Process.Pid }

// startMitmdump runs mitmdump on a free port with a fresh confdir and
// returns it with the pool trusting its CA.
func startMitmdump(path, dir string) (*proc, *x509.CertPool, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(path, "--listen-host", "127.0.0.1", "-p", port,
		"--set", "confdir="+dir, "--ssl-insecure", "-q")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	p := &proc{name: "mitmdump", cmd: cmd, addrs: []string{addr}}
	caFile := filepath.Join(dir, "mitmproxy-ca-cert.pem")
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			if pem, err := os.ReadFile(caFile); err == nil {
				pool := x509.NewCertPool()
				if pool.AppendCertsFromPEM(pem) {
					return p, pool, nil
				}
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, nil, fmt.Errorf("mitmdump did not listen on %s with a CA in %s within 30s", addr, dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// procCPU is the process's user+system CPU time (from /proc/PID/stat).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s) // f[0] is field 3 (state); utime is 14, stime 15
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// procStatusKB reads a "VmHWM:"-style line of /proc/PID/status, in kB.
func procStatusKB(pid int, key string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}

// procSyscalls is the process's count of read and write system calls
// (from /proc/PID/io: syscr, syscw).
func procSyscalls(pid int) (r, w int64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/io")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch k {
		case "syscr":
			r = n
		case "syscw":
			w = n
		}
	}
	return r, w
}
