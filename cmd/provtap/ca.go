package main

import (
	"crypto/sha1"
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

// hintEnv is what the hints are written for: where provtap runs (its paths
// and shell), its CA, and the proxy address clients use.
type hintEnv struct {
	goos       string // runtime.GOOS of the machine provtap runs on
	certFile   string // the CA's PEM, absolute
	trustStore string // the JVM truststore the hints create, absolute
	cn         string // the CA certificate's subject CN, as certificate stores show it
	sha1       string // its SHA-1 thumbprint (upper-case hex), as Windows and macOS name it
	host, port string // the proxy
	needsAuth  bool   // the listener is off loopback: provtap requires --proxy-auth
	scope      []string
}

// newHintEnv is the hints for a provtap on goos with ca (its PEM at
// certFile), the JVM truststore to make at trustStore (both absolute) and
// clients to point at listen.
func newHintEnv(goos string, ca *proxy.CA, certFile, trustStore, listen string) hintEnv {
	host, port, _ := net.SplitHostPort(listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "PROVTAP-HOST" // listening on every address: clients need one of them
	}
	sum := sha1.Sum(ca.Cert.Raw)
	return hintEnv{goos: goos, certFile: certFile, trustStore: trustStore,
		cn: ca.Cert.Subject.CommonName, sha1: fmt.Sprintf("%X", sum[:]), host: host, port: port,
		needsAuth: checkListen(listen, "") != nil, scope: ca.Scope()}
}

// absPath is p made absolute: hints are pasted in other directories.
func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func (e hintEnv) proxyAddr() string { return net.JoinHostPort(e.host, e.port) }
func (e hintEnv) proxyURL() string  { return "http://" + e.proxyAddr() }
func (e hintEnv) windows() bool     { return e.goos == "windows" }

// trustHints are the commands an engineer pastes to trust the CA, route a
// client through the proxy and undo both: every platform, or only forWhat.
func trustHints(e hintEnv, forWhat string) string {
	var b strings.Builder
	if len(e.scope) > 0 {
		fmt.Fprintf(&b, "\nThis CA is limited to %s: clients trust it for those names only.\n", strings.Join(e.scope, ", "))
	}
	if e.needsAuth {
		fmt.Fprintf(&b, "\nprovtap listens off loopback here, so it runs with --proxy-auth USER:PASS: the hints\n"+
			"below pass USER and PASS as proxy credentials; put in the ones you gave provtap.\n")
	}
	sections := map[string]func(*strings.Builder, hintEnv){
		"jvm": jvmHints, "windows": windowsHints, "linux": linuxHints, "macos": macosHints, "curl": curlHints,
	}
	for _, p := range hintPlatforms {
		if forWhat == "" || forWhat == p {
			sections[p](&b, e)
		}
	}
	if forWhat == "" {
		fmt.Fprintf(&b, "\nNo trust at all: reverse mode, provtap on the connector's host, in front of the target:\n"+
			"  provtap --target https://TARGET --listen 127.0.0.1:%s\n"+
			"and the connector's base URL changed from https://TARGET/… to http://127.0.0.1:%s/….\n", e.port, e.port)
	}
	return b.String()
}

// jvmHints: a truststore that is a copy of the JDK's cacerts plus the CA,
// the JVM options, where Tomcat takes them, which clients honour them,
// proxy credentials, and the undo.
func jvmHints(b *strings.Builder, e hintEnv) {
	keytool, cacerts, rm, java8 := `"$JAVA_HOME/bin/keytool"`, `"$JAVA_HOME/lib/security/cacerts"`, "rm -f", "$JAVA_HOME/jre/lib/security/cacerts"
	if e.windows() {
		keytool, cacerts, rm, java8 = `"%JAVA_HOME%\bin\keytool"`, `"%JAVA_HOME%\lib\security\cacerts"`, "del", `%JAVA_HOME%\jre\lib\security\cacerts`
	}
	store := quoteArg(e.trustStore)
	fmt.Fprintf(b, `
JVM connectors (IdentityIQ, Tomcat, any Java program)

1. Which Java HTTP clients take the proxy from JVM options:
  yes: HttpURLConnection (and what is built on it), java.net.http.HttpClient, and Apache
       HttpClient's HttpClients.createSystem() / HttpClientBuilder.create().useSystemProperties()
  no:  Apache HttpClient's HttpClients.createDefault() and HttpClientBuilder.create().build():
       they connect directly, and provtap sees nothing from them. For those, reverse mode,
       with provtap on the connector's host in front of the target, and no truststore:
         provtap --target https://TARGET --listen 127.0.0.1:%[1]s
       then change the connector's base URL from https://TARGET/… to http://127.0.0.1:%[1]s/…
       (TARGET is the host[:port] the connector calls). Steps 2-4 are for the others.
`, e.port)
	fmt.Fprintf(b, `
2. A truststore that is a copy of the JDK's cacerts plus provtap's CA: the JVM keeps
   trusting every server it trusted before, and the JDK's own cacerts stays as it is.
   JAVA_HOME is the JDK the connector runs on (Tomcat prints it as JRE_HOME at start-up;
   Java 8: %[5]s). Run again after provtap ca --regenerate.
  %[6]s %[3]s
  %[1]s -importkeystore -noprompt -srckeystore %[2]s -srcstorepass changeit -destkeystore %[3]s -deststoretype PKCS12 -deststorepass changeit
  %[1]s -importcert -noprompt -alias provtap -file %[4]s -keystore %[3]s -storetype PKCS12 -storepass changeit
  # A JVM that already runs with -Djavax.net.ssl.trustStore=FILE: copy FILE instead of cacerts.
  # A JVM running as another user (a Tomcat service) must be able to read the copy: put it
  # where that user can and use that path below.
`, keytool, cacerts, store, quoteArg(e.certFile), java8, rm)

	opts := jvmOptions(e)
	fmt.Fprintf(b, `
3. The JVM options (HTTP and HTTPS through provtap, loopback included):
  %s
`, strings.Join(opts.trust, " "))
	fmt.Fprintf(b, "  %s\n", strings.Join(opts.proxy, " "))
	authIntro := "With provtap --proxy-auth USER:PASS (required when it listens off loopback), also:"
	if e.needsAuth {
		authIntro = "Proxy credentials (provtap requires them on this address):"
	}
	fmt.Fprintf(b, `  %s
  %s
  # Apache HttpClient's createSystem() sends them from these options. HttpURLConnection and
  # java.net.http do not read them: they ask the java.net.Authenticator the program installs
  # (a connector's own proxy user/password setting), and answer a CONNECT with Basic only
  # when jdk.http.auth.tunneling.disabledSchemes is empty, as set here. A connector with no
  # such setting: run provtap on its host on 127.0.0.1 (no --proxy-auth there), or use
  # reverse mode (step 1).
`, authIntro, strings.Join(opts.auth, " "))

	all := opts.all(e.needsAuth)
	if e.windows() {
		fmt.Fprintf(b, `
4. Where they go, then restart the JVM (it reads them only at start):
  Tomcat as a Windows service: tomcat9w.exe //ES//Tomcat9 (the service's name after //ES//),
    Java tab, Java Options: one option per line; or in cmd.exe as administrator:
    "%%CATALINA_HOME%%\bin\tomcat9.exe" //US//Tomcat9 ++JvmOptions="%[1]s"
    then: Restart-Service Tomcat9 (PowerShell), or net stop Tomcat9 and net start Tomcat9
  Tomcat started by startup.bat: in %%CATALINA_BASE%%\bin\setenv.bat (create it if missing):
    set "CATALINA_OPTS=%%CATALINA_OPTS%% %[2]s"
  Any other JVM: on its java command line, or in the JAVA_TOOL_OPTIONS environment variable.
`, strings.Join(all, ";"), strings.Join(all, " "))
	} else {
		fmt.Fprintf(b, `
4. Where they go, then restart the JVM (it reads them only at start):
  Tomcat (IdentityIQ): in $CATALINA_BASE/bin/setenv.sh (create it if missing):
    CATALINA_OPTS="$CATALINA_OPTS %[1]s"
    then: sudo systemctl restart tomcat9 (or the service's name), or bin/shutdown.sh and bin/startup.sh
  Tomcat as a Windows service: run provtap ca --hints --for jvm on that host (provtap.exe);
    it prints these steps with Windows paths and the service's Java Options (tomcat9w.exe).
  Any other JVM: on its java command line, or in the JAVA_TOOL_OPTIONS environment variable.
`, strings.Join(all, " "))
	}

	setenv := "setenv.sh"
	if e.windows() {
		setenv = "setenv.bat"
	}
	fmt.Fprintf(b, `
5. Undo: remove the options from %s or the service's Java Options, restart the JVM,
   and delete the copy: %s %s
`, setenv, rm, store)
}

// jvmOpts are the -D options of the JVM hints, in groups.
type jvmOpts struct{ trust, proxy, auth []string }

func jvmOptions(e hintEnv) jvmOpts {
	h, p := e.host, e.port
	return jvmOpts{
		trust: []string{"-Djavax.net.ssl.trustStore=" + e.trustStore, "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12"},
		proxy: []string{"-Dhttps.proxyHost=" + h, "-Dhttps.proxyPort=" + p, "-Dhttp.proxyHost=" + h, "-Dhttp.proxyPort=" + p, "-Dhttp.nonProxyHosts="},
		auth: []string{"-Dhttps.proxyUser=USER", "-Dhttps.proxyPassword=PASS", "-Dhttp.proxyUser=USER", "-Dhttp.proxyPassword=PASS",
			"-Djdk.http.auth.tunneling.disabledSchemes="},
	}
}

// all are the options to configure: the proxy credentials when provtap needs them.
func (o jvmOpts) all(withAuth bool) []string {
	out := append(append([]string{}, o.trust...), o.proxy...)
	if withAuth {
		out = append(out, o.auth...)
	}
	return out
}

// windowsHints: the machine store with the certificate's exact name, the
// ways a .NET service takes a proxy, credentials, and the undo.
func windowsHints(b *strings.Builder, e hintEnv) {
	cert, copyNote := e.certFile, ""
	if !e.windows() {
		cert = `C:\provtap\ca.pem`
		copyNote = fmt.Sprintf("   First copy %s from this machine to the Windows host, as %s.\n", e.certFile, cert)
	}
	proxyURL := e.proxyURL()
	fmt.Fprintf(b, `
Windows (.NET connectors such as One Identity Manager's; cmd.exe or PowerShell as administrator)

1. Trust the CA in the machine store:
%[1]s  certutil -addstore Root %[2]s
   It shows in certlm.msc, Trusted Root Certification Authorities, as "%[3]s"
   (thumbprint %[4]s). .NET, PowerShell and curl.exe use this store.

2. Send the service's calls through provtap (the one that matches how it calls HTTP),
   then restart it: Restart-Service NAME (PowerShell), or net stop NAME and net start NAME.
  .NET Framework: in the service's NAME.exe.config (next to its .exe; One Identity Manager's
  service is JobService.exe), inside <configuration>:
    <system.net>
      <defaultProxy enabled="true" useDefaultCredentials="false">
        <proxy proxyaddress="%[5]s" bypassonlocal="False" usesystemdefault="False" />
      </defaultProxy>
    </system.net>
  .NET Core 3.0 and .NET 5+: HTTPS_PROXY and HTTP_PROXY in that service's environment only
  (reg query first: /f replaces an Environment value the service already has):
    reg query HKLM\SYSTEM\CurrentControlSet\Services\NAME /v Environment
    reg add HKLM\SYSTEM\CurrentControlSet\Services\NAME /v Environment /t REG_MULTI_SZ /d "HTTPS_PROXY=%[6]s\0HTTP_PROXY=%[6]s" /f
  WinHTTP's machine-wide proxy (programs and services that use it; it changes all of them):
    netsh winhttp show proxy
    netsh winhttp set proxy proxy-server="%[7]s"
`, copyNote, quoteArg(cert), e.cn, e.sha1, proxyURL, authProxyURL(e), e.proxyAddr())
	fmt.Fprintf(b, `
3. Proxy credentials (provtap --proxy-auth, required when it listens off loopback):
  .NET Framework's defaultProxy cannot carry a user name and password (useDefaultCredentials
  sends the service account's Windows logon, which provtap does not take), and neither can
  netsh winhttp. What works:
  - .NET Core 3.0 and .NET 5+: the credentials in the variable, as above:
    HTTPS_PROXY=http://USER:PASS@%[1]s (percent-encode @ : / %% in them)
  - any .NET: provtap on the Windows host itself (provtap.exe --listen 127.0.0.1:%[2]s needs
    no --proxy-auth), or a local port forwarded to a provtap that listens on 127.0.0.1 of its
    own host: ssh -N -L %[2]s:127.0.0.1:%[2]s USER@PROVTAP-HOST (Windows' OpenSSH client), with
    the proxy set to http://127.0.0.1:%[2]s.

4. Undo:
  certutil -delstore Root "%[3]s"
  (only this CA: certutil -delstore Root %[4]s; provtap CAs made later on this host have the same name)
  remove the <system.net> block, or: reg delete HKLM\SYSTEM\CurrentControlSet\Services\NAME /v Environment /f
  netsh winhttp reset proxy (or set back what show proxy said); then restart the service.
`, e.proxyAddr(), e.port, e.cn, e.sha1)
}

// authProxyURL is the proxy URL a .NET service gets in HTTPS_PROXY: with
// credentials when provtap requires them.
func authProxyURL(e hintEnv) string {
	if e.needsAuth {
		return "http://USER:PASS@" + e.proxyAddr()
	}
	return e.proxyURL()
}

func linuxHints(b *strings.Builder, e hintEnv) {
	cert := quoteArg(e.certFile)
	fmt.Fprintf(b, `
Linux system store (curl, Python's ssl, Go and most programs; not the JVM's cacerts
unless the distribution derives it from the system store, as Debian's does)
  Debian / Ubuntu:
    sudo cp %[1]s /usr/local/share/ca-certificates/provtap.crt && sudo update-ca-certificates
    undo: sudo rm /usr/local/share/ca-certificates/provtap.crt && sudo update-ca-certificates --fresh
  RHEL / Fedora:
    sudo cp %[1]s /etc/pki/ca-trust/source/anchors/provtap.pem && sudo update-ca-trust
    undo: sudo rm /etc/pki/ca-trust/source/anchors/provtap.pem && sudo update-ca-trust
  Python requests uses its own bundle: REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
  (Debian, after the step above) or REQUESTS_CA_BUNDLE=%[1]s for provtap's CA alone.
  Route a program through provtap: HTTPS_PROXY=%[2]s HTTP_PROXY=%[2]s (and NO_PROXY unset).
`, cert, authProxyURL(e))
}

func macosHints(b *strings.Builder, e hintEnv) {
	fmt.Fprintf(b, `
macOS (the System keychain: Safari, Chrome, Swift and Objective-C programs; a JVM: see above)
  sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain %[1]s
  undo: sudo security delete-certificate -Z %[2]s /Library/Keychains/System.keychain
  ("%[3]s" in Keychain Access)
`, quoteArg(e.certFile), e.sha1, e.cn)
}

func curlHints(b *strings.Builder, e hintEnv) {
	user := ""
	if e.needsAuth {
		user = " --proxy-user USER:PASS"
	}
	fmt.Fprintf(b, `
curl (nothing to undo)
  curl --cacert %[1]s -x %[2]s%[3]s https://TARGET/…
  (with provtap --proxy-auth USER:PASS, add --proxy-user USER:PASS)
  Windows' curl.exe checks the Windows store: after certutil -addstore above it needs no --cacert.
`, quoteArg(e.certFile), e.proxyURL(), user)
}

// quoteArg is a path as one argument in bash, zsh, cmd.exe and PowerShell:
// double-quoted when it has a space or a character those shells treat
// specially.
func quoteArg(p string) string {
	if strings.ContainsAny(p, " \t&()[]{}^=;!'+,`~$%@#|<>*?\"") {
		return `"` + p + `"`
	}
	return p
}
