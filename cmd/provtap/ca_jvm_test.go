//go:build !windows

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/har"
)

// The hints run here are the Unix ones (sh, $JAVA_HOME); TestWindowsHints
// checks the Windows rendering.

// TestJVMHintsWork runs what `provtap ca --hints --for jvm` prints, as an
// IdentityIQ admin would: the keytool commands build the truststore from a
// copy of the JDK's cacerts, and java clients started with the printed
// options go through a provtap that requires --proxy-auth. The JDK here is
// a copy of the real one's cacerts with one more root (a public CA the JVM
// already trusts): a server with a certificate from that root, called
// directly and not through provtap, must still be trusted, which only holds
// if the copy kept the JDK's roots.
func TestJVMHintsWork(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "java", "keytool", "sh")
	if err := capturetest.ApacheInstalled(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()

	// A JAVA_HOME whose cacerts is the real JDK's plus a root of our own.
	public := capturetest.NewInternalPKI(t)
	javaHome := fakeJavaHome(t, ctx, dir, public.CAFile)
	realEntries := keystoreSize(t, ctx, filepath.Join(javaHome, "lib", "security", "cacerts"))

	internal := capturetest.NewInternalPKI(t) // the target, behind provtap
	hits := make(chan string, 20)
	handler := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits <- name + " " + r.URL.Path
			fmt.Fprintf(w, "%s says hello to %s", name, r.URL.Path)
		})
	}
	behind := strings.Replace(internal.Serve(t, handler("behind")).URL, "127.0.0.1", "localhost", 1)
	direct := strings.Replace(public.Serve(t, handler("direct")).URL, "127.0.0.1", "localhost", 1)

	home := filepath.Join(dir, "home")
	h := startHeadlessAt(t, home, filepath.Join(dir, "cap.har"), "--proxy-auth", "tester:s3cret", "--upstream-ca", internal.CAFile)
	code, hints, errOut := runProvtap(t, "ca", "--hints", "--for", "jvm", "--home", home, "--listen", h.proxy.Host)
	if code != 0 {
		t.Fatalf("ca --hints: %d %s", code, errOut)
	}
	for _, absent := range []string{"certutil", "update-ca-certificates", "security add-trusted-cert"} {
		if strings.Contains(hints, absent) {
			t.Errorf("--for jvm prints %q", absent)
		}
	}

	// The printed commands, in order, in a shell.
	var commands, options []string
	for _, l := range strings.Split(hints, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, `"$JAVA_HOME/bin/keytool" `), strings.HasPrefix(l, "rm -f ") && len(commands) == 0:
			commands = append(commands, l)
		case strings.HasPrefix(l, "-D"):
			options = append(options, strings.Fields(l)...)
		}
	}
	if len(commands) != 3 || len(options) != 13 {
		t.Fatalf("want a rm and two keytool commands and 13 options, got %q and %q in:\n%s", commands, options, hints)
	}
	for _, c := range commands {
		sh := exec.CommandContext(ctx, "sh", "-c", c)
		sh.Env = append(os.Environ(), "JAVA_HOME="+javaHome)
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", c, err, out)
		}
	}
	store := filepath.Join(home, "jvm-truststore.p12")
	if n := keystoreSize(t, ctx, store); n != realEntries+1 {
		t.Errorf("the truststore holds %d certificates, want the %d of the cacerts copied and provtap's", n, realEntries)
	}
	for i, o := range options {
		options[i] = strings.NewReplacer("=USER", "=tester", "=PASS", "=s3cret").Replace(o)
	}

	java := func(opts []string, mode string) string {
		args := append([]string{"-cp", strings.Join(capturetest.ApacheJars, string(filepath.ListSeparator)), "-Xshare:auto", "-XX:TieredStopAtLevel=1"}, opts...)
		args = append(args, filepath.Join("testdata", "JvmClients.java"), mode, behind, direct, "tester", "s3cret")
		out, _ := exec.CommandContext(ctx, "java", args...).CombinedOutput()
		return string(out)
	}
	out := java(options, "all")
	for _, want := range []string{
		"OK apache-createSystem 200 behind says hello to /apache-system",
		"OK HttpURLConnection 200 behind says hello to /huc",
		"OK java.net.http 200 behind says hello to /java-net-http",
		"OK apache-createDefault 200 direct says hello to /apache-default",
		"OK HttpURLConnection-NO_PROXY 200 direct says hello to /huc-direct",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("java clients with the printed options: want %q in:\n%s", want, out)
		}
	}
	// What the printed comments say: HttpURLConnection ignores the -D
	// credentials, and without the tunneling option cannot answer Basic.
	if out := java(options, "huc-no-auth"); !strings.Contains(out, "OK HttpURLConnection 407") {
		t.Errorf("HttpURLConnection without an Authenticator: want 407, got:\n%s", out)
	}
	var noTunneling []string
	for _, o := range options {
		if !strings.HasPrefix(o, "-Djdk.http.auth.tunneling.disabledSchemes=") {
			noTunneling = append(noTunneling, o)
		}
	}
	if out := java(noTunneling, "huc"); !strings.Contains(out, "407") {
		t.Errorf("HttpURLConnection without the tunneling option: want 407, got:\n%s", out)
	}

	if err, _ := h.stop(t); err != nil {
		t.Fatalf("provtap: %v", err)
	}
	capt, err := har.LoadHAR(h.record)
	if err != nil {
		t.Fatal(err)
	}
	through := map[string]bool{}
	for _, f := range capt.Flows {
		if f.Scheme == "https" && f.Method == "GET" && f.Status == 200 {
			through[f.Target] = true
		}
	}
	for _, p := range []string{"/apache-system", "/huc", "/java-net-http"} {
		if !through[p] {
			t.Errorf("provtap did not capture the https GET %s: %v", p, through)
		}
	}
	for _, p := range []string{"/apache-default", "/huc-direct", "/huc-no-auth", "/huc-again"} {
		if through[p] {
			t.Errorf("%s went through provtap", p)
		}
	}
	close(hits)
	var got []string
	for hit := range hits {
		got = append(got, hit)
	}
	if want := "behind /apache-system,behind /huc,behind /java-net-http,direct /apache-default,direct /huc-direct"; strings.Join(got, ",") != want {
		t.Errorf("the servers received %q, want %q", got, want)
	}
}

