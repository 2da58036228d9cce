package export

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture"
)

// runCurlConfig writes a config (and its body file, when it has one) into
// dir, as provtap export --out does, and runs curl -K on it with a clean
// environment: no shell is involved.
func runCurlConfig(t testing.TB, f *capture.Flow, dir string, env ...string) string {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is required for the round-trip tests: ", err)
	}
	path := filepath.Join(dir, "request.curl")
	config, body := CurlConfig(f, path+".body")
	os.Remove(path + ".body")
	if body != nil {
		if err := os.WriteFile(path+".body", body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "curl", "-K", path)
	c.Dir = filepath.Join(dir, "elsewhere") // the body file is found by its absolute path
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	c.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SYSTEMROOT=" + os.Getenv("SYSTEMROOT")}, env...)
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("curl -K failed: %v\n%s\nconfig:\n%s", err, stderr.Bytes(), clip(config))
	}
	return config
}

// The curl config sends the very bytes the bash command sends, on the same
// corpus: NUL bytes, 10 MiB bodies, bytes that are not UTF-8, odd methods.
func TestCurlConfigRoundTrip(t *testing.T) {
	s := newEchoServer(t)
	dir := t.TempDir()
	bodyFiles := 0
	for _, tc := range curlCases(s) {
		t.Run(tc.name, func(t *testing.T) {
			want := replayExpected(tc.flow)
			config := runCurlConfig(t, tc.flow, dir)
			if got := s.next(t); !bytes.Equal(got, want) {
				t.Errorf("the server received\n%q\nwant\n%q\nconfig:\n%s", clip(string(got)), clip(string(want)), clip(config))
			}
			if strings.Contains(config, "data-binary") {
				bodyFiles++
			}
		})
	}
	if bodyFiles < 4 {
		t.Errorf("only %d cases used a body file", bodyFiles)
	}
}

