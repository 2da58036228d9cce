package export

import (
	"os/exec"
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
