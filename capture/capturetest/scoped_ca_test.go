package capturetest_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/martian/v3/mitm"

	"github.com/provtap/provtap/analyze"
	"github.com/provtap/provtap/capture"
	"github.com/provtap/provtap/capture/capturetest"
	"github.com/provtap/provtap/capture/proxy"
	"github.com/provtap/provtap/internal/scenario"
)

// The scoped CA of issue 15 with real clients. provtap's CA is limited to
// example.com and the names below corp.test. curl and the JDK trust it: a
// seed connector on scim.corp.test is intercepted and its failure
// diagnosed. login.other.test, outside the scope, works through a tunnel
// with its own certificate. And the certificates provtap would mint for
// names outside the scope are refused by both clients.
func TestScopedCAWithRealClients(t *testing.T) {
	t.Parallel()
	capturetest.RequireTool(t, "curl", "java", "keytool")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	ca, err := proxy.CreateCA(t.TempDir(), "example.com", ".corp.test")
	if err != nil {
		t.Fatal(err)
	}
	jdkTrust := truststore(t, ctx, ca.CertFile)

	t.Run("in scope: intercepted and diagnosed", func(t *testing.T) {
		for _, client := range []string{"curl", "jdk"} {
			t.Run(client, func(t *testing.T) {
				srv := scenario.Serve(scenario.NewSessionAPI(), true)
				defer srv.Close()
				_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
				base := "https://scim.corp.test:" + port
				rp := capturetest.StartProxy(t, proxy.Options{CA: ca, Dial: capturetest.DialTestNames, InsecureUpstream: true})
				if client == "curl" {
					err = capturetest.Curl{Proxy: rp.URL, CAFile: ca.CertFile}.RunSeed1(ctx, base)
				} else {
					err = capturetest.JDK{Proxy: rp.URL, CAFile: ca.CertFile}.RunSeed1(ctx, base)
				}
				var step *scenario.StepError
				if !errors.As(err, &step) || step.Status != 401 || !strings.HasPrefix(step.Step, "PATCH ") {
					t.Fatalf("want seed 1's PATCH refused, got %v", err)
				}
				flows := rp.Flows(2, 20*time.Second)
				for _, f := range flows {
					if f.Kind != capture.KindHTTP || f.Host != "scim.corp.test" || f.Scheme != "https" {
						t.Errorf("not an intercepted https exchange: %s", flowLines([]*capture.Flow{f}))
					}
				}
				got := analyze.Run(flows)
				if f := findingFor(t, got, analyze.KindDroppedCookie); f.Flow != 2 || f.Severity != analyze.Error {
					t.Errorf("dropped-cookie on #%d (%s)", f.Flow, f.Severity)
				}
			})
		}
	})

	t.Run("out of scope: tunnelled, the real certificate", func(t *testing.T) {
		pki := capturetest.NewInternalPKI(t, "login.other.test")
		srv := pki.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "login page") }))
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
		target := "https://login.other.test:" + port + "/login"
		rp := capturetest.StartProxy(t, proxy.Options{CA: ca, Dial: capturetest.DialTestNames})
		// Each client trusts only the server's own root: provtap's CA could not pass.
		out, err := exec.CommandContext(ctx, "curl", "-sS", "--fail", "--proxy", rp.URL, "--noproxy", "", "--cacert", pki.CAFile, target).CombinedOutput()
		if err != nil || string(out) != "login page" {
			t.Fatalf("curl through the tunnel: %v\n%s", err, out)
		}
		if got := tlsProbe(t, ctx, truststore(t, ctx, pki.CAFile), target, rp.Addr()); !strings.HasPrefix(got, "OK 200 CN=Corp Internal Root CA (test)") {
			t.Errorf("the JDK through the tunnel: %s", got)
		}
		flows := rp.Flows(2, 20*time.Second)
		if len(flows) != 2 {
			t.Fatalf("want a flow per client, got:\n  %s", flowLines(flows))
		}
		for _, f := range flows {
			if f.Kind != capture.KindOutOfScope || f.Method != "CONNECT" || f.Host != "login.other.test" || f.Status != 200 || f.ResponseBody.Size == 0 {
				t.Errorf("not one tunnel flow marked out of scope: %s", flowLines([]*capture.Flow{f}))
			}
		}
		for _, f := range analyze.Run(flows) {
			if f.Severity >= analyze.Warning {
				t.Errorf("a tunnel gave a finding: %s", f.Line())
			}
		}
	})

	t.Run("a certificate minted outside the scope is refused", func(t *testing.T) {
		cfg, err := mitm.NewConfig(ca.Signer, ca.Key)
		if err != nil {
			t.Fatal(err)
		}
		hosts := filepath.Join(t.TempDir(), "hosts")
		names := []string{"api.example.com", "login.other.test", "corp.test", "127.0.0.1"}
		os.WriteFile(hosts, []byte("127.0.0.1 "+strings.Join(names[:3], " ")+"\n"), 0o600)
		for _, name := range names {
			// A server showing what provtap's MITM would show for name.
			ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg.TLSForHost(name))
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "minted") }))
			port := fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
			url := "https://" + net.JoinHostPort(name, port) + "/"
			inScope := name == "api.example.com" // the control: the same CA, a name it may sign for

			out, err := exec.CommandContext(ctx, "curl", "-sS", "--noproxy", "*", "--cacert", ca.CertFile,
				"--resolve", net.JoinHostPort(name, port)+":127.0.0.1", url).CombinedOutput()
			if inScope && (err != nil || string(out) != "minted") {
				t.Errorf("curl refused %s, inside the scope: %v %s", name, err, out)
			}
			if !inScope && (exitCode(err) != 60 || !strings.Contains(string(out), "subtree violation")) {
				t.Errorf("curl and %s: exit %d, want 60 (the name constraints refused it):\n%s", name, exitCode(err), out)
			}

			got := tlsProbe(t, ctx, jdkTrust, url, "", "-Djdk.net.hosts.file="+hosts)
			if inScope != strings.HasPrefix(got, "OK 200 ") {
				t.Errorf("the JDK and %s (in scope: %v): %s", name, inScope, got)
			}
			if !inScope && !strings.Contains(got, "CertPathValidatorException: name constraints check failed") {
				t.Errorf("the JDK refused %s, but not for its name constraints: %s", name, got)
			}
		}
	})
}

// truststore is a PKCS12 truststore holding the PEM certificate caFile.
func truststore(t *testing.T, ctx context.Context, caFile string) string {
	t.Helper()
	store := filepath.Join(t.TempDir(), "trust.p12")
	if out, err := exec.CommandContext(ctx, "keytool", "-importcert", "-noprompt", "-alias", "ca", "-file", caFile,
		"-keystore", store, "-storetype", "PKCS12", "-storepass", "changeit").CombinedOutput(); err != nil {
		t.Fatalf("keytool: %v\n%s", err, out)
	}
	return store
}

// tlsProbe runs TlsProbe.java: one GET of url with the JDK trusting only
// store, through proxy (host:port) unless it is "".
func tlsProbe(t *testing.T, ctx context.Context, store, url, proxy string, jvm ...string) string {
	t.Helper()
	args := append([]string{"-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Djavax.net.ssl.trustStore=" + store,
		"-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12"}, jvm...)
	args = append(args, filepath.Join("testdata", "TlsProbe.java"), url)
	if proxy != "" {
		args = append(args, proxy)
	}
	out, err := exec.CommandContext(ctx, "java", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("java TlsProbe: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
