package export

import (
	"os/exec"
	"strconv"
	"strings"
	"sync"
)

// CurlCodings are the content codings the curl on this machine decodes
// with --compressed, from the Features line of `curl --version` (asked once
// per process): gzip and deflate always (libz is in every build that has
// --compressed), br with "brotli", zstd with "zstd". Without a curl on
// PATH, gzip and deflate. An exported command meant for another machine
// assumes that machine's curl decodes the same; if the server then answers
// in a coding that curl lacks, curl says so (exit 61) rather than printing
// compressed bytes.
var CurlCodings = sync.OnceValue(func() map[string]bool {
	codings := map[string]bool{"gzip": true, "deflate": true}
	out, err := exec.Command("curl", "--version").Output()
	if err != nil {
		return codings
	}
	return withFeatures(codings, string(out))
})

// withFeatures adds br and zstd when curl --version's Features line lists
// brotli and zstd.
func withFeatures(codings map[string]bool, version string) map[string]bool {
	for _, line := range strings.Split(version, "\n") {
		rest, ok := strings.CutPrefix(line, "Features:")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(rest) {
			switch strings.ToLower(f) {
			case "brotli":
				codings["br"] = true
			case "zstd":
				codings["zstd"] = true
			}
		}
	}
	return codings
}

// decodable reports an Accept-Encoding holding a content coding curl
// decodes with --compressed (see CurlCodings): gzip and deflate, which
// every curl build decodes, and br and zstd when the curl on this machine
// was built with them. The request still sends its own Accept-Encoding.
func decodable(values []string) bool { return decodableBy(values, CurlCodings()) }

func decodableBy(values []string, codings map[string]bool) bool {
	for _, v := range values {
		for _, c := range strings.Split(v, ",") {
			name, params, _ := strings.Cut(c, ";")
			if refused(params) {
				continue
			}
			switch name = strings.ToLower(strings.TrimSpace(name)); name {
			case "gzip", "x-gzip", "deflate", "*":
				return true
			case "br", "zstd":
				if codings[name] {
					return true
				}
			}
		}
	}
	return false
}

// refused reports a q=0 parameter: the coding is not acceptable.
func refused(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q == 0 {
				return true
			}
		}
	}
	return false
}
