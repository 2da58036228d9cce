package scenario

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func doReq(t *testing.T, method, url, token string, hdrs map[string]string, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	for k, v := range hdrs {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func scimTypeOf(body string) string {
	var e struct {
		ScimType string `json:"scimType"`
	}
	_ = json.Unmarshal([]byte(body), &e)
	return e.ScimType
}

func TestSCIMPatchAPI(t *testing.T) {
	patchHdr := map[string]string{"Content-Type": SCIMType}
	for _, mode := range []PatchMode{PatchStrict, PatchLenient} {
		api := NewSCIMPatchAPI(mode)
		srv := Serve(api, false)
		uid := api.AddUser("jdoe@example.com")
		m1, m2 := api.AddUser("a"), api.AddUser("b")
		gid := api.AddGroup("Sales", m1, m2)
		user, group := srv.URL+SCIMPatchBase+"/Users/"+uid, srv.URL+SCIMPatchBase+"/Groups/"+gid

		st, body := doReq(t, "PATCH", user, SCIMPatchToken, patchHdr, EntraDisableUser)
		switch mode {
		case PatchStrict:
			if st != 400 || scimTypeOf(body) != "invalidSyntax" || !api.Active(uid) {
				t.Errorf("strict Entra PATCH: %d %s", st, body)
			}
		case PatchLenient:
			if st != 204 || !api.Active(uid) {
				t.Errorf("lenient Entra PATCH: %d %s active=%v", st, body, api.Active(uid))
			}
		}
		st, body = doReq(t, "PATCH", group, SCIMPatchToken, patchHdr, PathlessRemoveMember(m1))
		if want := map[PatchMode]int{PatchStrict: 400, PatchLenient: 204}[mode]; st != want || len(api.Members(gid)) != 2 {
			t.Errorf("mode %d path-less remove: %d %s members %v", mode, st, body, api.Members(gid))
		}
		st, body = doReq(t, "PATCH", user, SCIMPatchToken, patchHdr, DottedRename)
		if want := map[PatchMode]int{PatchStrict: 400, PatchLenient: 204}[mode]; st != want || api.GivenName(uid) != "John" {
			t.Errorf("mode %d dotted: %d %s", mode, st, body)
		}

		// The RFC forms work in both modes.
		if st, body = doReq(t, "PATCH", user, SCIMPatchToken, patchHdr, RFCDisableUser); st/100 != 2 || api.Active(uid) {
			t.Errorf("mode %d RFC disable: %d %s", mode, st, body)
		}
		if st, body = doReq(t, "PATCH", user, SCIMPatchToken, patchHdr, RFCRename); st/100 != 2 || api.GivenName(uid) != "Jon" {
			t.Errorf("mode %d RFC rename: %d %s", mode, st, body)
		}
		if st, body = doReq(t, "PATCH", group, SCIMPatchToken, patchHdr, RFCRemoveMember(m1)); st/100 != 2 || !slices.Equal(api.Members(gid), []string{m2}) {
			t.Errorf("mode %d RFC remove: %d %s %v", mode, st, body, api.Members(gid))
		}
		if st, body = doReq(t, "GET", user, SCIMPatchToken, nil, ""); st != 200 || !strings.Contains(body, `"active":false`) {
			t.Errorf("GET: %d %s", st, body)
		}
		if st, _ = doReq(t, "GET", user, "wrong", nil, ""); st != 401 {
			t.Errorf("no token: %d", st)
		}
		srv.Close()
	}
}

func TestMediaTypeAPI(t *testing.T) {
	for _, mode := range []MediaMode{MediaStrict, MediaLenient} {
		api := NewMediaTypeAPI(mode)
		srv := Serve(api, false)
		users := srv.URL + MediaBase + "/Users"
		cases := []struct {
			method string
			hdrs   map[string]string
			body   string
			strict int
			loose  int
		}{
			{"GET", map[string]string{"Accept": SCIMType}, "", 200, 200},
			{"GET", nil, "", 200, 200},
			{"GET", map[string]string{"Accept": "*/*"}, "", 200, 200},
			{"GET", map[string]string{"Accept": "application/json"}, "", 406, 200},
			{"GET", map[string]string{"Accept": "text/html"}, "", 406, 406},
			{"POST", map[string]string{"Content-Type": SCIMType}, "{}", 201, 201},
			{"POST", map[string]string{"Content-Type": SCIMType + "; charset=utf-8"}, "{}", 201, 201},
			{"POST", map[string]string{"Content-Type": "application/json"}, "{}", 415, 201},
			{"POST", map[string]string{"Content-Type": SCIMType + "; charset=ISO-8859-1"}, "{}", 415, 415},
			{"POST", nil, "{}", 415, 415},
		}
		for _, c := range cases {
			want := c.strict
			if mode == MediaLenient {
				want = c.loose
			}
			if st, body := doReq(t, c.method, users, MediaToken, c.hdrs, c.body); st != want {
				t.Errorf("mode %d %s %v: %d %s, want %d", mode, c.method, c.hdrs, st, body, want)
			}
		}
		srv.Close()
	}
}
