package har

import (
	"encoding/binary"
	"strings"
	"unicode/utf8"
)

// Matching an object's keys to a struct's fields.

// fieldNames are the JSON names of a struct's fields, in order, with each
// name's quoted form ready for comparing sixteen bytes at a time.
type fieldNames struct {
	names []string
	keys  []fieldKey
}

// fieldKey is a name followed by its closing quote: its first sixteen bytes
// (two little-endian words, masks selecting the bytes that count) and the
// rest (none for names of up to 15 bytes, which all of HAR's are).
type fieldKey struct {
	head, mask, head2, mask2 uint64
	tail                     string
}

// matches reports whether b[p:] starts with the key's name and closing
// quote; b has at least sixteen bytes at p.
func (k *fieldKey) matches(b []byte, p int) bool {
	if binary.LittleEndian.Uint64(b[p:])&k.mask != k.head || binary.LittleEndian.Uint64(b[p+8:])&k.mask2 != k.head2 {
		return false
	}
	q := p + 16 + len(k.tail)
	return k.tail == "" || q <= len(b) && string(b[p+16:q]) == k.tail
}

func newFieldNames(names ...string) *fieldNames {
	fs := &fieldNames{names: names}
	for _, n := range names {
		q := n + `"`
		var k fieldKey
		for i := 0; i < min(16, len(q)); i++ {
			if i < 8 {
				k.head |= uint64(q[i]) << (8 * i)
				k.mask |= 0xff << (8 * i)
			} else {
				k.head2 |= uint64(q[i]) << (8 * (i - 8))
				k.mask2 |= 0xff << (8 * (i - 8))
			}
		}
		if len(q) > 16 {
			k.tail = q[16:]
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
