package scenario

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Media types: a SCIM service that checks them as strictly as RFC 7644
// reads (MediaStrict: writes must be application/scim+json in UTF-8, and
// Accept must admit application/scim+json), or takes application/json
// too (MediaLenient).
const (
	// MediaToken is the bearer token the service wants.
	MediaToken = "media-3f9a1c7e5b2d4086"
	// MediaBase is where the service is mounted.
	MediaBase = "/scim/v2"
)

// MediaMode is how strictly a MediaTypeAPI checks media types.
type MediaMode int

const (
	// MediaStrict: 415 for a write that is not application/scim+json
	// (UTF-8), 406 for an Accept that excludes it.
	MediaStrict MediaMode = iota
	// MediaLenient also takes and answers application/json.
	MediaLenient
)

// MediaTypeAPI is the media-type server: GET <MediaBase>/Users (a list),
// POST <MediaBase>/Users (create), PUT <MediaBase>/Users/<id>.
type MediaTypeAPI struct {
	mode  MediaMode
	mu    sync.Mutex
	users []string // bodies created
}

// NewMediaTypeAPI returns an empty service checking media types in mode.
func NewMediaTypeAPI(mode MediaMode) *MediaTypeAPI { return &MediaTypeAPI{mode: mode} }

// Created is how many writes the service accepted.
func (a *MediaTypeAPI) Created() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.users)
}

// acceptable reports whether an Accept header admits typ (RFC 9110 §12.5.1).
func acceptable(accept, typ string) bool {
	if strings.TrimSpace(accept) == "" {
		return true
	}
	major, _, _ := strings.Cut(typ, "/")
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		if q := params["q"]; q == "0" || q == "0.0" || q == "0.00" || q == "0.000" {
			continue
		}
		if mt == "*/*" || mt == typ || mt == major+"/*" {
			return true
		}
	}
	return false
}

// ServeHTTP implements http.Handler.
func (a *MediaTypeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+MediaToken {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		scimErr(w, http.StatusUnauthorized, "", "Authorization failure")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, MediaBase+"/")
	if !ok || !strings.HasPrefix(rest, "Users") {
		scimErr(w, http.StatusNotFound, "", "Resource "+r.URL.Path+" not found")
		return
	}
	produce := SCIMType
	if !acceptable(r.Header.Get("Accept"), SCIMType) {
		if a.mode == MediaStrict || !acceptable(r.Header.Get("Accept"), "application/json") {
			scimErr(w, http.StatusNotAcceptable, "", "Not Acceptable: this service produces "+SCIMType)
			return
		}
		produce = "application/json"
	}
	if r.Method != http.MethodGet {
		ct := r.Header.Get("Content-Type")
		mt, params, err := mime.ParseMediaType(ct)
		okType := err == nil && (mt == SCIMType || a.mode == MediaLenient && mt == "application/json")
		cs := strings.ToLower(params["charset"])
		if !okType || cs != "" && cs != "utf-8" {
			if r.Method == http.MethodPut {
				w.Header().Set("Accept-Patch", SCIMType)
			} else {
				w.Header().Set("Accept-Post", SCIMType)
			}
			detail := "Content-Type must be " + SCIMType
			if okType {
				detail = "Unsupported charset " + params["charset"] + ": requests must be UTF-8"
			} else if ct == "" {
				detail = "Content-Type is required"
			}
			scimErr(w, http.StatusUnsupportedMediaType, "", detail)
			return
		}
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		a.mu.Lock()
		a.users = append(a.users, string(b))
		n := len(a.users)
		a.mu.Unlock()
		status := http.StatusCreated
		if r.Method == http.MethodPut {
			status = http.StatusOK
		}
		writeJSON(w, produce, status, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"id": "u" + strconv.Itoa(n), "userName": "created"})
		return
	}
	writeJSON(w, produce, http.StatusOK, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"},
		"totalResults": 0, "Resources": []any{}})
}

// MediaGet is a connector's lookup of a user (GET <MediaBase>/Users with a
// filter) with the service's token and accept as Accept (none when "").
func MediaGet(accept string) Step {
	h := [][2]string{Bearer(MediaToken)}
	if accept != "" {
		h = append(h, [2]string{"Accept", accept})
	}
	return Step{Method: http.MethodGet, Path: MediaBase + "/Users?filter=" + "userName%20eq%20%22jdoe%22", Header: h}
}

// MediaPost is a connector's create of a user (POST <MediaBase>/Users)
// with contentType as Content-Type (none when "") and Accept
// application/scim+json.
func MediaPost(contentType string) Step {
	h := [][2]string{Bearer(MediaToken), {"Accept", SCIMType}}
	if contentType != "" {
		h = append(h, [2]string{"Content-Type", contentType})
	}
	return Step{Method: http.MethodPost, Path: MediaBase + "/Users", Header: h,
		Body: `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jdoe@example.com","active":true}`}
}
