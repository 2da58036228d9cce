package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
)

// get sends GETs for paths through the headless proxy and returns the
// flow lines it printed for them.
func (h *headless) get(t *testing.T, upstream string, paths ...string) []string {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(h.proxy)}}
	var lines []string
	for _, p := range paths {
		res, err := client.Get(upstream + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		select {
		case l := <-h.lines:
			lines = append(lines, l)
		case <-time.After(10 * time.Second):
			t.Fatalf("no line printed for %s", p)
		}
	}
	return lines
}

// recorded is the paths of a capture's flows in flow order, and whether it
// was cut off.
func recorded(t *testing.T, path string) (string, bool) {
	t.Helper()
	c, err := har.LoadHAR(path)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i, f := range c.Flows {
		if f.ID != i+1 {
			t.Errorf("flow %d numbered %d", i+1, f.ID)
		}
		paths = append(paths, f.Target)
	}
	return strings.Join(paths, " "), c.Truncated
}

// --record onto an existing file refuses in one line naming the file and
// the alternatives, and leaves it byte for byte as it was.
func TestRecordNeverOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "x.har")
	if err := har.WriteHAR(existing, seedCaptures()[1]); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(existing)
	home := filepath.Join(dir, "home")
	out, err := exec.Command(provtapBinary(t), "--no-tui", "--record", existing, "--home", home, "--listen", "127.0.0.1:0").CombinedOutput()
	want := "provtap: " + existing + " exists; provtap never overwrites a file: add --append to continue that capture, choose another --record FILE, " +
		"or leave --record out for a new file under " + filepath.Join(home, "captures") + "\n"
	if exitCode(err) != 2 || string(out) != want {
		t.Errorf("exit %d, output %q\nwant %q", exitCode(err), out, want)
	}
	if after, _ := os.ReadFile(existing); !bytes.Equal(before, after) {
		t.Error("the existing capture changed")
	}
}