// fakeJavaHome is a JAVA_HOME for the hints: bin/keytool is the real one,
// lib/security/cacerts a copy of the real JDK's with extraRoot added.
func fakeJavaHome(t *testing.T, ctx context.Context, dir, extraRoot string) string {
	t.Helper()
	out, err := exec.CommandContext(ctx, "java", "-XshowSettings:properties", "-version").CombinedOutput()
	m := regexp.MustCompile(`(?m)^\s*java\.home = (.+)$`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("java.home: %v\n%s", err, out)
	}
	realHome := strings.TrimSpace(string(m[1]))
	src, err := os.ReadFile(filepath.Join(realHome, "lib", "security", "cacerts"))
	if err != nil {
		t.Fatalf("the JDK's cacerts: %v", err)
	}
	home := filepath.Join(dir, "jdk")
	os.MkdirAll(filepath.Join(home, "lib", "security"), 0o755)
	os.MkdirAll(filepath.Join(home, "bin"), 0o755)
	keytool, _ := exec.LookPath("keytool")
	if err := os.Symlink(keytool, filepath.Join(home, "bin", "keytool")); err != nil {
		t.Fatal(err)
	}
	cacerts := filepath.Join(home, "lib", "security", "cacerts")
	if err := os.WriteFile(cacerts, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, "keytool", "-importcert", "-noprompt", "-alias", "test-public-root", "-file", extraRoot,
		"-keystore", cacerts, "-storepass", "changeit").CombinedOutput(); err != nil {
		t.Fatalf("adding the test root to the cacerts copy: %v\n%s", err, out)
	}
	return home
}

// keystoreSize is how many entries keytool lists in a store.
func keystoreSize(t *testing.T, ctx context.Context, store string) int {
	t.Helper()
	out, err := exec.CommandContext(ctx, "keytool", "-list", "-keystore", store, "-storepass", "changeit").CombinedOutput()
	if err != nil {
		t.Fatalf("keytool -list %s: %v\n%s", store, err, out)
	}
	m := regexp.MustCompile(`contains (\d+) entr`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("keytool -list %s: %s", store, out)
	}
	var n int
	fmt.Sscan(string(bytes.TrimSpace(m[1])), &n)
	return n
}