// Over TLS, to a server that offers HTTP/2, the config still sends the
// HTTP/1.1 bytes.
func TestCurlConfigHTTPS(t *testing.T) {
	s, ca := newTLSEchoServer(t)
	f := s.flow("POST", "/admin/users", []capture.Header{hostH(s), {Name: "Authorization", Value: "Basic cHJvdjpzM2NyZXQ="},
		{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: "7"}}, `{"a":1}`)
	f.Scheme = "https"
	runCurlConfig(t, f, t.TempDir(), "CURL_CA_BUNDLE="+ca)
	if got, want := s.next(t), RawRequest(f); !bytes.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// An ordinary request reads as plain text: no escapes, the body inline.
func TestCurlConfigReadable(t *testing.T) {
	f := &capture.Flow{Method: "PATCH", Scheme: "https", Host: "idm.example.com", Port: 443, Target: "/scim/v2/Groups/7",
		RequestHeaders: []capture.Header{{Name: "Host", Value: "idm.example.com"}, {Name: "Authorization", Value: `Bearer ey"J`},
			{Name: "Content-Type", Value: "application/scim+json"}, {Name: "Content-Length", Value: "25"}},
		RequestBody: capture.Body{Bytes: []byte("{\"op\":\"add\",\n\t\"path\":\"x\"}"), Size: 25}}
	want := "# curl -K THIS-FILE sends the request again, byte for byte (provtap export --format curl-config)\n" +
		"http1.1\n" +
		"request = \"PATCH\"\n" +
		"url = \"https://idm.example.com/scim/v2/Groups/7\"\n" +
		"header = \"Authorization: Bearer ey\\\"J\"\n" +
		"header = \"Content-Type: application/scim+json\"\n" +
		"header = \"User-Agent:\"\n" +
		"header = \"Accept:\"\n" +
		"data-raw = \"{\\\"op\\\":\\\"add\\\",\\n\\t\\\"path\\\":\\\"x\\\"}\"\n"
	config, body := CurlConfig(f, `C:\Users\jo\req.curl.body`)
	if config != want || body != nil {
		t.Errorf("got\n%s\nbody %q\nwant\n%s", config, body, want)
	}
	f.RequestBody = capture.Body{Bytes: []byte("a\x00b"), Size: 3}
	config, body = CurlConfig(f, `C:\Users\jo\req "x".curl.body`)
	if !strings.HasSuffix(config, "\ndata-binary = \"@C:\\\\Users\\\\jo\\\\req \\\"x\\\".curl.body\"\n") || string(body) != "a\x00b" {
		t.Errorf("a binary body: %q\n%s", body, config)
	}
}

// Nothing in a header, the target, the method or the body becomes a curl
// option of its own: each stays inside its quoted value.
func TestCurlConfigCanary(t *testing.T) {
	s := newEchoServer(t)
	dir := t.TempDir()
	evil := []string{
		`"` + "\n" + `output = "CANARY`, `\" output = CANARY #`, "\\\"\r\nconfig = /etc/passwd", `x" -o CANARY "`,
		"\\", "\\\\\"", "#output = CANARY", "\v\f\x1b[2J", "url = file:///etc/passwd", "@CANARY",
	}
	for i, e := range evil {
		hs := []capture.Header{hostH(s), {Name: "X-Evil", Value: e}, {Name: "X-" + strconv.Itoa(i), Value: e}}
		for _, f := range []*capture.Flow{
			s.flow("X"+strings.NewReplacer(" ", "", "\n", "", "\r", "").Replace(e), "/?q="+e, hs, e),
			s.flow("POST", "/"+strings.ReplaceAll(e, " ", ""), hs, strings.Repeat(e+"\x00", 10)),
		} {
			want := replayExpected(f)
			config := runCurlConfig(t, f, dir)
			if got := s.next(t); !bytes.Equal(got, want) {
				t.Errorf("%q: got %q want %q\nconfig:\n%s", e, clip(string(got)), clip(string(want)), config)
			}
			for _, name := range []string{filepath.Join(dir, "elsewhere", "CANARY"), filepath.Join(dir, "CANARY")} {
				if _, err := os.Stat(name); err == nil {
					t.Fatalf("%q escaped its value:\n%s", e, config)
				}
			}
		}
	}
}

// parseCurlConfig reads a config file as curl 7.88's parseconfig does
// (src/tool_parsecfg.c): per line, leading blanks skipped, '#' lines
// ignored, the option up to a blank, '=' or ':', then blanks and
// separators, then a "quoted" value with \t \n \r \v and \x for any other x,
// or a bare word. A quoted value must end in its line.
func parseCurlConfig(config string) ([]curlOpt, error) {
	var opts []curlOpt
	for _, line := range strings.Split(strings.TrimSuffix(config, "\n"), "\n") {
		line = strings.TrimLeft(line, " \t")
		if line == "" || line[0] == '#' {
			continue
		}
		end := strings.IndexAny(line, " \t=:")
		if end < 0 {
			opts = append(opts, curlOpt{name: line, flag: true})
			continue
		}
		name, rest := line[:end], strings.TrimLeft(line[end:], " \t=:")
		if rest == "" || rest[0] != '"' {
			return nil, fmt.Errorf("%s: an unquoted value %q", name, rest)
		}
		var v strings.Builder
		i, closed := 1, false
		for ; i < len(rest); i++ {
			c := rest[i]
			if c == '"' {
				closed = true
				break
			}
			if c == '\\' && i+1 < len(rest) {
				i++
				c = map[byte]byte{'t': '\t', 'n': '\n', 'r': '\r', 'v': '\v'}[rest[i]]
				if c == 0 {
					c = rest[i]
				}
			}
			v.WriteByte(c)
		}
		if !closed || strings.TrimSpace(rest[i+1:]) != "" {
			return nil, fmt.Errorf("%s: the quoted value does not end the line: %q", name, rest)
		}
		opts = append(opts, curlOpt{name: name, value: v.String()})
	}
	return opts, nil
}

// FuzzCurlConfig: whatever the method, target, headers and body, every line
// of the config reads back, as curl reads it, as exactly the option the
// request needs: no value can end early or start an option of its own.
func FuzzCurlConfig(f *testing.F) {
	f.Add("PATCH", "/a?b=c", "X-A: 1\nAuthorization: Basic x", []byte(`{"a":"b"}`))
	f.Add("GET", "/\"\\\n#", "X: \" \\\" \\\\\nY: \v\x1a\x00", []byte("\x00"))
	f.Add("M\"", "*", "Host: h\"\nX:", []byte(strings.Repeat("é", 40000)))
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		fl := &capture.Flow{Method: method, Scheme: "https", Host: "h.example", Port: 8443, Target: target, Proto: "HTTP/1.1",
			RequestBody: capture.Body{Bytes: body, Size: int64(len(body))}}
		for _, l := range strings.Split(headers, "\n") {
			if name, value, ok := strings.Cut(l, ":"); ok {
				fl.RequestHeaders = append(fl.RequestHeaders, capture.Header{Name: name, Value: strings.TrimSpace(value)})
			}
		}
		r := NewRequest(fl)
		config, fileBody := r.CurlConfig("/tmp/x \"y\".body")
		got, err := parseCurlConfig(config)
		if err != nil {
			t.Fatalf("%v\n%s", err, config)
		}
		p := r.plan()
		want := append(append([]curlOpt{}, p.head...), p.headers...)
		switch {
		case fileBody != nil:
			want = append(want, curlOpt{name: "data-binary", value: "@/tmp/x \"y\".body"})
			if !bytes.Equal(fileBody, r.body) {
				t.Fatal("the body file is not the body")
			}
		case len(r.body) > 0:
			want = append(want, curlOpt{name: "data-raw", value: string(r.body)})
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("curl reads\n%+v\nwant\n%+v\nconfig:\n%s", got, want, config)
		}
	})
}
