// A provisioning engine's connector threads on the JDK's HttpClient, against
// capturetest's Target: for each account, create it (POST /admin/users), add
// it to the group (PATCH /admin/usergroups/<id>), read it back (GET).
//
// usage: java TargetConnector.java GROUP_ID
//          --run BASE_URL PROXY_HOST:PORT STAGGER_MS AUTH --thread USER PASSWORD ACCOUNT... [--thread …]
//          [--run …]
// Runs go one after the other (a JVM takes seconds to start, a run
// milliseconds); a run's threads start STAGGER_MS apart, each with its own
// HttpClient and its own CookieManager. PROXY "-" connects directly.
// AUTH "basic" sets Authorization on every call; "authenticator" gives the
// client a java.net.Authenticator, which answers the server's 401 challenge
// (the first request goes without credentials).
// Exit status 0: every call succeeded; 3: a call was refused (a REFUSED line
// on stderr for each; its thread stopped there); 1: other failure.

import java.net.Authenticator;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.InetSocketAddress;
import java.net.PasswordAuthentication;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class TargetConnector {
    static final AtomicBoolean refused = new AtomicBoolean(), failed = new AtomicBoolean();

    public static void main(String[] args) throws Exception {
        String group = args[0];
        // Each run: {BASE, PROXY, STAGGER_MS, AUTH}, then its threads {USER, PASSWORD, ACCOUNT...}.
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
            long stagger = Long.parseLong(h[2]);
            List<Thread> running = new ArrayList<>();
            List<List<String>> ts = threads.get(r);
            for (int t = 0; t < ts.size(); t++) {
                List<String> spec = ts.get(t);
                long delay = stagger * t;
                Thread th = new Thread(() -> {
                    try {
                        Thread.sleep(delay);
                        HttpClient client = client(h[1], h[3], spec.get(0), spec.get(1));
                        String auth = h[3].equals("basic") ? "Basic " + Base64.getEncoder().encodeToString(
                                (spec.get(0) + ":" + spec.get(1)).getBytes(StandardCharsets.UTF_8)) : null;
                        for (String account : spec.subList(2, spec.size())) {
                            if (!provision(client, auth, h[0].replaceAll("/$", ""), group, account)) {
                                return;
                            }
                        }
                    } catch (Exception e) {
                        System.err.println(h[0] + ": " + e);
                        failed.set(true);
                    }
                });
                th.start();
                running.add(th);
            }
            for (Thread th : running) {
                th.join();
            }
        }
        System.exit(failed.get() ? 1 : refused.get() ? 3 : 0);
    }

    static HttpClient client(String proxy, String auth, String user, String password) {
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL));
        if (!proxy.equals("-")) {
            String[] hp = proxy.split(":");
            b.proxy(ProxySelector.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
        }
        if (auth.equals("authenticator")) {
            b.authenticator(new Authenticator() {
                @Override
                protected PasswordAuthentication getPasswordAuthentication() {
                    return new PasswordAuthentication(user, password.toCharArray());
                }
            });
        } else if (!auth.equals("basic")) {
            throw new IllegalArgumentException("AUTH is basic or authenticator, not " + auth);
        }
        return b.build();
    }

    static boolean provision(HttpClient client, String auth, String base, String group, String account) throws Exception {
        String created = call(client, auth, "POST", base + "/admin/users", "{\"name\":\"" + account + "\"}");
        if (created == null) {
            return false;
        }
        Matcher m = Pattern.compile("\"uuid\"\\s*:\\s*\"([^\"]+)\"").matcher(created);
        if (!m.find()) {
            throw new IllegalStateException("POST /admin/users: unexpected answer " + created);
        }
        return call(client, auth, "PATCH", base + "/admin/usergroups/" + group, "{\"addUsers\":[\"" + m.group(1) + "\"]}") != null
                && call(client, auth, "GET", base + "/admin/users/" + account, null) != null;
    }

    // call returns the response body, or null when the call was refused.
    static String call(HttpClient client, String auth, String method, String url, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30));
        if (auth != null) {
            r.header("Authorization", auth);
        }
        if (body != null) {
            r.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> resp = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        String path = URI.create(url).getPath();
        System.out.println(method + " " + path + " " + resp.statusCode());
        if (resp.statusCode() >= 400) {
            System.err.println("REFUSED " + method + " " + path + " " + resp.statusCode() + " " + resp.body().trim());
            refused.set(true);
            return null;
        }
        return resp.body();
    }
}
