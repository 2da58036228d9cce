// A provisioning engine's connector threads on Apache HttpClient 4.5 (what
// many JVM connectors use; Debian's libhttpclient-java), against
// capturetest's Target: for each account, create it (POST /admin/users), add
// it to the group (PATCH /admin/usergroups/<id>), read it back (GET).
//
// usage: java -cp httpclient.jar:httpcore.jar:commons-logging.jar:commons-codec.jar ApacheConnector.java GROUP_ID
//          --run BASE_URL PROXY_HOST:PORT STAGGER_MS CLIENT --thread USER PASSWORD ACCOUNT... [--thread …]
//          [--run …]
// Runs go one after the other; a run's threads start STAGGER_MS apart. Every
// thread has its own BasicCookieStore and a BasicCredentialsProvider with its
// account: without preemptive authentication, a request goes first without
// credentials, gets 401 with a Basic challenge, and is repeated with them.
// CLIENT:
//   own      each thread its own client, HttpClients.custom() with the store and the
//            credentials as its defaults and PROXY set on the builder; every execute()
//            starts a fresh context (so is challenged unless the session cookie is sent)
//   own-no-cookies  the same with disableCookieManagement(): no cookie is kept
//   pool     one client for the run, on a PoolingHttpClientConnectionManager, PROXY set
//            on the builder; each thread passes its own HttpClientContext
//   system   one HttpClients.createSystem() for the run: the proxy comes from
//            -Dhttp.proxyHost/-Dhttps.proxyHost (PROXY is ignored); contexts as pool
//   default  one HttpClients.createDefault(): ignores those properties and connects
//            directly (reach it through a reverse proxy); contexts as pool
// Exit status 0: every call succeeded; 3: a call was refused (a REFUSED line
// on stderr for each; its thread stopped there); 1: other failure.

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.http.HttpHost;
import org.apache.http.auth.AuthScope;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.client.CookieStore;
import org.apache.http.client.CredentialsProvider;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpEntityEnclosingRequestBase;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.methods.HttpPatch;
import org.apache.http.client.methods.HttpPost;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.StringEntity;
import org.apache.http.impl.client.BasicCookieStore;
import org.apache.http.impl.client.BasicCredentialsProvider;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.apache.http.util.EntityUtils;

public class ApacheConnector {
    static final AtomicBoolean refused = new AtomicBoolean(), failed = new AtomicBoolean();

    public static void main(String[] args) throws Exception {
        String group = args[0];
        // Each run: {BASE, PROXY, STAGGER_MS, CLIENT}, then its threads {USER, PASSWORD, ACCOUNT...}.
        List<String[]> heads = new ArrayList<>();
        List<List<List<String>>> threads = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].equals("--run")) {
                heads.add(new String[] {args[i + 1], args[i + 2], args[i + 3], args[i + 4]});
                threads.add(new ArrayList<>());
                i += 4;
            } else if (args[i].equals("--thread")) {
                threads.get(threads.size() - 1).add(new ArrayList<>());
            } else {
                List<List<String>> ts = threads.get(threads.size() - 1);
                ts.get(ts.size() - 1).add(args[i]);
            }
        }
        for (int r = 0; r < heads.size(); r++) {
            String[] h = heads.get(r);
            String base = h[0].replaceAll("/$", ""), kind = h[3];
            HttpHost proxy = null;
            if (!h[1].equals("-")) {
                String[] hp = h[1].split(":");
                proxy = new HttpHost(hp[0], Integer.parseInt(hp[1]));
            }
            CloseableHttpClient shared;
            switch (kind) {
                case "own":
                case "own-no-cookies":
                    shared = null;
                    break;
                case "pool":
                    shared = HttpClients.custom().setConnectionManager(new PoolingHttpClientConnectionManager())
                            .setProxy(proxy).build();
                    break;
                case "system":
                    shared = HttpClients.createSystem();
                    break;
                case "default":
                    shared = HttpClients.createDefault();
                    break;
                default:
                    throw new IllegalArgumentException("CLIENT is own, own-no-cookies, pool, system or default, not " + kind);
            }
            HttpHost ownProxy = proxy;
            long stagger = Long.parseLong(h[2]);
            List<Thread> running = new ArrayList<>();
            List<List<String>> ts = threads.get(r);
            for (int t = 0; t < ts.size(); t++) {
                List<String> spec = ts.get(t);
                long delay = stagger * t;
                Thread th = new Thread(() -> {
                    try {
                        Thread.sleep(delay);
                        CookieStore store = new BasicCookieStore();
                        CredentialsProvider creds = new BasicCredentialsProvider();
                        creds.setCredentials(AuthScope.ANY, new UsernamePasswordCredentials(spec.get(0), spec.get(1)));
                        CloseableHttpClient client = shared;
                        HttpClientContext context = null;
                        if (client == null) {
                            HttpClientBuilder b = HttpClients.custom().setDefaultCookieStore(store)
                                    .setDefaultCredentialsProvider(creds).setProxy(ownProxy);
                            if (kind.equals("own-no-cookies")) {
                                b.disableCookieManagement();
                            }
                            client = b.build();
                        } else {
                            context = HttpClientContext.create();
                            context.setCookieStore(store);
                            context.setCredentialsProvider(creds);
                        }
                        for (String account : spec.subList(2, spec.size())) {
                            if (!provision(client, context, base, group, account)) {
                                break;
                            }
                        }
                        if (shared == null) {
                            client.close();
                        }
                    } catch (Exception e) {
                        System.err.println(base + ": " + e);
                        failed.set(true);
                    }
                });
                th.start();
                running.add(th);
            }
            for (Thread th : running) {
                th.join();
            }
            if (shared != null) {
                shared.close();
            }
        }
        System.exit(failed.get() ? 1 : refused.get() ? 3 : 0);
    }

    static boolean provision(CloseableHttpClient client, HttpClientContext context, String base, String group, String account)
            throws Exception {
        String created = call(client, context, new HttpPost(base + "/admin/users"), "{\"name\":\"" + account + "\"}");
        if (created == null) {
            return false;
        }
        Matcher m = Pattern.compile("\"uuid\"\\s*:\\s*\"([^\"]+)\"").matcher(created);
        if (!m.find()) {
            throw new IllegalStateException("POST /admin/users: unexpected answer " + created);
        }
        return call(client, context, new HttpPatch(base + "/admin/usergroups/" + group),
                        "{\"addUsers\":[\"" + m.group(1) + "\"]}") != null
                && call(client, context, new HttpGet(base + "/admin/users/" + account), null) != null;
    }

    // call returns the response body, or null when the call was refused.
    static String call(CloseableHttpClient client, HttpClientContext context, HttpRequestBase req, String body) throws Exception {
        req.setHeader("Accept", "application/json");
        if (body != null) {
            ((HttpEntityEnclosingRequestBase) req).setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        }
        String path = URI.create(req.getURI().toString()).getPath();
        try (CloseableHttpResponse resp = context == null ? client.execute(req) : client.execute(req, context)) {
            int status = resp.getStatusLine().getStatusCode();
            String text = resp.getEntity() == null ? "" : EntityUtils.toString(resp.getEntity());
            System.out.println(req.getMethod() + " " + path + " " + status);
            if (status >= 400) {
                System.err.println("REFUSED " + req.getMethod() + " " + path + " " + status + " " + text.trim());
                refused.set(true);
                return null;
            }
            return text;
        }
    }
}
