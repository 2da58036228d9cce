package main

import (
	"fmt"
	"io"
	"net"

	"github.com/provtap/provtap/capture/proxy"
)

const caAbout = `Shows where provtap's certificate authority is. Clients must trust it to be
proxied over https (reverse mode with --target needs no trust). The CA is
created on first use, valid for one year; its key never leaves --home.`

func cmdCA(args []string, stdout, stderr io.Writer) int {
	c := newCLI("provtap ca", "provtap ca [--pem] [--hints [--listen ADDR]] [--regenerate] [--home DIR] [--utc | --zone ZONE]", caAbout, stdout, stderr)
	pemOnly := c.fs.Bool("pem", false, "print the CA certificate (PEM) and nothing else")
	hints := c.fs.Bool("hints", false, "print copy-pasteable trust instructions (JVM keytool, Windows, .NET, Debian/RHEL, curl)")
	regen := c.fs.Bool("regenerate", false, "replace the CA with a new one (clients must trust the new one)")
	home := c.fs.String("home", proxy.DefaultHome(), "`DIR` for the CA and captures ($PROVTAP_HOME); created 0700, an existing one keeps its mode")
	listen := c.fs.String("listen", "127.0.0.1:8080", "proxy `ADDR` to use in the hints")
	clk := addClockFlags(c)
	pos, code, ok := c.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return c.usageError("takes no arguments, got %q", pos[0])
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
		ca, err = proxy.CreateCA(*home)
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
	fmt.Fprintf(stdout, "certificate  %s\nprivate key  %s (0600, keep it here)\nsubject      %s\nvalid until  %s\n",
		ca.CertFile, ca.KeyFile, ca.Cert.Subject.CommonName, ca.Cert.NotAfter.In(zone).Format("2006-01-02 15:04:05 MST"))
	if *regen {
		fmt.Fprintln(stdout, "\nA new CA was generated: clients that trusted the old one must import this one.")
	}
	if *hints {
		fmt.Fprint(stdout, trustHints(ca.CertFile, *listen))
	} else {
		fmt.Fprintln(stdout, "\nprovtap ca --hints   how to make a JVM, Windows, Linux or curl trust it")
	}
	return 0
}

// trustHints are the commands an engineer pastes to trust the CA and route
// a client through the proxy.
func trustHints(certFile, listen string) string {
	host, port := listen, "8080"
	if h, p, err := net.SplitHostPort(listen); err == nil {
		host, port = h, p
	}
	return fmt.Sprintf(`
JVM connector (Java 9+; Java 8: $JAVA_HOME/jre/lib/security/cacerts):
  keytool -importcert -noprompt -alias provtap -file %[1]s \
    -keystore "$JAVA_HOME/lib/security/cacerts" -storepass changeit
  # or a separate truststore, leaving the JDK's alone:
  keytool -importcert -noprompt -alias provtap -file %[1]s -keystore provtap.p12 -storetype PKCS12 -storepass changeit
  java -Djavax.net.ssl.trustStore=provtap.p12 -Djavax.net.ssl.trustStorePassword=changeit ...
  # route the JVM through provtap:
  -Dhttps.proxyHost=%[2]s -Dhttps.proxyPort=%[3]s -Dhttp.proxyHost=%[2]s -Dhttp.proxyPort=%[3]s -Dhttp.nonProxyHosts=

Windows (.NET connectors, PowerShell as administrator):
  certutil -addstore Root %[1]s
  # .NET Framework: in the connector's .config, <system.net><defaultProxy><proxy proxyaddress="http://%[2]s:%[3]s" bypassonlocal="false"/></defaultProxy></system.net>
  # .NET Core/5+: set HTTPS_PROXY=http://%[2]s:%[3]s and HTTP_PROXY=http://%[2]s:%[3]s for the service
  # remove later: certutil -delstore Root "provtap CA"

Debian / Ubuntu:
  sudo cp %[1]s /usr/local/share/ca-certificates/provtap.crt && sudo update-ca-certificates
RHEL / Fedora:
  sudo cp %[1]s /etc/pki/ca-trust/source/anchors/provtap.pem && sudo update-ca-trust

curl:
  curl --cacert %[1]s -x http://%[2]s:%[3]s https://target.example/...

No trust at all: reverse mode — provtap --target https://target.example and
point the connector's base URL at http://%[2]s:%[3]s.
`, certFile, host, port)
}
