package main

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/provtap/provtap/capture/proxy"
)

const caAbout = `Shows where provtap's certificate authority is, until when it is valid and
what it may sign for. Clients must trust it to be proxied over https (reverse
mode with --target needs no trust). The CA is created on first use, valid for
one year; its key never leaves --home.

--hints prints the commands that make a JVM, Windows (.NET), Linux, macOS or
curl trust it and go through provtap, and how to undo each; --for picks one.

--regenerate --limit-to example.com,.corp.example makes a CA whose certificate
carries X.509 name constraints: it is valid only for those domains (a domain
and every name below it; with a leading dot, only the names below it) and for
no IP address, so even a stolen key can sign for nothing else. The proxy then
decrypts only hosts in scope; a CONNECT to any other host is passed through
untouched (the client sees the server's real certificate) and shown as one
flow marked outside the CA's scope.`

// hintPlatforms are the choices of --for, in the order --hints prints them.
var hintPlatforms = []string{"jvm", "windows", "linux", "macos", "curl"}

func cmdCA(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap ca", "provtap ca [--pem] [--hints [--for jvm|windows|linux|macos|curl] [--listen ADDR]] [--regenerate [--limit-to DOMAIN,…]] [--home DIR] [--utc | --zone ZONE]", caAbout, stdout, stderr)
	pemOnly := c.fs.Bool("pem", false, "print the CA certificate (PEM) and nothing else")
	hints := c.fs.Bool("hints", false, "print copy-pasteable commands to trust the CA and route a client through provtap, and to undo them")
	forWhat := newChoice("", hintPlatforms...)
	c.fs.Var(forWhat, "for", "with --hints: only the hints for `PLATFORM`: jvm, windows, linux, macos or curl")
	regen := c.fs.Bool("regenerate", false, "replace the CA with a new one (clients must trust the new one)")
	limitTo := c.fs.String("limit-to", "", "with --regenerate: a CA valid only for these `DOMAINS` (comma-separated; X.509 name constraints)")
	home := c.fs.String("home", proxy.DefaultHome(), "`DIR` for the CA and captures ($PROVTAP_HOME); created 0700, an existing one keeps its mode")
	listen := c.fs.String("listen", proxy.DefaultListen, "with --hints: the proxy `ADDR` the hints use (provtap's --listen)")
	clk := addClockFlags(c)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError("takes no arguments, got %q", pos[0])
	}
	for _, f := range []string{"for", "listen"} {
		if c.given(f) && !*hints {
			return c.fail("--%s chooses what --hints prints; add --hints", f)
		}
	}
	var scope []string
	if c.given("limit-to") {
		if !*regen {
			return c.fail("--limit-to applies to a new CA: add --regenerate (clients must then trust the new CA)")
		}
		if strings.TrimSpace(*limitTo) == "" {
			return c.fail("--limit-to needs a value: domains like example.com,.corp.example")
		}
		var err error
		if scope, err = proxy.ParseScope(*limitTo); err != nil {
			return c.fail("--limit-to %s", err)
		}
	}
	if *hints {
		if _, _, err := net.SplitHostPort(*listen); err != nil {
			return c.fail("--listen %s: want host:port, like %s", *listen, proxy.DefaultListen)
		}
	}
	zone, err := clk.location(nil)
	if err != nil {
		return c.fail("%v", err)
	}
	if err := prepareHome(*home); err != nil {
		return c.fail("%v", err)
	}
	var ca *proxy.CA
	if *regen {
		ca, err = proxy.CreateCA(*home, scope...)
	} else {
		ca, err = proxy.LoadOrCreateCA(*home)
	}
	if err != nil {
		return c.fail("CA in %s: %v", *home, err)
	}
	warnOpenHome(c, *home, ca.KeyFile)
	if *pemOnly {
		if _, err := stdout.Write(ca.CertPEM()); err != nil {
			return c.fail("writing: %v", err)
		}
		return 0
	}
	until := ca.Cert.NotAfter.In(zone).Format("2006-01-02 15:04:05 MST")
	fmt.Fprintf(stdout, "certificate  %s\nprivate key  %s (0600, keep it here)\nsubject      %s\nvalid until  %s (%s)\nscope        %s\n",
		ca.CertFile, ca.KeyFile, ca.Cert.Subject.CommonName, until, expiresIn(time.Until(ca.Cert.NotAfter)), describeScope(ca.Scope()))
	if ca.SignerFile != "" {
		fmt.Fprintf(stdout, "signing CA   %s (an intermediate under it, limited the same way, whose key that is;\n"+
			"             the root's own key was destroyed once it had signed it)\n", ca.SignerFile)
	}
	if *regen {
		fmt.Fprintln(stdout, "\nA new CA was generated: clients that trusted the old one must import this one.")
	}
	if *hints {
		fmt.Fprint(stdout, trustHints(newHintEnv(runtime.GOOS, ca, absPath(ca.CertFile), absPath(filepath.Join(*home, "jvm-truststore.p12")), *listen), forWhat.value))
		return 0
	}
	fmt.Fprintln(stdout, "\nprovtap ca --hints   how to make a JVM, Windows, Linux, macOS or curl trust it, and undo it")
	if len(ca.Scope()) == 0 {
		fmt.Fprintln(stdout, "provtap ca --regenerate --limit-to example.com,.corp.example\n"+
			"                     a CA that can sign only for those domains (X.509 name constraints):\n"+
			"                     other hosts pass through undecrypted, and a stolen key is worth little")
	}
	return 0
}

// describeScope says in words what the CA may sign for.
func describeScope(scope []string) string {
	if len(scope) == 0 {
		return "any host (no name constraints): whoever holds the key can impersonate any site to a client that trusts it"
	}
	var parts []string
	for _, d := range scope {
		if sub, ok := strings.CutPrefix(d, "."); ok {
			parts = append(parts, "the names below "+sub)
		} else {
			parts = append(parts, d+" and the names below it")
		}
	}
	return strings.Join(parts, ", ") + "; no IP address (X.509 name constraints). Other hosts are tunnelled, not decrypted"
}

// expiresIn is how long until the CA expires, in days.
func expiresIn(d time.Duration) string {
	switch days := int((d + 12*time.Hour) / (24 * time.Hour)); {
	case d <= 0:
		return "expired; provtap makes a new one when it next starts"
	case days == 0:
		return "expires today"
	case days == 1:
		return "expires in 1 day"
	default:
		return fmt.Sprintf("expires in %d days", days)
	}
}
