package analyze

import "testing"

// jsonMayHold only skips documents in which walking finds no placeholder.
func TestJSONMayHoldMissesNoPlaceholder(t *testing.T) {
	docs := []string{
		`{"userName":"$user.email$"}`, `{"a":"${env.KEY}"}`, `{"a":"{{ user }}"}`, `{"a":"%USERNAME%"}`,
		`{"a":"\u0024plan.email\u0024"}`, `{"a":"\u007b{x}}"}`, `{"members":[{"$ref":"x","value":"u1"}]}`,
		`{"a":"$5 or 10%"}`, `{"a":"$x", "b":"y$"}`, `{"a":"% x%"}`, `{"a":"$a.b.c$"}`, `{"a":" %PATH% "}`,
		`{"id":"g1","displayName":"Sales"}`, `["$A_B$"]`, `{"a":"$1x$"}`, `{"a":"$_$"}`,
	}
	for _, d := range docs {
		found := false
		walkJSON([]byte(d), func(ptr, v string, null bool) {
			if form, _, _ := placeholder(v); form != formNone {
				found = true
			}
		})
		if found && !jsonMayHold([]byte(d)) {
			t.Errorf("%s holds a placeholder, jsonMayHold says no", d)
		}
	}
	if jsonMayHold([]byte(`{"members":[{"$ref":"x","value":"u1"}],"n":"10%"}`)) {
		t.Error("a SCIM $ref is no placeholder")
	}
}
