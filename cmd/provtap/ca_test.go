package main

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
)

func TestCAPemHintsAndRegenerate(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	bin := provtapBinary(t)
	pem1, err := exec.Command(bin, "ca", "--pem", "--home", home).Output()
	if err != nil || !bytes.HasPrefix(pem1, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Fatalf("ca --pem: %v %q", err, pem1)
	}
	hints, err := exec.Command(bin, "ca", "--hints", "--home", home).Output()
	if err != nil {
		t.Fatalf("ca --hints: %v", err)
	}
	for _, want := range []string{`keytool" -importcert`, "cacerts", "-Dhttps.proxyHost=127.0.0.1", "certutil -addstore Root", "update-ca-certificates", "--cacert"} {
		if !strings.Contains(string(hints), want) {
			t.Errorf("hints lack %q", want)
		}
	}
	if _, err := exec.Command(bin, "ca", "--regenerate", "--home", home).Output(); err != nil {
		t.Fatal(err)
	}
	pem2, err := exec.Command(bin, "ca", "--pem", "--home", home).Output()
	if err != nil || !bytes.HasPrefix(pem2, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Fatalf("ca --pem after --regenerate: %v %q", err, pem2)
	}
	if bytes.Equal(pem1, pem2) {
		t.Error("--regenerate kept the old CA")
	}
	capturetest.WantMode(t, filepath.Join(home, "ca-key.pem"), 0o600)
}

