package har

import (
	"iter"
	"net/url"
	"strings"
	"time"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/httpx"
)

// The parts of an entry: query strings, cookies, headers, times.

func queryString(raw string) []harNV {
	out := []harNV{}
	for k, v := range queryPairs(raw) {
		out = append(out, harNV{k, v})
	}
	return out
}

// queryPairs yields the name and value of each pair of raw's query, each
// unescaped unless its escapes are invalid. The recorder encodes them as
// they come, without the slice of queryString.
func queryPairs(raw string) iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		u, err := url.Parse(raw)
		if err != nil || u.RawQuery == "" {
			return
		}
		for kv := range strings.SplitSeq(u.RawQuery, "&") {
			if kv == "" {
				continue
			}
			k, v, _ := strings.Cut(kv, "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			if uv, err := url.QueryUnescape(v); err == nil {
				v = uv
			}
			if !yield(k, v) {
				return
			}
		}
	}
}

func requestCookies(hs []capture.Header) []harCookie {
	out := []harCookie{}
	for _, v := range capture.HeaderValues(hs, "Cookie") {
		for _, p := range httpx.ParseCookie(v) {
			out = append(out, harCookie{Name: p.Name, Value: v[p.ValueStart:p.End]})
		}
	}
	return out
}

// responseCookies is the HAR cookies array of a response: every cookie of
// every Set-Cookie line, as an RFC 6265 client reads its attributes.
func responseCookies(hs []capture.Header) []harCookie {
	out := []harCookie{}
	for _, line := range httpx.SetCookieLines(capture.HeaderValues(hs, "Set-Cookie")) {
		sc, ok := httpx.ParseSetCookie(line)
		if !ok {
			continue
		}
		c := harCookie{Name: sc.Name, Value: sc.Value, Path: sc.Path, Domain: sc.Domain, HTTPOnly: sc.HTTPOnly, Secure: sc.Secure}
		if sc.HasExpires {
			c.Expires = sc.Expires.UTC().Format(time.RFC3339)
		}
		out = append(out, c)
	}
	return out
}
