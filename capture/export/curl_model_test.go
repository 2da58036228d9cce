//go:build !windows

package export

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// modelCurl is the request curl 7.88 sends for cmd, by its rules for
// arguments, URLs and headers (lib/http.c); options Curl never emits are
// errors.
func modelCurl(cmd string) ([]byte, error) {
	stdin, args, err := shellParse(cmd)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 || args[0] != "curl" {
		return nil, fmt.Errorf("%w: not a curl command", errSyntax)
	}
	var (
		method, rawURL, reqTarget string
		custom                    []string
		data                      []byte
		hasData, head, glob, asIs bool
		compressed                bool
		proto                     = "HTTP/1.1"
		h11                       bool
	)
	for i := 1; i < len(args); i++ {
		a := args[i]
		next := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("%s needs an argument", a)
			}
			i++
			return args[i], nil
		}
		var v string
		switch a {
		case "--http1.1":
			h11 = true
		case "--http1.0":
			proto = "HTTP/1.0"
		case "-I":
			head = true
		case "-g":
			glob = true
		case "--path-as-is":
			asIs = true
		case "--compressed":
			compressed = true
		case "-X", "--request-target", "-H", "--data-raw", "--data-binary":
			if v, err = next(); err != nil {
				return nil, err
			}
			switch a {
			case "-X":
				method = v
			case "--request-target":
				reqTarget = v
			case "-H":
				custom = append(custom, v)
			default:
				if hasData {
					return nil, errors.New("curl would join two data arguments with &")
				}
				hasData, data = true, []byte(v)
				if a == "--data-binary" {
					if v != "@-" || stdin == nil {
						return nil, fmt.Errorf("--data-binary %q", v)
					}
					data = stdin
				}
			}
		default:
			if strings.HasPrefix(a, "-") || rawURL != "" {
				return nil, fmt.Errorf("unexpected argument %q", a)
			}
			rawURL = a
		}
	}
	if head && hasData {
		return nil, errors.New("curl refuses -I with data")
	}
	if method == "" {
		method = map[bool]string{true: "POST", false: "GET"}[hasData]
		if head {
			method = "HEAD"
		}
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return nil, fmt.Errorf("URL %q", rawURL)
	}
	if scheme == "https" && !h11 && proto != "HTTP/1.0" {
		return nil, errors.New("curl would negotiate HTTP/2")
	}
	slash := strings.IndexByte(rest, '/')
	if slash < 0 {
		return nil, fmt.Errorf("URL %q has no path", rawURL)
	}
	auth, target := rest[:slash], rest[slash:]
	switch {
	case reqTarget != "":
		if target != "/" {
			return nil, errors.New("--request-target with a path")
		}
		target = reqTarget
	case !curlKeepsTarget(target):
		return nil, fmt.Errorf("curl would change the URL path %q", target)
	case strings.ContainsAny(target, "[]{}") && !glob:
		return nil, fmt.Errorf("curl would glob %q", target)
	case hasDotSegment(target) && !asIs:
		return nil, fmt.Errorf("curl would resolve dot segments in %q", target)
	}

	check := func(name string) (string, bool) {
		for _, h := range custom {
			if len(h) > len(name) && strings.EqualFold(h[:len(name)], name) && (h[len(name)] == ':' || h[len(name)] == ';') {
				return h, true
			}
		}
		return "", false
	}
	if _, ok := check("Accept-Encoding"); compressed && !ok {
		return nil, errors.New("--compressed without an Accept-Encoding header: curl would add its own")
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %s %s\r\n", method, target, proto)
	hostSlot := false
	if h, ok := check("Host"); !ok {
		fmt.Fprintf(&out, "Host: %s\r\n", auth)
		hostSlot = true
	} else if h != "Host:" {
		fmt.Fprintf(&out, "Host:%s\r\n", h[5:])
		hostSlot = true
	}
	if _, ok := check("User-Agent"); !ok {
		out.WriteString("User-Agent: curl/7.88.1\r\n")
	}
	if _, ok := check("Accept"); !ok {
		out.WriteString("Accept: */*\r\n")
	}
	for _, h := range custom {
		compare := h
		colon := strings.IndexByte(h, ':')
		if colon < 0 {
			semi := strings.IndexByte(h, ';')
			if semi < 0 || h[semi+1:] != "" { // "Name; " is not sent either
				continue
			}
			compare = h[:semi] + ":" + h[semi+1:]
		} else if strings.TrimLeft(h[colon+1:], " \t\r\n\v\f") == "" {
			continue
		}
		if hostSlot && len(compare) >= 5 && strings.EqualFold(compare[:5], "Host:") {
			continue
		}
		out.WriteString(compare + "\r\n")
	}
	if hasData {
		if _, ok := check("Content-Length"); !ok {
			fmt.Fprintf(&out, "Content-Length: %d\r\n", len(data))
		}
		if _, ok := check("Content-Type"); !ok {
			out.WriteString("Content-Type: application/x-www-form-urlencoded\r\n")
		}
		if _, ok := check("Expect"); !ok && len(data) > 1<<20 {
			out.WriteString("Expect: 100-continue\r\n")
		}
	}
	out.WriteString("\r\n")
	out.Write(data)
	return out.Bytes(), nil
}
