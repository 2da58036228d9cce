package har

import (
	"strings"
	"unicode/utf8"
)

// Matching an object's keys to a struct's fields.

// fieldNames are the JSON names of a struct's fields, in order, with each
// name's quoted form ready for comparing eight bytes at a time.
type fieldNames struct {
	names []string
	keys  []fieldKey
}

// fieldKey is a name followed by its closing quote: its first eight bytes
// (little-endian, mask selecting those that count) and the rest.
type fieldKey struct {
	head, mask uint64
	tail       string
}

func newFieldNames(names ...string) *fieldNames {
	fs := &fieldNames{names: names}
	for _, n := range names {
		q := n + `"`
		var k fieldKey
		for i := 0; i < min(8, len(q)); i++ {
			k.head |= uint64(q[i]) << (8 * i)
			k.mask |= 0xff << (8 * i)
		}
		if len(q) > 8 {
			k.tail = q[8:]
		}
		fs.keys = append(fs.keys, k)
	}
	return fs
}

func (fs *fieldNames) list() []string {
	if fs == nil {
		return nil
	}
	return fs.names
}

// field returns the index in names of the field that d.key names, or -1.
func (d *decoder) field(names []string, hint *int) int {
	k := d.key
	for i, n := range names {
		if string(k) == n {
			*hint = i + 1
			return i
		}
	}
	// encoding/json falls back to a case-insensitive match (bytes.EqualFold).
	ascii := true
	for _, c := range k {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	for i, n := range names {
		if ascii && len(n) == len(k) && asciiEqualFold(k, n) || !ascii && strings.EqualFold(string(k), n) {
			return i
		}
	}
	return -1
}

func asciiEqualFold(k []byte, n string) bool {
	for i := range len(k) {
		a, b := k[i], n[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
