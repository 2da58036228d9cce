// A SCIM connector with OAuth client credentials, on the JDK's HttpClient:
// get an access token, read the users, wait (a long synchronization), add a
// member to a group. Without --refresh it keeps the token of start-up.
//
// usage: java BearerConnector.java BASE_URL CLIENT_ID SECRET GROUP_ID MEMBER_ID [--wait-ms N] [--refresh] [--basic] [--proxy HOST:PORT]
//   --refresh  request a new token when the current one is within a second of expires_in
//   --basic    send the client credentials as Basic auth to the SCIM API (the wrong scheme)
// Exit status 0: done; 3: a call was refused (stderr says which); 1: other failure.

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class BearerConnector {
    static String token;
    static long expiresAt; // System.currentTimeMillis() when the token runs out, by expires_in

    public static void main(String[] args) throws Exception {
        String base = args[0].replaceAll("/$", "");
        String basic = "Basic " + Base64.getEncoder().encodeToString((args[1] + ":" + args[2]).getBytes(StandardCharsets.UTF_8));
        String group = args[3], member = args[4];
        long waitMs = 0;
        boolean refresh = false, useBasic = false;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        for (int i = 5; i < args.length; i++) {
            switch (args[i]) {
                case "--wait-ms":
                    waitMs = Long.parseLong(args[++i]);
                    break;
                case "--refresh":
                    refresh = true;
                    break;
                case "--basic":
                    useBasic = true;
                    break;
                case "--proxy":
                    String[] hp = args[++i].split(":");
                    b.proxy(ProxySelector.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
                    break;
                default:
                    System.err.println("unknown flag " + args[i]);
                    System.exit(1);
            }
        }
        HttpClient client = b.build();
        if (useBasic) {
            // A provisioning run goes on to the next operation after a
            // refused read: the write answers the server's challenge with
            // the same wrong scheme.
            tryCall(client, "GET", base + "/scim/v2/Users", basic);
            call(client, "PATCH", base + "/scim/v2/Groups/" + group, basic, "application/scim+json", patchOp(member));
            return;
        }
        fetchToken(client, base, basic);
        call(client, "GET", base + "/scim/v2/Users", "Bearer " + token, null, null);
        Thread.sleep(waitMs);
        if (refresh && expiresAt - System.currentTimeMillis() < 1000) {
            fetchToken(client, base, basic);
        }
        call(client, "PATCH", base + "/scim/v2/Groups/" + group, "Bearer " + token, "application/scim+json", patchOp(member));
    }

    static String patchOp(String member) {
        return "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + member + "\"}]}]}";
    }

    static void fetchToken(HttpClient client, String base, String basic) throws Exception {
        String body = call(client, "POST", base + "/oauth2/token", basic, "application/x-www-form-urlencoded", "grant_type=client_credentials");
        Matcher t = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
        Matcher e = Pattern.compile("\"expires_in\"\\s*:\\s*(\\d+)").matcher(body);
        if (!t.find() || !e.find()) {
            System.err.println("token endpoint: unexpected answer " + body);
            System.exit(1);
        }
        token = t.group(1);
        expiresAt = System.currentTimeMillis() + Long.parseLong(e.group(1)) * 1000;
    }

    static int tryCall(HttpClient client, String method, String url, String auth) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(url)).header("Authorization", auth)
                .header("Accept", "application/json").timeout(Duration.ofSeconds(30))
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
        System.out.println(method + " " + URI.create(url).getPath() + " " + resp.statusCode());
        return resp.statusCode();
    }

    static String call(HttpClient client, String method, String url, String auth, String contentType, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth)
                .header("Accept", "application/json")
                .timeout(Duration.ofSeconds(30));
        if (body != null) {
            r.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> resp = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        String path = URI.create(url).getPath();
        System.out.println(method + " " + path + " " + resp.statusCode());
        if (resp.statusCode() >= 400) {
            System.err.println("REFUSED " + method + " " + path + " " + resp.statusCode() + " " + resp.body().trim());
            System.exit(3);
        }
        return resp.body();
    }
}