// --append continues a provtap capture: every earlier and new flow reads
// back, numbered as they were shown; while it records, the capture is
// reported as being recorded, not as cut off; a kill -9 mid-append loses
// no flow that was shown.
func TestAppendContinuesACapture(t *testing.T) {
	t.Parallel()
	up := okUpstream(t)
	dir := t.TempDir()
	home, capFile := filepath.Join(dir, "home"), filepath.Join(dir, "cap.har")

	// --append on a file that does not exist yet starts it.
	first := startHeadlessAt(t, home, capFile, "--append")
	if len(first.startup) != 1 {
		t.Errorf("start-up lines %q", first.startup)
	}
	first.get(t, up, "/a", "/b")
	if err, _ := first.stop(t); err != nil {
		t.Fatal(err)
	}

	second := startHeadlessAt(t, home, capFile, "--append")
	if got := second.startup[0]; got != "provtap: continuing "+capFile+" after its 2 flows" {
		t.Errorf("start-up line %q", got)
	}
	lines := second.get(t, up, "/c", "/d")
	if !strings.Contains(lines[0], " #3 GET ") || !strings.Contains(lines[1], " #4 GET ") {
		t.Errorf("the new flows are not numbered after the earlier ones: %q", lines)
	}
	// Meanwhile: analyze says it is being recorded; another --append is refused.
	code, out, errOut := runProvtap(t, "analyze", "--format", "json", capFile)
	if code != 0 || errOut != "provtap analyze: "+capFile+" is still being recorded by a running provtap; reading the 4 flows written so far\n" || !strings.Contains(out, `"flows": 4`) {
		t.Errorf("analyze while recording: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runProvtap(t, "--no-tui", "--append", "--record", capFile, "--home", home, "--listen", "127.0.0.1:0")
	if code != 2 || errOut != "provtap: --append: "+capFile+" is being recorded by another provtap; stop that one first, or choose another --record FILE\n" {
		t.Errorf("a second --append: exit %d, stderr %q", code, errOut)
	}
	if err, _ := second.stop(t); err != nil {
		t.Fatal(err)
	}
	if paths, cut := recorded(t, capFile); paths != "/a /b /c /d" || cut {
		t.Errorf("after the append: %q, cut off %v", paths, cut)
	}

	third := startHeadlessAt(t, home, capFile, "--append")
	third.get(t, up, "/e", "/f")
	third.cmd.Process.Signal(syscall.SIGKILL)
	third.cmd.Wait()
	if paths, cut := recorded(t, capFile); paths != "/a /b /c /d /e /f" || !cut {
		t.Errorf("after kill -9 mid-append: %q, cut off %v", paths, cut)
	}
	code, _, errOut = runProvtap(t, "analyze", capFile)
	if code != 0 || errOut != "provtap analyze: "+capFile+" was cut off (its recorder was killed, or the disk filled); reading the 6 flows before the cut\n" {
		t.Errorf("analyze after the kill: exit %d, stderr %q", code, errOut)
	}
	// A killed append is continued like any other.
	fourth := startHeadlessAt(t, home, capFile, "--append")
	fourth.get(t, up, "/g")
	if err, _ := fourth.stop(t); err != nil {
		t.Fatal(err)
	}
	if paths, cut := recorded(t, capFile); paths != "/a /b /c /d /e /f /g" || cut {
		t.Errorf("after appending to the killed capture: %q, cut off %v", paths, cut)
	}
}

// --append refuses a HAR another tool wrote, unchanged.
func TestAppendRefusesAnotherToolsHAR(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	firefox := firefoxHAR(t, dir)
	before, _ := os.ReadFile(firefox)
	code, _, errOut := runProvtap(t, "--no-tui", "--append", "--record", firefox, "--home", filepath.Join(dir, "home"), "--listen", "127.0.0.1:0")
	if code != 2 || errOut != "provtap: --append: "+firefox+" is not a provtap capture (written by Firefox); provtap continues only its own captures: choose another --record FILE\n" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if after, _ := os.ReadFile(firefox); !bytes.Equal(before, after) {
		t.Error("the Firefox HAR changed")
	}
}

// --home: a directory provtap creates is 0700; an existing one keeps its
// mode, and one readable by others that holds the CA key gets one warning.
func TestHomeKeepsItsMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fresh := filepath.Join(dir, "fresh")
	if code, _, errOut := runProvtap(t, "ca", "--home", fresh); code != 0 || errOut != "" {
		t.Fatalf("exit %d, %s", code, errOut)
	}
	capturetest.WantMode(t, fresh, 0o700)
	shared := filepath.Join(dir, "shared")
	os.Mkdir(shared, 0o755)
	os.Chmod(shared, 0o755)
	// Each run warns, once: the first as soon as it has made the key there.
	for i := 0; i < 3; i++ {
		code, _, errOut := runProvtap(t, "ca", "--home", shared)
		want := "provtap ca: warning: " + shared + " (mode 0755) can be read by others and holds the CA's private key ca-key.pem; chmod 700 " +
			shared + " unless others must read it (provtap leaves the mode as it is)\n"
		if code != 0 || errOut != want {
			t.Errorf("run %d: exit %d, stderr %q\nwant %q", i, code, errOut, want)
		}
	}
	capturetest.WantMode(t, shared, 0o755)
	// The proxy too leaves it as it is.
	h := startHeadlessAt(t, shared, filepath.Join(dir, "cap.har"))
	if !strings.Contains(strings.Join(h.startup, "\n"), "provtap: warning: "+shared+" (mode 0755)") {
		t.Errorf("the proxy did not warn: %q", h.startup)
	}
	h.stop(t)
	capturetest.WantMode(t, shared, 0o755)
}

// The TUI's save and export --out write new files only.
func TestSaveAndExportOutNeverOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "keep.har")
	os.WriteFile(existing, []byte("precious"), 0o644)
	flows := seedCaptures()[0]
	if err := saveNew(existing, slices.Values(flows)); err == nil || err.Error() != existing+" exists; provtap never overwrites a file: choose another name" {
		t.Errorf("save onto an existing file: %v", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "precious" {
		t.Errorf("the existing file became %q", b)
	}
	saved := filepath.Join(dir, "saved.har")
	if err := saveNew(saved, slices.Values(flows)); err != nil {
		t.Fatal(err)
	}
	if c, err := har.LoadHAR(saved); err != nil || len(c.Flows) != 3 {
		t.Errorf("saved: %v", err)
	}
	out := filepath.Join(dir, "replay.sh")
	code, stdout, stderr := runProvtap(t, "export", saved, "--flow", "2", "--out", out)
	if code != 0 || stdout != "wrote flow 2 to "+out+"\n" || stderr != "" {
		t.Errorf("export --out: exit %d, %q %q", code, stdout, stderr)
	}
	if b, err := os.ReadFile(out); err != nil || !strings.HasPrefix(string(b), "curl --http1.1 -X PATCH 'https://idm.example.com/admin/usergroups/") {
		t.Errorf("export --out wrote %q (%v)", b, err)
	}
	capturetest.WantMode(t, out, 0o600)
}

// What --append streams of the capture it continues: every flow in order,
// with where the file holds it (the live UI reads it back from there) and
// the findings analyze gives, none of it held by the pipeline.
func TestAppendStreamsTheEarlierFlows(t *testing.T) {
	t.Parallel()
	flows := seedCaptures()[0]
	path := writeCapture(t, flows...)
	want, err := har.LoadHAR(path)
	if err != nil {
		t.Fatal(err)
	}
	pl := newPipeline(nil, time.UTC)
	store := har.OpenStore(path)
	defer store.Close()
	var ids []int
	var got []analyze.Finding
	err = pl.earlier(path, nil, func(f *capture.Flow, loc har.Loc, findings []analyze.Finding) {
		ids = append(ids, f.ID)
		got = append(got, findings...)
		back, err := store.Load(loc)
		if err != nil || back.URL != f.URL || back.Method != f.Method || string(back.ResponseBody.Bytes) != string(f.ResponseBody.Bytes) {
			t.Errorf("flow %d read back from %+v: %v %+v", f.ID, loc, err, back)
		}
	})
	if err != nil || len(ids) != len(want.Flows) || ids[0] != 1 || ids[len(ids)-1] != len(want.Flows) {
		t.Fatalf("streamed %v, err %v; want flows 1-%d", ids, err, len(want.Flows))
	}
	got = append(got, pl.eng.Flush()...)
	if w, g := findingKeys(analyze.Run(want.Flows)), findingKeys(got); len(w) == 0 || strings.Join(w, "\n") != strings.Join(g, "\n") {
		t.Errorf("findings:\nanalyze %q\nappend  %q", w, g)
	}
}
