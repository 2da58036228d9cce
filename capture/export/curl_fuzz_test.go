//go:build !windows

package export

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// FuzzCurl exports arbitrary requests and checks that the command, read by a
// strict parser of the shell and curl syntax Curl emits (anything else is a
// failure: it could mean shell syntax from the request), sends exactly the
// request: the parser applies curl 7.88's own header rules. On the seed
// corpus (plain `go test`) every command also runs through bash (and zsh)
// and the real curl against an echo server.
//
// headers holds lines separated by \x1e, name and value by \x1f; opts bit 0
// is https, bit 1 HTTP/1.0, bit 2 a non-default port.
func FuzzCurl(f *testing.F) {
	f.Add("POST", "/admin/users", "Host\x1fidm.example.com\x1eContent-Type\x1fapplication/json", []byte(`{"a":1}`), byte(1))
	f.Add("PATCH", "/g/1?x=[1]", "Cookie\x1fJSESSIONID=1\x1eX\x1f$(touch x)\x1eX\x1f'", []byte("it's\x00\n"), byte(0))
	f.Add("HEAD", "/a/../b", "host\x1fh\x1eAccept\x1f", []byte(nil), byte(4))
	f.Add("GET", "/a b#c", "Connection\x1fX-A\x1eX-A\x1f1\x1eContent-Length\x1f9", []byte("@x"), byte(2))
	fuzzing := flag.Lookup("test.fuzz") != nil && flag.Lookup("test.fuzz").Value.String() != ""
	var s *echoServer
	var shs []string
	if !fuzzing {
		shs = shells(f)
		s = newEchoServer(f)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte, opts byte) {
		fl := fuzzFlow(method, target, headers, body, opts)
		want := replayExpected(fl)
		checkReplay(t, fl, want)
		cmd := Curl(fl)
		got, err := modelCurl(cmd)
		if err != nil {
			t.Fatalf("%v\ncommand:\n%s", err, clip(cmd))
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("the command sends\n%q\nwant\n%q\ncommand:\n%s", got, want, clip(cmd))
		}
		if s != nil {
			local := *fl
			local.Scheme, local.Host, local.Port = "http", s.host, s.port
			for _, shell := range shs {
				runShell(t, shell, Curl(&local), dir)
				if got, want := s.next(t), replayExpected(&local); !bytes.Equal(got, want) {
					t.Fatalf("%s: curl sent\n%q\nwant\n%q", shell, got, want)
				}
			}
		}
	})
}

func fuzzFlow(method, target, headers string, body []byte, opts byte) *capture.Flow {
	fl := &capture.Flow{Method: method, Target: target, Scheme: "http", Host: "h.example", Port: 80, Proto: "HTTP/1.1",
		URL: "http://h.example/u", RequestBody: capture.Body{Bytes: body, Size: int64(len(body))}}
	if opts&1 != 0 {
		fl.Scheme, fl.Port = "https", 443
	}
	if opts&2 != 0 {
		fl.Proto = "HTTP/1.0"
	}
	if opts&4 != 0 {
		fl.Port = 8443
	}
	if headers != "" {
		for _, line := range strings.Split(headers, "\x1e") {
			name, value, _ := strings.Cut(line, "\x1f")
			fl.RequestHeaders = append(fl.RequestHeaders, capture.Header{Name: name, Value: value})
		}
	}
	return fl
}

// checkReplay holds the replay to the flow, independently of newReplay: the
// method, target and body bytes as captured, and the headers in order minus
// only what Curl's contract drops or fixes.
func checkReplay(t *testing.T, fl *capture.Flow, want []byte) {
	t.Helper()
	head, body, ok := bytes.Cut(want, []byte("\r\n\r\n"))
	if !ok || !bytes.Equal(body, fl.RequestBody.Bytes) {
		t.Fatalf("body changed: %q", want)
	}
	lines := strings.Split(string(head), "\r\n")
	var exp []string
	dropped := map[string]bool{}
	for _, v := range fl.RequestHeaderValues("Connection") {
		for _, n := range strings.Split(v, ",") {
			dropped[strings.ToLower(strings.TrimSpace(n))] = true
		}
	}
	delete(dropped, "host")
	hasCL := false
	for _, h := range fl.RequestHeaders {
		n := strings.ToLower(h.Name)
		if httpx.IsHopByHop(n) || dropped[n] || !isFieldName(h.Name) {
			continue
		}
		v := strings.NewReplacer("\r", " ", "\n", " ", "\x00", " ").Replace(h.Value)
		if n == "content-length" {
			v, hasCL = strconv.Itoa(len(fl.RequestBody.Bytes)), true
		}
		if strings.Trim(v, " \t\v\f") == "" {
			exp = append(exp, h.Name+":")
		} else {
			exp = append(exp, h.Name+": "+v)
		}
	}
	if !capture.HasHeader(httpx.EndToEnd(fl.RequestHeaders), "Host") {
		exp = append([]string{"Host: " + flowAuthority(fl)}, exp...)
	}
	if !hasCL && len(fl.RequestBody.Bytes) > 0 {
		exp = append(exp, "Content-Length: "+strconv.Itoa(len(fl.RequestBody.Bytes)))
	}
	if strings.Join(lines[1:], "\n") != strings.Join(exp, "\n") {
		t.Fatalf("headers:\n%q\nwant\n%q", lines[1:], exp)
	}
	m := wireSafe(fl.Method)
	if m == "" {
		m = "GET"
	}
	if !strings.HasPrefix(lines[0], m+" ") {
		t.Fatalf("request line %q, method %q", lines[0], m)
	}
}

