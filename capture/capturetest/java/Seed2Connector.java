// The SCIM connector of seed 2 (the key only reads carried), on the JDK's HttpClient: synchronize
// (GET /ServiceProviderConfig, /Users, /Groups, /Groups/<id>), then
// provision a membership (PATCH, or PUT without --read-config). The
// subscription key goes in a custom header and/or the base URL's query
// string — on reads only, unless --key-on-writes.
//
// usage: java Seed2Connector.java BASE_URL USER PASSWORD KEY GROUP_ID MEMBER_ID
//        [--key-header] [--key-query] [--key-on-writes] [--read-config] [--proxy HOST:PORT]
// Exit status 0: done; 3: a call was refused (stderr says which); 1: other failure.

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

public class Seed2Connector {
    static String base, auth, key;
    static boolean keyHeader, keyQuery, keyOnWrites;
    static HttpClient client;

    public static void main(String[] args) throws Exception {
        base = args[0].replaceAll("/$", "");
        auth = "Basic " + Base64.getEncoder().encodeToString((args[1] + ":" + args[2]).getBytes(StandardCharsets.UTF_8));
        key = args[3];
        String group = args[4], member = args[5];
        List<String> flags = Arrays.asList(args).subList(6, args.length);
        keyHeader = flags.contains("--key-header");
        keyQuery = flags.contains("--key-query");
        keyOnWrites = flags.contains("--key-on-writes");
        boolean readConfig = flags.contains("--read-config");
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        int p = flags.indexOf("--proxy");
        if (p >= 0) {
            String[] hp = flags.get(p + 1).split(":");
            b.proxy(ProxySelector.of(new InetSocketAddress(hp[0], Integer.parseInt(hp[1]))));
        }
        client = b.build();

        if (readConfig) {
            call("GET", "/ServiceProviderConfig", null);
        }
        call("GET", "/Users", null);
        call("GET", "/Groups", null);
        call("GET", "/Groups/" + group, null);
        if (readConfig) {
            call("PATCH", "/Groups/" + group, "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],"
                    + "\"Operations\":[{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + member + "\"}]}]}");
        } else {
            call("PUT", "/Groups/" + group, "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:Group\"],\"id\":\"" + group
                    + "\",\"displayName\":\"Sales\",\"members\":[{\"value\":\"a0b1c2d3-0000-4000-8000-000000000001\"},{\"value\":\"" + member + "\"}]}");
        }
    }

    static void call(String method, String path, String body) throws Exception {
        boolean keyed = method.equals("GET") || keyOnWrites;
        String url = base + path + (keyQuery && keyed ? "?subscription-key=" + key : "");
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", auth)
                .header("Accept", "application/scim+json")
                .timeout(Duration.ofSeconds(30));
        if (keyHeader && keyed) {
            r.header("Ocp-Apim-Subscription-Key", key);
        }
        if (body != null) {
            r.header("Content-Type", "application/scim+json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> resp = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        System.out.println(method + " " + path + " " + resp.statusCode());
        if (resp.statusCode() >= 400) {
            System.err.println("REFUSED " + method + " " + path + " " + resp.statusCode() + " " + resp.body().trim());
            System.exit(3);
        }
    }
}
