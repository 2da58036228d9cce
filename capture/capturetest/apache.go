package capturetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ApacheJars are Apache HttpClient 4.5 and what it needs at run time, in
// the directory where Debian's libhttpclient-java (and its dependencies)
// install them.
var ApacheJars = []string{"/usr/share/java/httpclient.jar", "/usr/share/java/httpcore.jar",
	"/usr/share/java/commons-logging.jar", "/usr/share/java/commons-codec.jar"}

// How ApacheConnector.java builds its clients (each thread always has its
// own BasicCookieStore and BasicCredentialsProvider, without preemptive
// authentication).
const (
	// ApacheOwnClient is a client per thread from HttpClients.custom(),
	// the store and credentials its defaults, the run's proxy on the builder.
	ApacheOwnClient = "own"
	// ApacheNoCookies is ApacheOwnClient with disableCookieManagement():
	// the failing connector, which keeps no session.
	ApacheNoCookies = "own-no-cookies"
	// ApacheSharedPool is one client on a PoolingHttpClientConnectionManager
	// for all the run's threads, each with its own HttpClientContext.
	ApacheSharedPool = "pool"
	// ApacheSystem is HttpClients.createSystem(): it takes the proxy from
	// the JVM's -Dhttp(s).proxyHost (Apache.SystemProxies).
	ApacheSystem = "system"
	// ApacheDefault is HttpClients.createDefault(): it ignores those
	// properties and connects directly; reverse mode is the way in.
	ApacheDefault = "default"
)

// Apache runs ApacheConnector.java on the JDK with Apache HttpClient 4.5
// on its class path: `java -cp httpclient.jar:… ApacheConnector.java`.
type Apache struct {
	JDK // CAFile (the truststore), WorkDir and JVMArgs as for the JDK; Proxy is not used
	// SystemHTTPProxy and SystemHTTPSProxy (http://host:port or host:port)
	// become the JVM's http.proxyHost/Port and https.proxyHost/Port, with
	// an empty http.nonProxyHosts (by default loopback goes direct): the
	// proxies ApacheSystem clients use for http and https URLs.
	SystemHTTPProxy, SystemHTTPSProxy string
}

// ApacheInstalled says why Apache HttpClient's jars are missing, if they are.
func ApacheInstalled() error {
	for _, jar := range ApacheJars {
		if _, err := os.Stat(jar); err != nil {
			return fmt.Errorf("Apache HttpClient 4.5 is not installed (Debian's libhttpclient-java; bash .ci/run installs it): %w", err)
		}
	}
	return nil
}

// RunTargets is JDK.RunTargets with ApacheConnector.java.
func (a Apache) RunTargets(ctx context.Context, runs ...TargetRun) error {
	if err := ApacheInstalled(); err != nil {
		return err
	}
	j := a.JDK
	j.Proxy = ""
	j.JVMArgs = append([]string{"-cp", strings.Join(ApacheJars, string(filepath.ListSeparator))}, j.JVMArgs...)
	for _, p := range [][2]string{{"http", a.SystemHTTPProxy}, {"https", a.SystemHTTPSProxy}} {
		if host, port, ok := strings.Cut(proxyHostPort(p[1]), ":"); ok {
			j.JVMArgs = append(j.JVMArgs, "-D"+p[0]+".proxyHost="+host, "-D"+p[0]+".proxyPort="+port)
		}
	}
	j.JVMArgs = append(j.JVMArgs, "-Dhttp.nonProxyHosts=")
	return j.run(ctx, "ApacheConnector.java", targetArgs(runs))
}