var errSyntax = errors.New("not the shell syntax Curl emits")

// shellParse reads the commands Curl emits: an optional `printf FMT |`, then
// `curl` and its arguments; words of bare safe characters, '…', $'…' and \'.
func shellParse(cmd string) (stdin []byte, args []string, err error) {
	var words [][]string // commands of a pipeline
	var cur []string
	var w strings.Builder
	inWord := false
	end := func() {
		if inWord {
			cur = append(cur, w.String())
			w.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(cmd); {
		c := cmd[i]
		switch {
		case c == ' ':
			end()
			i++
		case c == '\\' && i+1 < len(cmd) && cmd[i+1] == '\n':
			end()
			i += 2
		case c == '\\' && i+1 < len(cmd) && cmd[i+1] == '\'':
			w.WriteByte('\'')
			inWord = true
			i += 2
		case c == '|' && i+1 < len(cmd) && cmd[i+1] == '\n':
			end()
			words = append(words, cur)
			cur = nil
			i += 2
		case c == '\'':
			j := strings.IndexByte(cmd[i+1:], '\'')
			if j < 0 {
				return nil, nil, fmt.Errorf("%w: unterminated quote", errSyntax)
			}
			if j == 0 {
				return nil, nil, fmt.Errorf("%w: empty quotes at %d", errSyntax, i)
			}
			w.WriteString(cmd[i+1 : i+1+j])
			inWord = true
			i += j + 2
		case c == '$' && i+1 < len(cmd) && cmd[i+1] == '\'':
			n, err := ansiC(cmd[i+2:], &w)
			if err != nil {
				return nil, nil, err
			}
			inWord = true
			i += 2 + n
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_@.:/", c) >= 0:
			w.WriteByte(c)
			inWord = true
			i++
		default:
			return nil, nil, fmt.Errorf("%w: %q at %d", errSyntax, c, i)
		}
	}
	end()
	words = append(words, cur)
	switch {
	case len(words) == 1:
		return nil, words[0], nil
	case len(words) == 2 && len(words[0]) == 2 && words[0][0] == "printf":
		out, err := printfOut(words[0][1])
		return out, words[1], err
	}
	return nil, nil, fmt.Errorf("%w: pipeline %q", errSyntax, words)
}

// ansiC decodes the inside of $'…' up to its closing quote; it returns the
// bytes consumed including the quote.
func ansiC(s string, w *strings.Builder) (int, error) {
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\'' {
			return i + 1, nil
		}
		if c != '\\' {
			w.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			break
		}
		switch e := s[i+1]; e {
		case '\\', '\'':
			w.WriteByte(e)
		case 'n', 'r', 't':
			w.WriteByte(map[byte]byte{'n': '\n', 'r': '\r', 't': '\t'}[e])
		case 'x':
			b, err := strconv.ParseUint(s[i+2:min(i+4, len(s))], 16, 8)
			if err != nil || i+4 > len(s) {
				return 0, fmt.Errorf("%w: bad \\x in $'…'", errSyntax)
			}
			w.WriteByte(byte(b))
			i += 2
		default:
			return 0, fmt.Errorf("%w: escape \\%c in $'…'", errSyntax, e)
		}
		i += 2
	}
	return 0, fmt.Errorf("%w: unterminated $'…'", errSyntax)
}

// printfOut is what printf prints for format (no arguments), allowing only
// the escapes printfFormat writes.
func printfOut(format string) ([]byte, error) {
	var out []byte
	for i := 0; i < len(format); i++ {
		c := format[i]
		if i == 0 && c == '-' {
			return nil, fmt.Errorf("%w: printf format starts with -", errSyntax)
		}
		if c != '\\' && c != '%' {
			out = append(out, c)
			continue
		}
		if i+1 >= len(format) {
			return nil, fmt.Errorf("%w: printf format ends in %c", errSyntax, c)
		}
		e := format[i+1]
		switch {
		case c == '%' && e == '%':
			out = append(out, '%')
		case c == '\\' && e == '\\':
			out = append(out, '\\')
		case c == '\\' && (e == 'r' || e == 't'):
			out = append(out, map[byte]byte{'r': '\r', 't': '\t'}[e])
		case c == '\\' && e == 'x' && i+3 < len(format):
			b, err := strconv.ParseUint(format[i+2:i+4], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("%w: bad \\x in printf", errSyntax)
			}
			out = append(out, byte(b))
			i += 2
		default:
			return nil, fmt.Errorf("%w: %c%c in printf format", errSyntax, c, e)
		}
		i++
	}
	return out, nil
}
