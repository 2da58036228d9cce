package capturetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/provtap/provtap/internal/scenario"
)

// Callers are the real clients a scripted scenario runs on through rp, each
// keeping its cookies as a correct connector does: Go's net/http with a
// cookiejar, the curl binary with a jar file, the JDK's HttpClient with a
// CookieManager.
func Callers(rp *RunningProxy) []scenario.Caller {
	client := rp.Client()
	client.Jar, _ = cookiejar.New(nil)
	return []scenario.Caller{
		scenario.GoCaller{Client: client},
		CurlCaller{Curl: Curl{Proxy: rp.URL, CAFile: rp.CAFile}, KeepCookies: true},
		JDKCaller{JDK: JDK{Proxy: rp.URL, CAFile: rp.CAFile}, KeepCookies: true},
	}
}

// CurlCaller runs a script with the curl binary, one process per step, as
// an engineer reproduces a connector's calls by hand; with KeepCookies they
// share a jar file (-b and -c), else no cookie is kept.
type CurlCaller struct {
	Curl        Curl // Proxy, CAFile, Insecure; Jar and AnyAuth are not used
	KeepCookies bool
}

// Name implements scenario.Caller.
func (c CurlCaller) Name() string { return "curl" + jarSuffix(c.KeepCookies) }

func jarSuffix(keep bool) string {
	if keep {
		return "-jar"
	}
	return ""
}

// Call implements scenario.Caller.
func (c CurlCaller) Call(ctx context.Context, base string, steps []scenario.Step) ([]scenario.Reply, error) {
	bin, err := exec.LookPath("curl")
	if err != nil {
		return nil, fmt.Errorf("the curl binary is not installed: %w", err)
	}
	dir, err := os.MkdirTemp("", "provtap-curl-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var replies []scenario.Reply
	for i, s := range steps {
		if err := scenario.Pause(ctx, s.Pause); err != nil {
			return replies, err
		}
		head := filepath.Join(dir, "head"+strconv.Itoa(i))
		args := append([]string{"-sS", "-X", s.Method, "-D", head, "-o", "-"}, c.Curl.connArgs()...)
		if c.KeepCookies {
			// Relative names: curl reads a -b argument containing "=" as cookie data.
			args = append(args, "-c", "jar", "-b", "jar")
		}
		for _, h := range s.Header {
			if h[1] == "" {
				args = append(args, "-H", h[0]+";") // curl's spelling of an empty header
			} else {
				args = append(args, "-H", h[0]+": "+h[1])
			}
		}
		if s.Body != "" {
			bodyFile := filepath.Join(dir, "body"+strconv.Itoa(i))
			if err := os.WriteFile(bodyFile, []byte(s.Body), 0o600); err != nil {
				return replies, err
			}
			args = append(args, "--data-binary", "@"+bodyFile)
		}
		args = append(args, strings.TrimSuffix(base, "/")+s.Path)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return replies, fmt.Errorf("curl %s %s: %v: %s", s.Method, s.Path, err, strings.TrimSpace(stderr.String()))
		}
		raw, err := os.ReadFile(head)
		if err != nil {
			return replies, err
		}
		r, err := parseCurlHead(raw)
		if err != nil {
			return replies, fmt.Errorf("curl %s %s: %w", s.Method, s.Path, err)
		}
		r.Body = string(out)
		replies = append(replies, r)
	}
	return replies, nil
}

// parseCurlHead reads the last response head of curl's -D file (a proxy's
// "200 Connection established" and 1xx answers come before it).
func parseCurlHead(raw []byte) (scenario.Reply, error) {
	blocks := strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n\n")
	var last string
	for _, b := range blocks {
		if strings.HasPrefix(b, "HTTP/") {
			last = b
		}
	}
	lines := strings.Split(last, "\n")
	f := strings.Fields(lines[0])
	if len(f) < 2 {
		return scenario.Reply{}, fmt.Errorf("no status line in %q", raw)
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return scenario.Reply{}, fmt.Errorf("bad status line %q", lines[0])
	}
	r := scenario.Reply{Status: status, Header: http.Header{}}
	for _, l := range lines[1:] {
		if name, value, ok := strings.Cut(l, ":"); ok {
			r.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
		}
	}
	return r, nil
}