// provtap ca shows the scope and the expiry, and hints at constraining an
// unconstrained CA; --regenerate --limit-to makes a constrained one, which
// later runs show as such.
func TestCAScopeAndExpiry(t *testing.T) {
	t.Parallel()
	home := filepath.Join(t.TempDir(), "home")
	code, out, errOut := runProvtap(t, "ca", "--home", home, "--utc")
	if code != 0 || errOut != "" {
		t.Fatalf("ca: %d %s", code, errOut)
	}
	for _, want := range []string{"\nvalid until  ", " UTC (expires in 365 days)\n", "\nscope        any host (no name constraints)",
		"provtap ca --regenerate --limit-to example.com,.corp.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("ca lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runProvtap(t, "ca", "--home", home, "--regenerate", "--limit-to", "Example.com,.corp.example")
	if code != 0 || errOut != "" {
		t.Fatalf("ca --regenerate --limit-to: %d %s", code, errOut)
	}
	wantScope := "\nscope        example.com and the names below it, the names below corp.example; no IP address (X.509 name constraints). Other hosts are tunnelled, not decrypted\n"
	if !strings.Contains(out, "\nsigning CA   "+filepath.Join(home, "ca-signer.pem")+" (an intermediate under it") {
		t.Errorf("ca --regenerate --limit-to does not show the signing intermediate:\n%s", out)
	}
	for _, args := range [][]string{nil, {"--hints"}} {
		if args != nil {
			_, out, _ = runProvtap(t, append([]string{"ca", "--home", home}, args...)...)
		}
		if !strings.Contains(out, wantScope) || strings.Contains(out, "--limit-to example.com") {
			t.Errorf("ca %v on a constrained CA:\n%s", args, out)
		}
	}
	if !strings.Contains(out, "This CA is limited to example.com, .corp.example") {
		t.Errorf("the hints do not say the CA is limited:\n%s", out)
	}
	ca, err := proxy.LoadCA(home)
	if err != nil {
		t.Fatal(err)
	}
	if got := ca.Cert.PermittedDNSDomains; !ca.Cert.PermittedDNSDomainsCritical || strings.Join(got, ",") != "example.com,.corp.example" {
		t.Errorf("the certificate's constraints: %q", got)
	}
	// --regenerate without --limit-to is unconstrained again.
	if code, _, _ := runProvtap(t, "ca", "--home", home, "--regenerate"); code != 0 {
		t.Fatal("ca --regenerate")
	}
	if ca, _ := proxy.LoadCA(home); ca.Scope() != nil {
		t.Errorf("still constrained: %q", ca.Scope())
	}
}

// The hints for a provtap on Windows use its Windows paths, cmd.exe's
// %JAVA_HOME%, and the certificate's exact name and thumbprint; from
// another OS the Windows steps say to copy the certificate over first.
func TestWindowsHints(t *testing.T) {
	t.Parallel()
	ca, err := proxy.CreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(ca.Cert.Raw)
	thumb := fmt.Sprintf("%X", sum)
	dir := `C:\Users\Jo Admin\AppData\Roaming\provtap`
	env := newHintEnv("windows", ca, dir+`\ca.pem`, dir+`\jvm-truststore.p12`, "127.0.0.1:8877")
	win := trustHints(env, "windows")
	jvm := trustHints(env, "jvm")
	for _, want := range []string{
		`certutil -addstore Root "C:\Users\Jo Admin\AppData\Roaming\provtap\ca.pem"` + "\n",
		`as "` + ca.Cert.Subject.CommonName + `"`,
		`certutil -delstore Root "` + ca.Cert.Subject.CommonName + `"` + "\n",
		"certutil -delstore Root " + thumb + ";",
		`<proxy proxyaddress="http://127.0.0.1:8877" bypassonlocal="False" usesystemdefault="False" />`,
		`/d "HTTPS_PROXY=http://127.0.0.1:8877\0HTTP_PROXY=http://127.0.0.1:8877" /f`,
		`netsh winhttp set proxy proxy-server="127.0.0.1:8877"`, "netsh winhttp reset proxy",
		"HTTPS_PROXY=http://USER:PASS@127.0.0.1:8877", "ssh -N -L 8877:127.0.0.1:8877",
	} {
		if !strings.Contains(win, want) {
			t.Errorf("windows hints lack %q:\n%s", want, win)
		}
	}
	if strings.Contains(win, "First copy") {
		t.Error("on Windows the hints ask to copy the certificate to Windows")
	}
	for _, want := range []string{
		`del "C:\Users\Jo Admin\AppData\Roaming\provtap\jvm-truststore.p12"`,
		`"%JAVA_HOME%\bin\keytool" -importkeystore -noprompt -srckeystore "%JAVA_HOME%\lib\security\cacerts" -srcstorepass changeit -destkeystore "C:\Users\Jo Admin\AppData\Roaming\provtap\jvm-truststore.p12"`,
		`-file "C:\Users\Jo Admin\AppData\Roaming\provtap\ca.pem"`,
		`-Djavax.net.ssl.trustStore=C:\Users\Jo Admin\AppData\Roaming\provtap\jvm-truststore.p12`,
		`"%CATALINA_HOME%\bin\tomcat9.exe" //US//Tomcat9 ++JvmOptions="-Djavax.net.ssl.trustStore=`,
		"tomcat9w.exe //ES//Tomcat9", `set "CATALINA_OPTS=%CATALINA_OPTS% -Djavax`,
	} {
		if !strings.Contains(jvm, want) {
			t.Errorf("jvm hints on Windows lack %q:\n%s", want, jvm)
		}
	}
	for _, bad := range []string{"$JAVA_HOME", "setenv.sh", "rm -f"} {
		if strings.Contains(jvm, bad) {
			t.Errorf("jvm hints on Windows say %q", bad)
		}
	}
	linux := trustHints(newHintEnv("linux", ca, "/home/jo/.config/provtap/ca.pem", "/home/jo/.config/provtap/jvm-truststore.p12", "127.0.0.1:8877"), "windows")
	if !strings.Contains(linux, `First copy /home/jo/.config/provtap/ca.pem from this machine to the Windows host, as C:\provtap\ca.pem.`) ||
		!strings.Contains(linux, `certutil -addstore Root C:\provtap\ca.pem`+"\n") {
		t.Errorf("windows hints from Linux:\n%s", linux)
	}
	// A listener off loopback: credentials everywhere a client needs them.
	remote := newHintEnv("linux", ca, "/p/ca.pem", "/p/t.p12", "10.20.30.40:3128")
	all := trustHints(remote, "")
	for _, want := range []string{"--proxy-auth USER:PASS", "Proxy credentials (provtap requires them on this address):",
		`CATALINA_OPTS="$CATALINA_OPTS -Djavax.net.ssl.trustStore=/p/t.p12`, "-Djdk.http.auth.tunneling.disabledSchemes=\"\n",
		"HTTPS_PROXY=http://USER:PASS@10.20.30.40:3128\\0", "--proxy-user USER:PASS https://TARGET/"} {
		if !strings.Contains(all, want) {
			t.Errorf("remote hints lack %q:\n%s", want, all)
		}
	}
}

// Half a CA is refused, not replaced: clients may trust the certificate
// that is left, or the key may come back from a backup. --regenerate is
// how to start again.
func TestHalfACAIsRefused(t *testing.T) {
	t.Parallel()
	bin := provtapBinary(t)
	for _, missing := range []string{"ca-key.pem", "ca.pem"} {
		home := t.TempDir()
		if out, err := exec.Command(bin, "ca", "--home", home).CombinedOutput(); err != nil {
			t.Fatalf("ca: %v %s", err, out)
		}
		kept := "ca.pem"
		if missing == kept {
			kept = "ca-key.pem"
		}
		before, _ := os.ReadFile(filepath.Join(home, kept))
		os.Remove(filepath.Join(home, missing))
		for _, args := range [][]string{{"ca"}, {"--no-tui", "--listen", "127.0.0.1:0"}} {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, append(args, "--home", home)...)
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := exitCode(err); code != 2 || !strings.Contains(stderr.String(), "incomplete: "+missing+" is missing; restore it, or run provtap ca --regenerate") {
				t.Errorf("%v without %s: exit %d, stderr %q", args, missing, code, stderr.String())
			}
		}
		if after, _ := os.ReadFile(filepath.Join(home, kept)); !bytes.Equal(before, after) {
			t.Errorf("without %s, %s was replaced", missing, kept)
		}
		if _, err := os.Stat(filepath.Join(home, missing)); err == nil {
			t.Errorf("%s was made anew", missing)
		}
	}
}
