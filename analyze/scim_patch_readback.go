package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture/httpx"
)

// What a PatchOp promises (the values a read-back must show) and whether a resource shows them.

// opExpects is what an add/replace/remove meant to change, where that is
// checkable in a resource: simple paths, value maps, member lists.
func opExpects(op, path string, v any) []patchExpect {
	if strings.ContainsAny(path, "[]") {
		// members[value eq "x"]: a remove of that member.
		if op == "remove" {
			attr, rest, _ := strings.Cut(path, "[")
			if id, ok := eqValue(rest); ok && !strings.Contains(attr, ".") {
				return []patchExpect{{attr: []string{attrPart(attr)}, value: id, absent: true, member: true}}
			}
		}
		return nil
	}
	attr := splitAttr(path)
	switch op {
	case "remove":
		if ids := memberValues(v); len(ids) > 0 {
			var out []patchExpect
			for _, id := range ids {
				out = append(out, patchExpect{attr: attr, value: id, absent: true, member: true})
			}
			return out
		}
		return []patchExpect{{attr: attr, absent: true}}
	}
	var out []patchExpect
	if path == "" {
		m, isObj := v.(map[string]any)
		if !isObj {
			return nil
		}
		for _, k := range sortedKeys(m) {
			out = append(out, valueExpects(splitAttr(k), m[k], 0)...)
		}
		return out
	}
	if ids := memberValues(v); len(ids) > 0 && op == "add" {
		for _, id := range ids {
			out = append(out, patchExpect{attr: attr, value: id, member: true})
		}
		return out
	}
	return valueExpects(attr, v, 0)
}

func valueExpects(attr []string, v any, depth int) []patchExpect {
	if len(attr) > 0 && httpx.IsSecretField(attr[len(attr)-1]) {
		return nil // write-only (a password is returned "never", RFC 7643 §7): no read-back shows it, no text may
	}
	switch x := v.(type) {
	case string:
		if isStringBool(x) {
			return []patchExpect{{attr: attr, value: strings.EqualFold(x, "true")}}
		}
		return []patchExpect{{attr: attr, value: x}}
	case bool, float64:
		return []patchExpect{{attr: attr, value: x}}
	case map[string]any:
		if depth > 2 {
			return nil
		}
		var out []patchExpect
		for _, k := range sortedKeys(x) {
			if k == "$ref" {
				continue
			}
			out = append(out, valueExpects(append(append([]string(nil), attr...), splitAttr(k)...), x[k], depth+1)...)
		}
		return out
	}
	return nil
}

// splitAttr splits an attribute path: "urn:…:User:manager.value" →
// ["urn:…:User", "manager", "value"]; "name.givenName" → ["name", "givenName"].
func splitAttr(path string) []string {
	if path == "" {
		return nil
	}
	var out []string
	if strings.HasPrefix(strings.ToLower(path), "urn:") {
		i := strings.LastIndexByte(path, ':')
		out = append(out, path[:i])
		path = path[i+1:]
		if path == "" {
			return out
		}
	}
	return append(out, strings.Split(path, ".")...)
}

// eqValue reads `value eq "x"]` (the filter of a members path).
func eqValue(filter string) (string, bool) {
	f := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(filter), "]"))
	attr, rest, ok := strings.Cut(f, " ")
	if !ok || !strings.EqualFold(attr, "value") {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	if len(rest) < 4 || !strings.EqualFold(rest[:2], "eq") {
		return "", false
	}
	v, err := strconv.Unquote(strings.TrimSpace(rest[2:]))
	return v, err == nil
}