// JDKCaller runs a script with the JDK's java.net.http.HttpClient
// (java/ScriptConnector.java), one client for all steps; with KeepCookies
// it has a CookieManager, else it keeps no cookie.
type JDKCaller struct {
	JDK         JDK // Proxy, CAFile, WorkDir, JVMArgs
	KeepCookies bool
}

// Name implements scenario.Caller.
func (j JDKCaller) Name() string { return "jdk" + jarSuffix(j.KeepCookies) }

// Call implements scenario.Caller.
func (j JDKCaller) Call(ctx context.Context, base string, steps []scenario.Step) ([]scenario.Reply, error) {
	var flags []string
	if j.KeepCookies {
		flags = append(flags, "--cookie-manager")
	}
	return runScript(ctx, j.JDK, "ScriptConnector.java", base, steps, flags)
}

// ApacheCaller runs a script with Apache HttpClient 4.5
// (java/ApacheScript.java): HttpClients.custom() with its own
// BasicCookieStore, through Proxy.
type ApacheCaller struct {
	Apache Apache // JDK.CAFile, WorkDir, JVMArgs
	Proxy  string // provtap's URL or host:port; "" to connect directly
	// CookieSpec is "" for the library's default (CookieSpecs.DEFAULT, what
	// a connector gets unless it configures one), "standard" for
	// CookieSpecs.STANDARD (RFC 6265), "none" for disableCookieManagement().
	CookieSpec string
}

// Name implements scenario.Caller.
func (a ApacheCaller) Name() string {
	if a.CookieSpec == "" {
		return "apache"
	}
	return "apache-" + a.CookieSpec
}

// Call implements scenario.Caller.
func (a ApacheCaller) Call(ctx context.Context, base string, steps []scenario.Step) ([]scenario.Reply, error) {
	if err := ApacheInstalled(); err != nil {
		return nil, err
	}
	j := a.Apache.JDK
	j.Proxy = ""
	j.JVMArgs = append([]string{"-cp", strings.Join(ApacheJars, string(filepath.ListSeparator))}, j.JVMArgs...)
	var flags []string
	if a.Proxy != "" {
		flags = append(flags, "--proxy", proxyHostPort(a.Proxy))
	}
	if a.CookieSpec != "" {
		flags = append(flags, "--cookie-spec", a.CookieSpec)
	}
	return runScript(ctx, j, "ApacheScript.java", base, steps, flags)
}

// runScript writes the steps to a script file, runs source on it and reads
// the replies it prints.
func runScript(ctx context.Context, j JDK, source, base string, steps []scenario.Step, flags []string) ([]scenario.Reply, error) {
	script, err := os.CreateTemp("", "provtap-script-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(script.Name())
	w := bufio.NewWriter(script)
	for _, s := range steps {
		fmt.Fprintf(w, "STEP\t%s\t%d\t%s\n", s.Method, s.Pause.Milliseconds(), s.Path)
		for _, h := range s.Header {
			fmt.Fprintf(w, "H\t%s\t%s\n", h[0], h[1])
		}
		if s.Body != "" {
			fmt.Fprintf(w, "B\t%s\n", base64.StdEncoding.EncodeToString([]byte(s.Body)))
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	script.Close()
	cmd, done, err := j.command(ctx, source, append([]string{script.Name(), base}, flags...))
	if err != nil {
		return nil, err
	}
	defer done()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	replies, perr := parseReplies(out)
	if err != nil {
		return replies, fmt.Errorf("java %s: %v: %s", source, err, strings.TrimSpace(stderr.String()))
	}
	return replies, perr
}

// parseReplies reads the REPLY/H/B lines of ScriptConnector and ApacheScript.
func parseReplies(out []byte) ([]scenario.Reply, error) {
	var replies []scenario.Reply
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.SplitN(line, "\t", 3)
		switch {
		case f[0] == "REPLY" && len(f) == 2:
			status, err := strconv.Atoi(f[1])
			if err != nil {
				return replies, fmt.Errorf("bad reply line %q", line)
			}
			replies = append(replies, scenario.Reply{Status: status, Header: http.Header{}})
		case len(replies) == 0:
			continue
		case f[0] == "H" && len(f) == 3:
			replies[len(replies)-1].Header.Add(f[1], f[2])
		case f[0] == "B" && len(f) == 2:
			b, err := base64.StdEncoding.DecodeString(f[1])
			if err != nil {
				return replies, fmt.Errorf("bad body line: %v", err)
			}
			replies[len(replies)-1].Body = string(b)
		}
	}
	return replies, nil
}
