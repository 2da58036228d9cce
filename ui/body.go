package ui

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/provtap/provtap/capture"
)

// maxShown bounds the body text the detail pane formats: beyond it the pane
// says how much more there is (the capture file has all of it).
const maxShown = 256 << 10

// hexShown is how many bytes of a binary body are dumped.
const hexShown = 512

// bodyView is a message body ready for the detail pane: lines of text and
// notes (truncation, binary, undecodable) to draw apart from the text.
type bodyView struct {
	text  string
	notes []string
}

// formatBody pretty-prints a body: JSON and XML indented, text as is,
// binary as a hex dump. contentType and contentEncoding are the message's.
func formatBody(b capture.Body, contentType, contentEncoding string) bodyView {
	var v bodyView
	if len(b.Bytes) == 0 {
		if b.Size > 0 {
			v.notes = append(v.notes, fmt.Sprintf("body of %s not kept", bytesText(b.Size)))
		}
		return v
	}
	data, ok := capture.DecodedBody(b, contentEncoding)
	if !ok {
		v.notes = append(v.notes, fmt.Sprintf("Content-Encoding %q could not be decoded; the bytes as sent:", contentEncoding))
	}
	if b.Truncated {
		v.notes = append(v.notes, fmt.Sprintf("truncated: kept %s of %s (--max-body)", bytesText(int64(len(b.Bytes))), bytesText(b.Size)))
	}
	cut := 0
	if len(data) > maxShown {
		cut = len(data) - maxShown
		data = data[:maxShown]
	}
	switch {
	case !ok || isBinary(data):
		v.text = hexDump(data)
	case isJSON(contentType, data):
		v.text = prettyJSON(data)
	case isXML(contentType, data):
		v.text = prettyXML(data)
	default:
		v.text = sanitize(string(data))
	}
	if cut > 0 {
		v.notes = append(v.notes, fmt.Sprintf("%s more not shown here (provtap export --format raw has all of it)", bytesText(int64(cut))))
	}
	return v
}

func bytesText(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d bytes", n)
	}
	return humanSize(n) + "B (" + fmt.Sprint(n) + " bytes)"
}

// isBinary: not UTF-8, or a NUL, or many control characters.
func isBinary(data []byte) bool {
	sample := data
	if len(sample) > 4096 {
		sample = sample[:4096]
		// Do not let a multi-byte character cut at the sample's end count.
		for i := 0; i < 3 && len(sample) > 0 && !utf8.Valid(sample); i++ {
			sample = sample[:len(sample)-1]
		}
	}
	if !utf8.Valid(sample) {
		return true
	}
	ctrl := 0
	for _, c := range sample {
		if c == 0 {
			return true
		}
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctrl++
		}
	}
	return ctrl*20 > len(sample)
}

func hexDump(data []byte) string {
	shown := data
	if len(shown) > hexShown {
		shown = shown[:hexShown]
	}
	s := strings.TrimRight(hex.Dump(shown), "\n")
	s = sanitize(s)
	if len(data) > len(shown) {
		s += fmt.Sprintf("\n… binary: %d more bytes", len(data)-len(shown))
	}
	return s
}

func isJSON(contentType string, data []byte) bool {
	ct := strings.ToLower(contentType)
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return false
	}
	if strings.Contains(ct, "json") {
		return true
	}
	return (t[0] == '{' || t[0] == '[') && json.Valid(t)
}

func prettyJSON(data []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(data), "", "  "); err != nil {
		return sanitize(string(data))
	}
	return sanitize(out.String())
}

func isXML(contentType string, data []byte) bool {
	ct := strings.ToLower(contentType)
	if strings.Contains(ct, "xml") {
		return true
	}
	t := bytes.TrimSpace(data)
	return bytes.HasPrefix(t, []byte("<?xml")) || (bytes.HasPrefix(t, []byte("<")) && bytes.HasSuffix(t, []byte(">")) &&
		!bytes.HasPrefix(bytes.ToLower(t), []byte("<!doctype html")) && !bytes.HasPrefix(bytes.ToLower(t), []byte("<html")))
}

// prettyXML re-indents XML, keeping namespace prefixes as written (SOAP
// envelopes stay readable); anything it cannot parse is shown as sent.
func prettyXML(data []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	var b strings.Builder
	depth := 0
	open := false // the last thing written is a start tag (or its text) on the current line
	newline := func() {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", max(depth, 0)))
	}
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sanitize(string(data))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			newline()
			b.WriteString("<" + xmlName(t.Name))
			for _, a := range t.Attr {
				b.WriteString(" " + xmlName(a.Name) + `="` + xmlEscape(a.Value) + `"`)
			}
			b.WriteByte('>')
			depth++
			open = true
		case xml.EndElement:
			depth--
			if !open {
				newline()
			}
			b.WriteString("</" + xmlName(t.Name) + ">")
			open = false
		case xml.CharData:
			text := strings.TrimSpace(string(t))
			if text == "" {
				continue
			}
			if !open {
				newline()
			}
			b.WriteString(xmlEscape(text))
		case xml.Comment:
			newline()
			b.WriteString("<!--" + string(t) + "-->")
			open = false
		case xml.ProcInst:
			newline()
			b.WriteString("<?" + t.Target + " " + string(t.Inst) + "?>")
			open = false
		case xml.Directive:
			newline()
			b.WriteString("<!" + string(t) + ">")
			open = false
		}
	}
	return sanitize(b.String())
}

func xmlName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
