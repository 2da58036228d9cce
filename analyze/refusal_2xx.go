package analyze

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// A 2xx whose body says the request failed is a refusal too (DESIGN:
// "a body that says why (also under a 2xx)"). Two kinds of body say so:
//
//   - SCIM's own: an Error resource, `"errors": [...]`, a bulk response
//     with failed operations — refused whatever they say;
//   - a failure envelope, the shape APIs wrap an error in when they answer
//     200 to everything: a top-level "error", "success": false, "ok":
//     false, a status field ("code", "status", "statusCode", "httpStatus")
//     holding a 4xx or 5xx, or a SOAP Fault. It is a refusal when it
//     carries a refusal status (401, 403, …) or a refusal's words
//     ("invalid session"), as a 4xx body must; an envelope that says "not
//     found" is a failure, not a refusal.
//
// Only the top level counts: a resource listing members whose own status
// is 404 says nothing about the request.

// errorInSuccess runs on every 2xx, so it decodes only a body that holds
// SCIM's marks (found from a rare byte, containsAt) or an envelope's keys
// (envelopeKeys: one pass over the colons).
var (
	scimErrorSuffix = []byte(":Error")
	bulkResponse    = []byte("BulkResponse")
	soapFault       = []byte("Fault")
)

// soapFaultElement is a SOAP Fault element, in any namespace prefix.
var soapFaultElement = regexp.MustCompile(`<([A-Za-z][\w.-]*:)?Fault[\s/>]`)

func errorInSuccess(fx *Facts) (string, bool) {
	ct := strings.ToLower(fx.responseType)
	body := bytes.TrimSpace(fx.ResponseText())
	switch {
	case len(body) == 0:
		return "", false
	case strings.Contains(ct, "json") && body[0] == '{':
		return jsonErrorInSuccess(body)
	case (strings.Contains(ct, "xml") || body[0] == '<') && containsAt(body, soapFault, 0):
		return soapFaultInSuccess(body, ct)
	}
	return "", false
}

