package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/provtap/provtap/capture"
)

// patchIssues parses f's request body as a PatchOp and lists what is
// outside RFC 7644, and what the operations meant to change. ok is false
// when the body is not a PatchOp.
func patchIssues(f *capture.Flow) (issues []patchIssue, expects []patchExpect, ok bool) {
	body := f.RequestBody.Bytes
	if !f.RequestBody.Decoded && f.RequestHeader("Content-Encoding") != "" {
		body = f.RequestText()
	}
	body = bytes.TrimSpace(body)
	if len(body) < 2 || body[0] != '{' || !bytes.Contains(body, []byte("perations")) {
		return nil, nil, false
	}
	if ct := f.RequestHeader("Content-Type"); ct != "" && !containsFold(ct, "json") {
		return nil, nil, false
	}
	if looksConformant(body) {
		return nil, nil, true
	}
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil, nil, false
	}
	var opsKey string
	var ops []any
	for _, k := range sortedKeys(doc) {
		if strings.EqualFold(k, "Operations") {
			if v, isArr := doc[k].([]any); isArr {
				opsKey, ops = k, v
				break
			}
		}
	}
	if opsKey == "" {
		return nil, nil, false
	}
	for i, raw := range ops {
		op, isObj := raw.(map[string]any)
		if !isObj {
			continue
		}
		base := "/" + opsKey + "/" + strconv.Itoa(i)
		name, _ := lookupFold(op, "op")
		opStr, _ := name.(string)
		lower := strings.ToLower(opStr)
		switch {
		case lower != "add" && lower != "remove" && lower != "replace":
			issues = append(issues, patchIssue{"op-unknown", base + "/op", `"op":` + jsonText(name),
				`RFC 7644 §3.5.2: "op" MUST be one of "add", "remove" or "replace"`})
			continue
		case opStr != lower:
			issues = append(issues, patchIssue{"op-case", base + "/op", `"op":` + jsonText(opStr),
				`RFC 7644 §3.5.2 spells the operation "` + lower + `" ("op" … MAY be one of "add", "remove", or "replace") and does not make it case-insensitive: a server comparing exactly refuses "` + opStr + `"`})
		}
		pathV, _ := lookupFold(op, "path")
		path, _ := pathV.(string)
		value, hasValue := lookupFold(op, "value")
		if lower == "remove" && strings.TrimSpace(path) == "" {
			what := "remove without a path"
			if hasValue {
				what = "remove with a value and no path"
			}
			issues = append(issues, patchIssue{"remove-no-path", base, what + " " + shorten(jsonText(op), 80),
				`RFC 7644 §3.5.2.2: "path" is REQUIRED for remove ("If "path" is unspecified, the operation fails with HTTP status code 400 and a "scimType" error code of "noTarget""); a server that accepts it anyway may read it as "remove all members" — name the member in the path: members[value eq "<id>"]`})
			for _, id := range memberValues(value) {
				expects = append(expects, patchExpect{attr: []string{"members"}, value: id, absent: true, member: true})
			}
			continue
		}
		if lower == "remove" && hasValue && !strings.ContainsAny(path, "[]") {
			issues = append(issues, patchIssue{"remove-value", base + "/value", "a value on a remove of " + jsonText(path),
				`RFC 7644 §3.5.2.2: a remove takes no value; "If the target location is a multi-valued attribute and no filter is specified, the attribute and all values are removed" — name the values in the path: ` + path + `[value eq "<id>"]`})
			for _, id := range memberValues(value) {
				expects = append(expects, patchExpect{attr: splitAttr(path), value: id, absent: true, member: true})
			}
			continue
		}
		walkPatchValue(base+"/value", path, value, lower, 0, &issues)
		expects = append(expects, opExpects(lower, path, value)...)
	}
	return issues, expects, true
}

// walkPatchValue finds string booleans, dotted keys (path-less only) and
// null $refs in an operation's value.
func walkPatchValue(ptr, path string, v any, op string, depth int, issues *[]patchIssue) {
	if depth > 4 {
		return
	}
	switch x := v.(type) {
	case string:
		attr := lastAttr(path)
		if depth == 0 && isStringBool(x) && (boolAttrs[strings.ToLower(attr)] || x == "True" || x == "False") {
			*issues = append(*issues, patchIssue{"string-boolean", ptr, jsonText(x) + " for " + attr,
				"RFC 7643 §2.3.2: a boolean is the JSON literal true or false, not a string"})
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			kp := ptr + "/" + pointerEscape(k)
			val := x[k]
			if k == "$ref" && val == nil {
				*issues = append(*issues, patchIssue{"null-ref", kp, `"$ref":null`,
					`RFC 7643 §2.3.7: "$ref" is a URI reference; leave it out rather than send null (servers that check references refuse null)`})
				continue
			}
			if s, isStr := val.(string); isStr && isStringBool(s) && (boolAttrs[strings.ToLower(lastAttr(k))] || s == "True" || s == "False") {
				*issues = append(*issues, patchIssue{"string-boolean", kp, fmt.Sprintf("%s:%s", jsonText(k), jsonText(s)),
					"RFC 7643 §2.3.2: a boolean is the JSON literal true or false, not a string"})
				continue
			}
			if depth == 0 && path == "" && (op == "add" || op == "replace") && strings.Contains(attrPart(k), ".") {
				*issues = append(*issues, patchIssue{"dotted-key", kp, jsonText(k),
					`RFC 7644 §3.5.2.1/§3.5.2.3: without "path" the value holds attributes as the resource does ({"name":{"givenName":…}}); a dotted name belongs in "path" ("path":"` + attrPart(k) + `")`})
				continue
			}
			walkPatchValue(kp, "", val, op, depth+1, issues)
		}
	case []any:
		for i, item := range x {
			if _, isObj := item.(map[string]any); isObj {
				walkPatchValue(ptr+"/"+strconv.Itoa(i), "", item, op, depth+1, issues)
			}
		}
	}
}

// boolAttrs are the boolean attributes of RFC 7643's core and enterprise
// schemas (and Entra's common extension).
var boolAttrs = setOf("active", "primary", "display", "issoftdeleted")

func isStringBool(s string) bool {
	return strings.EqualFold(s, "true") || strings.EqualFold(s, "false")
}

// attrPart is an attribute name without its schema URN.
func attrPart(k string) string {
	if strings.HasPrefix(strings.ToLower(k), "urn:") {
		if i := strings.LastIndexByte(k, ':'); i >= 0 {
			return k[i+1:]
		}
	}
	return k
}

// lastAttr is the last attribute of a path: "emails[type eq \"work\"].primary" → primary.
func lastAttr(path string) string {
	p := attrPart(path)
	if i := strings.LastIndexByte(p, ']'); i >= 0 {
		p = strings.TrimPrefix(p[i+1:], ".")
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		p = p[i+1:]
	}
	return p
}
