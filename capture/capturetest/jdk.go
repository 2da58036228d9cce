package capturetest

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/provtap/provtap/internal/scenario"
)

//go:embed java/*.java
var javaSources embed.FS

// JDK drives the seed connectors with the JDK's java.net.http.HttpClient,
// launched as single-file source programs (`java Seed1Connector.java …`,
// Java 11+), the way a JVM connector talks to its target.
type JDK struct {
	Proxy string // proxy host:port (or http://host:port); "" to connect directly
	// CAFile is a PEM CA to trust for https (provtap's CA); it is imported
	// into a temporary PKCS12 truststore with keytool.
	CAFile string
	// CookieManager gives the HttpClient a java.net.CookieManager: cookies
	// persist between calls. Without it (the failing connector) they do not.
	CookieManager bool
	// WorkDir holds the sources and the truststore; "" uses a temporary
	// directory removed afterwards.
	WorkDir string
	// JVMArgs are more options for the JVM (-cp, -D…), before the source.
	JVMArgs []string
}

// RunSeed1 runs the seed-1 connector (Seed1Connector.java) on the JDK.
func (j JDK) RunSeed1(ctx context.Context, baseURL string) error {
	args := []string{baseURL, scenario.SessionAPIUser, scenario.SessionAPIPassword, scenario.NewAccountName(), scenario.SessionAPIGroup}
	if j.CookieManager {
		args = append(args, "--cookie-manager")
	}
	return j.run(ctx, "Seed1Connector.java", args)
}

// RunSeed2 runs the seed-2 connector (Seed2Connector.java) on the JDK.
func (j JDK) RunSeed2(ctx context.Context, baseURL string, s scenario.Seed2Client) error {
	args := []string{baseURL, scenario.GatewayUser, scenario.GatewayPassword, scenario.GatewayKey, scenario.GatewayGroup, scenario.GatewayNewMember}
	for flag, on := range map[string]bool{"--key-header": s.KeyInHeader, "--key-query": s.KeyInQuery,
		"--key-on-writes": s.KeyOnWrites, "--read-config": s.ReadConfig} {
		if on {
			args = append(args, flag)
		}
	}
	return j.run(ctx, "Seed2Connector.java", args)
}

func (j JDK) run(ctx context.Context, source string, args []string) error {
	cmd, done, err := j.command(ctx, source, args)
	if err != nil {
		return err
	}
	defer done()
	return runConnector(cmd, "java "+source)
}

// command is the java command that runs source (one of java/*.java) with
// args, in its work directory; done removes a temporary one.
func (j JDK) command(ctx context.Context, source string, args []string) (cmd *exec.Cmd, done func(), err error) {
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, nil, fmt.Errorf("the java binary (JDK 11 or later) is not installed: %w", err)
	}
	dir := j.WorkDir
	done = func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "provtap-jdk-"); err != nil {
			return nil, nil, err
		}
		done = func() { os.RemoveAll(dir) }
	}
	fail := func(err error) (*exec.Cmd, func(), error) {
		done()
		return nil, nil, err
	}
	src, err := javaSources.ReadFile("java/" + source)
	if err != nil {
		return fail(err)
	}
	srcPath := filepath.Join(dir, source)
	if err := os.WriteFile(srcPath, src, 0o600); err != nil {
		return fail(err)
	}
	var jvm []string
	if j.CAFile != "" {
		store, err := importTruststore(ctx, dir, j.CAFile)
		if err != nil {
			return fail(err)
		}
		jvm = append(jvm, "-Djavax.net.ssl.trustStore="+store, "-Djavax.net.ssl.trustStorePassword=changeit",
			"-Djavax.net.ssl.trustStoreType=PKCS12")
	}
	if j.Proxy != "" {
		args = append(args, "--proxy", proxyHostPort(j.Proxy))
	}
	// Small heap and no JIT tiers beyond C1: the programs make a few calls.
	jvm = append(append(jvm, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx128m"), j.JVMArgs...)
	cmd = exec.CommandContext(ctx, java, append(append(jvm, srcPath), args...)...)
	cmd.Dir = dir
	return cmd, done, nil
}

// runConnector runs a connector program that exits with status 3 when a
// call was refused, saying which on stderr; the refusal is a *StepError.
func runConnector(cmd *exec.Cmd, name string) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return refusedStep(stderr.String())
	}
	if err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// proxyHostPort is a proxy's host:port, from a URL or host:port.
func proxyHostPort(proxy string) string {
	return strings.TrimPrefix(strings.TrimPrefix(proxy, "http://"), "https://")
}

// refusedStep parses "REFUSED PATCH /path 401 body" (the first such line).
func refusedStep(stderr string) error {
	for _, line := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(line, "REFUSED "); ok {
			f := strings.SplitN(rest, " ", 4)
			if len(f) >= 3 {
				status, _ := strconv.Atoi(f[2])
				body := ""
				if len(f) == 4 {
					body = f[3]
				}
				return &scenario.StepError{Step: f[0] + " " + f[1], Status: status, Body: body}
			}
		}
	}
	return fmt.Errorf("java: a call was refused: %s", strings.TrimSpace(stderr))
}

// importTruststore makes a PKCS12 truststore holding the CA, with keytool.
func importTruststore(ctx context.Context, dir, caFile string) (string, error) {
	keytool, err := exec.LookPath("keytool")
	if err != nil {
		return "", fmt.Errorf("keytool (part of the JDK) is not installed: %w", err)
	}
	store := filepath.Join(dir, "truststore.p12")
	os.Remove(store)
	out, err := exec.CommandContext(ctx, keytool, "-importcert", "-noprompt", "-alias", "provtap-ca", "-file", caFile,
		"-keystore", store, "-storetype", "PKCS12", "-storepass", "changeit").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("keytool -importcert: %v: %s", err, strings.TrimSpace(string(out)))
	}
	return store, nil
}