func jsonErrorInSuccess(body []byte) (string, bool) {
	if !containsAt(body, scimErrorSuffix, 1) && !bytes.Contains(body, bulkResponse) && !envelopeKeys(body) {
		return "", false
	}
	var doc struct {
		Schemas     []string        `json:"schemas"`
		Detail      json.RawMessage `json:"detail"`
		ScimType    json.RawMessage `json:"scimType"`
		Errors      json.RawMessage `json:"errors"`
		Operations  json.RawMessage `json:"Operations"`
		ID          json.RawMessage `json:"id"`
		Error       json.RawMessage `json:"error"`
		Success     json.RawMessage `json:"success"`
		OK          json.RawMessage `json:"ok"`
		Code        json.RawMessage `json:"code"`
		Status      json.RawMessage `json:"status"`
		StatusCode  json.RawMessage `json:"statusCode"`
		HTTPStatus  json.RawMessage `json:"httpStatus"`
		StatusSnake json.RawMessage `json:"status_code"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return "", false
	}
	for _, s := range doc.Schemas {
		switch s {
		case "urn:ietf:params:scim:api:messages:2.0:Error":
			return "SCIM error in a 2xx: " + shorten(strings.TrimSpace(stringOf(doc.ScimType)+" "+stringOf(doc.Detail)), 140), true
		case "urn:ietf:params:scim:api:messages:2.0:BulkResponse":
			var ops []struct {
				Status json.RawMessage `json:"status"`
			}
			_ = json.Unmarshal(doc.Operations, &ops)
			failed := 0
			for _, op := range ops {
				if bulkStatus(op.Status) >= 400 {
					failed++
				}
			}
			if failed > 0 {
				return strconv.Itoa(failed) + " of " + strconv.Itoa(len(ops)) + " bulk operations failed", true
			}
		}
	}
	if len(doc.Schemas) > 0 {
		return "", false // a SCIM resource, not an envelope
	}
	var errs []json.RawMessage
	listsErrors := json.Unmarshal(doc.Errors, &errs) == nil && len(errs) > 0
	status := 0
	if len(doc.ID) == 0 { // an "id" beside a status is a resource's own field
		for _, raw := range []json.RawMessage{doc.Code, doc.StatusCode, doc.HTTPStatus, doc.StatusSnake, doc.Status} {
			if n := envelopeStatus(raw); n != 0 {
				status = n
				break
			}
		}
	}
	if status == 0 && isObject(doc.Error) {
		// {"error": {"code": 401, "message": "…"}}, as Google's and Microsoft's APIs answer.
		var inner struct{ Code, Status json.RawMessage }
		if json.Unmarshal(doc.Error, &inner) == nil {
			status = max(envelopeStatus(inner.Code), envelopeStatus(inner.Status))
		}
	}
	if status == 0 && !isSet(doc.Error) && !isFalse(doc.Success) && !isFalse(doc.OK) && !listsErrors {
		return "", false
	}
	// The envelope's own words, not the whole body: data beside them (a
	// group named "Access Denied Reviewers") says nothing about the request.
	reason := reasonFrom(body, "application/json")
	words := lowerJoined([]byte(reason), " "+strings.ToLower(string(doc.Error))+" "+strings.ToLower(firstError(errs)))
	if !refusalStatuses[status] && !hasRefusalPhrase(words) {
		return "", false
	}
	if reason == "" {
		reason = "the body says the request failed"
	}
	if status != 0 {
		reason = strconv.Itoa(status) + " in the body: " + reason
	}
	return reason, true
}

// firstError is the first item of an "errors" list, as text.
func firstError(errs []json.RawMessage) string {
	if len(errs) == 0 {
		return ""
	}
	return string(errs[0])
}

// stringOf is raw's string, or "" when it is not one.
func stringOf(raw json.RawMessage) string {
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// soapFaultInSuccess: a SOAP Fault under 200 (SOAP 1.1 wants a 500; many
// services answer 200) whose fault string says why.
func soapFaultInSuccess(body []byte, contentType string) (string, bool) {
	if !soapFaultElement.Match(body) {
		return "", false
	}
	reason := between(body, "faultstring>", "</")
	if reason == "" {
		if s := between(body, "Text", "</"); s != "" { // SOAP 1.2's <env:Reason><env:Text …>
			if i := strings.IndexByte(s, '>'); i >= 0 {
				reason = strings.TrimSpace(s[i+1:])
			}
		}
	}
	words := reason
	if words == "" {
		words = reasonFrom(body, contentType)
	}
	if !hasRefusalPhrase(strings.ToLower(words) + " " + strings.ToLower(between(body, "faultcode>", "</"))) {
		return "", false
	}
	return "SOAP Fault: " + shorten(words, 140), true
}

// between is the text after the first open and before the next close.
func between(body []byte, open, close string) string {
	i := bytes.Index(body, []byte(open))
	if i < 0 {
		return ""
	}
	rest := body[i+len(open):]
	j := bytes.Index(rest, []byte(close))
	if j < 0 {
		return ""
	}
	return strings.TrimSpace(string(rest[:j]))
}

// envelopeKeys reports a key an envelope has — error…, success, ok, or
// a status field (code, status, statusCode, httpStatus, status_code) whose
// value starts with a 4 or a 5 — anywhere in body, in any case (.NET
// writes PascalCase): the cheap test before decoding. It looks only at the
// string before each colon, so it reads a body once.
func envelopeKeys(body []byte) bool {
	for from := 0; ; {
		i := bytes.IndexByte(body[from:], ':')
		if i < 0 {
			return false
		}
		colon := from + i
		from = colon + 1
		j := colon - 1
		for j >= 0 && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r') {
			j--
		}
		if j < 1 || body[j] != '"' {
			continue // a colon inside a string (a URL, a time)
		}
		k := bytes.LastIndexByte(body[:j], '"')
		if k < 0 || j-k-1 > len("error_description") {
			continue
		}
		var buf [24]byte
		key := buf[:0]
		for _, c := range body[k+1 : j] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			key = append(key, c)
		}
		switch string(key) {
		case "success", "ok":
			return true
		case "code", "status", "statuscode", "httpstatus", "status_code":
			p := colon + 1
			for p < len(body) && (body[p] == ' ' || body[p] == '"' || body[p] == '\t') {
				p++
			}
			if p < len(body) && (body[p] == '4' || body[p] == '5') {
				return true
			}
		default:
			if bytes.HasPrefix(key, []byte("error")) {
				return true
			}
		}
	}
}

// envelopeStatus is an envelope's HTTP error status (401, "401"); 0 when
// raw is absent or not a status from 400 to 599.
func envelopeStatus(raw json.RawMessage) int {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	n, err := strconv.Atoi(s)
	if err != nil || n < 400 || n > 599 {
		return 0
	}
	return n
}

func isFalse(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "false" || s == `"false"`
}

func isObject(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return len(s) > 2 && s[0] == '{'
}

// isSet: a top-level "error" that holds something: a non-empty string,
// object or list, true, or a number other than 0.
func isSet(raw json.RawMessage) bool {
	if len(raw) == 0 {
		return false
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x) != ""
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	case bool:
		return x
	case float64:
		return x != 0
	}
	return false
}

// bulkStatus reads a bulk operation's status: "201", 201 or {"code": 201}.
func bulkStatus(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		n, _ := strconv.Atoi(strings.TrimSpace(s))
		return n
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var obj struct {
		Code json.RawMessage `json:"code"`
	}
	if json.Unmarshal(raw, &obj) == nil && len(obj.Code) > 0 {
		return bulkStatus(obj.Code)
	}
	return 0
}