// memberValues are the "value"s of a list of {"value": id} objects.
func memberValues(v any) []string {
	arr, ok := v.([]any)
	if !ok {
		if m, isObj := v.(map[string]any); isObj {
			if inner, found := lookupFold(m, "members"); found {
				return memberValues(inner)
			}
		}
		return nil
	}
	var out []string
	for _, item := range arr {
		if m, isObj := item.(map[string]any); isObj {
			if id, found := lookupFold(m, "value"); found {
				if s, isStr := id.(string); isStr {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// resourceDoc parses a SCIM resource (a JSON object with an id or schemas).
func resourceDoc(contentType string, body []byte) (map[string]any, bool) {
	b := bytes.TrimSpace(body)
	if len(b) < 2 || b[0] != '{' || contentType != "" && !containsFold(contentType, "json") {
		return nil, false
	}
	var doc map[string]any
	if json.Unmarshal(b, &doc) != nil {
		return nil, false
	}
	if _, ok := lookupFold(doc, "id"); !ok {
		return nil, false
	}
	if _, isList := lookupFold(doc, "Resources"); isList {
		return nil, false
	}
	return doc, true
}

// unmet is the first expectation the resource contradicts, described.
func unmet(doc map[string]any, expects []patchExpect) (string, bool) {
	for _, e := range expects {
		got, found := lookupPath(doc, e.attr)
		name := strings.Join(e.attr, ".")
		switch {
		case e.member:
			has := hasMember(got, e.value)
			if has == e.absent {
				if e.absent {
					return fmt.Sprintf("%s still holding %s", name, jsonText(e.value)), true
				}
				return fmt.Sprintf("%s without %s", name, jsonText(e.value)), true
			}
		case e.absent:
			if found && got != nil {
				return fmt.Sprintf("%s still %s", name, jsonText(got)), true
			}
		default:
			if !found {
				return fmt.Sprintf("no %s (the PATCH set it to %s)", name, jsonText(e.value)), true
			}
			if !sameValue(got, e.value) {
				return fmt.Sprintf("%s: %s where the PATCH meant %s", name, jsonText(got), jsonText(e.value)), true
			}
		}
	}
	return "", false
}

func sameValue(got, want any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		return ok && strings.EqualFold(g, w)
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case float64:
		g, ok := got.(float64)
		return ok && g == w
	}
	return false
}

func hasMember(list any, id any) bool {
	arr, _ := list.([]any)
	for _, item := range arr {
		if m, ok := item.(map[string]any); ok {
			if v, found := lookupFold(m, "value"); found && sameValue(v, id) {
				return true
			}
		}
	}
	return false
}

func lookupPath(doc map[string]any, attr []string) (any, bool) {
	var cur any = doc
	for _, a := range attr {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = lookupFold(m, a); !ok {
			return nil, false
		}
	}
	return cur, true
}

// lookupFold finds a key case-insensitively (SCIM attribute names are,
// RFC 7643 §2.1), the exact spelling first.
func lookupFold(m map[string]any, key string) (any, bool) {
	if v, ok := m[key]; ok {
		return v, true
	}
	for _, k := range sortedKeys(m) {
		if strings.EqualFold(k, key) {
			return m[k], true
		}
	}
	return nil, false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// jsonText is v as compact JSON (map keys sorted).
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

// looksConformant is a scan that proves, without decoding, that a PatchOp
// has none of the issues patchIssues looks for: every "op" is "add" or
// "replace" (a remove is always decoded), there are as many "path"s as
// "op"s (so no path-less value with dotted keys), no "$ref" and no quoted
// true or false. Anything else is decoded.
func looksConformant(body []byte) bool {
	if bytes.Contains(body, []byte(`"$ref"`)) || quotedBool(body) {
		return false
	}
	ops, paths := 0, bytes.Count(body, []byte(`"path"`))
	rest := body
	for {
		i := bytes.Index(rest, []byte(`"op"`))
		if i < 0 {
			break
		}
		rest = bytes.TrimLeft(rest[i+4:], " \t\r\n")
		if len(rest) == 0 || rest[0] != ':' {
			return false
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		switch {
		case bytes.HasPrefix(rest, []byte(`"add"`)), bytes.HasPrefix(rest, []byte(`"replace"`)):
			ops++
		default:
			return false
		}
	}
	return ops > 0 && paths >= ops
}

// quotedBool: "true" or "false", quoted, in any case.
func quotedBool(b []byte) bool {
	for i := 0; i+6 <= len(b); i++ {
		if b[i] != '"' {
			continue
		}
		c := b[i+1] | 0x20
		if c == 't' && i+6 <= len(b) && b[i+5] == '"' && strings.EqualFold(string(b[i+1:i+5]), "true") {
			return true
		}
		if c == 'f' && i+7 <= len(b) && b[i+6] == '"' && strings.EqualFold(string(b[i+1:i+6]), "false") {
			return true
		}
	}
	return false
}
