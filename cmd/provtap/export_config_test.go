package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/export"
)

// export --format curl-config: a text body prints on stdout; a binary one
// needs --out, which writes the config and FILE.body (both 0600, never over
// a file); curl -K on what was written sends the captured request's bytes.
func TestExportCurlConfig(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl")
	addr, got := rawEcho(t)
	text := `{"displayName":"Zoë's group","members":[]}`
	bin := "\x00\x1a\r\n\xff binary " + strings.Repeat("x", 70<<10)
	mk := func(i int, method, body string) *capture.Flow {
		f := exportFlow(i, method, "http://"+addr+"/scim/v2/Groups?x=%20y", 401,
			[]capture.Header{{Name: "Host", Value: addr}, {Name: "Authorization", Value: exBasic}, {Name: "X-Name", Value: "Grüße"},
				{Name: "Content-Type", Value: "application/scim+json"}, {Name: "Content-Length", Value: strconv.Itoa(len(body))}}, nil, body, "")
		f.Target = "/scim/v2/Groups?x=%20y"
		return f
	}
	flows := []*capture.Flow{mk(1, "POST", text), mk(2, "PUT", bin)}
	harFile := writeCapture(t, flows...)
	dir := t.TempDir()
	run := func(config string) []byte {
		t.Helper()
		c := exec.Command("curl", "-K", config)
		c.Dir = t.TempDir()
		c.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "SYSTEMROOT=" + os.Getenv("SYSTEMROOT")}
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("curl -K %s: %v\n%s", config, err, out)
		}
		return next(t, got)
	}

	code, out, errOut := runProvtap(t, "export", harFile, "--flow", "1", "--format", "curl-config")
	if code != 0 || errOut != "" || !strings.Contains(out, "data-raw = ") {
		t.Fatalf("stdout: exit %d, stderr %q\n%s", code, errOut, out)
	}
	printed := filepath.Join(dir, "printed.curl")
	os.WriteFile(printed, []byte(out), 0o600)
	if raw, want := run(printed), export.RawRequest(flows[0]); !bytes.Equal(raw, want) {
		t.Errorf("from stdout: the server got\n%q\nwant\n%q", raw, want)
	}

	config := filepath.Join(dir, "put.curl")
	code, out, errOut = runProvtap(t, "export", harFile, "--flow", "2", "--format", "curl-config", "--out", config)
	curl := map[bool]string{false: "curl", true: "curl.exe"}[runtime.GOOS == "windows"]
	if code != 0 || errOut != "" || out != "wrote flow 2 to "+config+" and its body to put.curl.body: "+curl+" -K "+config+"\n" {
		t.Fatalf("--out: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
	capturetest.WantMode(t, config, 0o600)
	capturetest.WantMode(t, config+".body", 0o600)
	if data, _ := os.ReadFile(config + ".body"); string(data) != bin {
		t.Errorf("the body file holds %d bytes, want the %d of the body", len(data), len(bin))
	}
	if raw, want := run(config), export.RawRequest(flows[1]); !bytes.Equal(raw, want) {
		t.Errorf("from --out: the server got %d bytes, want %d", len(raw), len(want))
	}
	// Again onto the same name: refused, nothing changed.
	before, _ := os.ReadFile(config)
	if code, _, errOut := runProvtap(t, "export", harFile, "--flow", "2", "--format", "curl-config", "--out", config); code != 2 ||
		errOut != "provtap export: "+config+" exists; provtap never overwrites a file: choose another --out FILE\n" {
		t.Errorf("onto an existing config: %d %q", code, errOut)
	}
	if after, _ := os.ReadFile(config); !bytes.Equal(before, after) {
		t.Error("the existing config changed")
	}
}
