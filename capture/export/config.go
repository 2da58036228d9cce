package export

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/provtap/provtap/capture"
)

// CurlConfig returns f's request as a curl config file, for `curl -K FILE`
// (curl.exe -K on Windows), that sends the same bytes as Curl's command:
// the same options, one per line, with values in curl's double quotes
// instead of shell quoting, so it works the same from bash, cmd.exe and
// PowerShell and can be edited as text.
//
// A body that is printable UTF-8 (tabs and line breaks included) of at most
// 64 KiB is written into the file (data-raw). Any other body — NUL or other
// control bytes, bytes that are not UTF-8, or a larger one — cannot be, and
// the config reads it from bodyFile (data-binary = "@bodyFile", curl reads
// it as bytes): CurlConfig then returns those bytes as body, for the caller
// to write there; otherwise body is nil. bodyFile is written into the config
// as given: an absolute path keeps the config working from any directory.
//
// curl.exe reads a config file as text: a header value with a Ctrl-Z byte
// (0x1A), which HTTP allows but no client sends, ends the file there on
// Windows.
func CurlConfig(f *capture.Flow, bodyFile string) (config string, body []byte) {
	return NewRequest(f).CurlConfig(bodyFile)
}

// maxConfigBody is the largest body written into a config file; larger
// ones go in the body file (curl's config lines have a length limit).
const maxConfigBody = 64 << 10

// CurlConfig is the request as a curl config file (see the package
// function CurlConfig).
func (r *Request) CurlConfig(bodyFile string) (config string, body []byte) {
	var b strings.Builder
	b.WriteString("# curl -K THIS-FILE sends the request again, byte for byte (provtap export --format curl-config)\n")
	p := r.plan()
	for _, o := range append(p.head, p.headers...) {
		writeConfigLine(&b, o)
	}
	switch {
	case len(r.body) == 0:
	case len(r.body) <= maxConfigBody && configText(r.body):
		// data-raw, unlike data-binary, reads no file for "@…".
		writeConfigLine(&b, curlOpt{name: "data-raw", value: string(r.body)})
	default:
		writeConfigLine(&b, curlOpt{name: "data-binary", value: "@" + bodyFile})
		body = r.body
	}
	return b.String(), body
}

// writeConfigLine writes o as a config line: `name` for a flag, else
// `name = "value"` with curl's escapes (\\ \" \t \n \r \v).
func writeConfigLine(b *strings.Builder, o curlOpt) {
	b.WriteString(o.name)
	if !o.flag {
		b.WriteString(" = \"")
		for i := 0; i < len(o.value); i++ {
			switch c := o.value[i]; c {
			case '\\', '"':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\t':
				b.WriteString(`\t`)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\v':
				b.WriteString(`\v`)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	b.WriteByte('\n')
}

// configText reports a body that can be written into a config file and
// read back the same on every OS: valid UTF-8 of printable characters,
// tabs and line breaks (escaped), no NUL or other control byte.
func configText(body []byte) bool {
	if bytes.IndexByte(body, 0) >= 0 || !utf8.Valid(body) {
		return false
	}
	for _, r := range string(body) {
		if r != '\n' && r != '\r' && r != '\t' && !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
