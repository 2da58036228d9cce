package har

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// lenientEntry is the last try on an entry neither decoder reads: a HAR
// written by hand, or by a tool that got a type wrong — a number as a
// string ("status": "200"), an integer as a float (33.0), a number out of
// range (1e400), a boolean as a string ("httpOnly": "true"), a string
// field given a number ("connection": 443), an object where HAR has a list
// ("headers": {}, or {"Host": "x"}). Each value is made the type of the
// field it fills, or dropped (the field keeps its zero value) when it
// cannot be; then the entry is decoded again. One such entry no longer
// makes a whole capture unreadable.
func lenientEntry(data []byte, e *harEntry) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	fixed, ok := coerce(doc, reflect.TypeOf(*e))
	if !ok {
		return errNotAnObject
	}
	b, err := json.Marshal(fixed)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, e)
}

var errNotAnObject = &json.UnmarshalTypeError{Value: "non-object", Type: reflect.TypeOf(harEntry{})}

// coerce is v made fit to decode into a t, and false when it cannot be.
func coerce(v any, t reflect.Type) (any, bool) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return nil, true
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		n, ok := numberOf(v)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, false
		}
		return json.Number(strconv.FormatInt(int64(n), 10)), true
	case reflect.Float64:
		n, ok := numberOf(v)
		if !ok || math.IsInf(n, 0) || math.IsNaN(n) {
			return nil, false
		}
		return json.Number(strconv.FormatFloat(n, 'g', -1, 64)), true
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			return b, err == nil
		case json.Number:
			return x.String() != "0", true
		}
		return nil, false
	case reflect.String:
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			return strconv.FormatBool(x), true
		}
		return nil, false
	case reflect.Slice:
		return coerceList(v, t.Elem())
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		return coerceObject(m, t)
	}
	return v, true
}

// coerceObject fixes the fields of m that t knows by their JSON names; the
// others (a tool's own, like Chrome's _initiator) pass as they are. A
// value that cannot be made a scalar field's type is dropped; one that
// cannot be a request, a response or another object the entry is made of
// fails the object: that is not a type slip but no HAR.
func coerceObject(m map[string]any, t reflect.Type) (map[string]any, bool) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		for k, v := range m {
			if !strings.EqualFold(k, name) { // as encoding/json matches keys
				continue
			}
			fixed, ok := coerce(v, sf.Type)
			switch {
			case ok:
				m[k] = fixed
			case isStruct(sf.Type):
				return nil, false
			default:
				delete(m, k)
			}
		}
	}
	return m, true
}

func isStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct && t.NumField() > 0
}

// coerceList is v as a list of elem: its items fixed one by one (an item
// that cannot be one is left out), or, for an object where HAR has a list
// of name/value pairs, its members in name order.
func coerceList(v any, elem reflect.Type) (any, bool) {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, item := range x {
			if fixed, ok := coerce(item, elem); ok {
				out = append(out, fixed)
			}
		}
		return out, true
	case map[string]any:
		if _, hasName := elem.FieldByName("Name"); !hasName || elem.Kind() != reflect.Struct {
			return nil, false
		}
		names := make([]string, 0, len(x))
		for k := range x {
			names = append(names, k)
		}
		sort.Strings(names)
		out := make([]any, 0, len(x))
		for _, k := range names {
			value, ok := coerce(x[k], reflect.TypeOf(""))
			if !ok {
				continue
			}
			out = append(out, map[string]any{"name": k, "value": value})
		}
		return out, true
	}
	return nil, false
}

// numberOf reads a JSON number, or a string holding one.
func numberOf(v any) (float64, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
	default:
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}
