package dev.weir.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.cli.FreePorts;
import dev.weir.cli.ServeProcess;
import dev.weir.cli.kafka.KafkaConnection;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.schemas.Score;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code weir serve} beside the demo's pipeline: the online read API, fed by the pipeline's topics,
 * and at the end one example query of a declined payment and its account. The bearer token is the
 * user's {@code WEIR_SERVE_TOKEN}, or one made for this run that never leaves the demo's processes.
 */
final class DemoServe implements AutoCloseable {

    private static final int PREFERRED_PORT = 8090;
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final ServeProcess server;
    private final String token;
    private final boolean userToken;
    private final HttpClient http = HttpClient.newHttpClient();

    private DemoServe(PrintStream out, ServeProcess server, String token, boolean userToken) {
        this.out = out;
        this.server = server;
        this.token = token;
        this.userToken = userToken;
    }

    static DemoServe start(
            PrintStream out,
            PipelineConfig config,
            Path root,
            Path runDir,
            Function<String, String> environment)
            throws Exception {
        String token = environment.apply(ServeProcess.TOKEN_ENV);
        boolean userToken = token != null && !token.isBlank();
        if (!userToken) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        }
        Path dir = runDir.resolve("serve");
        Files.createDirectories(dir);
        ServeProcess server =
                ServeProcess.start(
                        root,
                        KafkaConnection.of(config),
                        config,
                        new ServeProcess.Settings(
                                "weir-demo-serve",
                                dir.resolve("state"),
                                "127.0.0.1",
                                port(),
                                20,
                                false),
                        token,
                        dir.resolve("serve.log"));
        DemoServe serve = new DemoServe(out, server, token, userToken);
        try {
            server.awaitReady(READY_TIMEOUT);
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException(
                    e.getMessage() + " (its log: " + dir.resolve("serve.log") + ")", e);
        }
        out.println(
                "  Online read API (weir serve) on "
                        + server.baseUrl()
                        + ": entity features and decisions over HTTP and GraphQL"
                        + (userToken ? ", with your WEIR_SERVE_TOKEN" : ""));
        return serve;
    }

    /** Prints one query of a transaction's decision and one of its account, with the answers. */
    void example(Score declined) throws IOException, InterruptedException {
        String id = declined.getTransactionId();
        out.println();
        out.println("weir serve, asked about the last declined payment:");
        String path = "/transactions/" + id;
        out.println(
                "  curl -H \"Authorization: Bearer $"
                        + ServeProcess.TOKEN_ENV
                        + "\" "
                        + server.baseUrl()
                        + path);
        out.println("  " + brief(get(path)));
        String query =
                "{ account(id: \""
                        + declined.getAccountId()
                        + "\") { decisions(last: 3) { transaction_id decision score } } }";
        out.println("  POST /graphql " + query);
        out.println("  " + JSON.writeValueAsString(graphQl(query)));
        if (!userToken) {
            out.println(
                    "  (this run's token stays inside the demo; set "
                            + ServeProcess.TOKEN_ENV
                            + " to query it yourself while it runs)");
        }
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET());
    }

    private JsonNode graphQl(String query) throws IOException, InterruptedException {
        return send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/graphql"))
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofString(
                                        JSON.writeValueAsString(Map.of("query", query)))));
    }

    private JsonNode send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> answer =
                http.send(
                        request.header("Authorization", "Bearer " + token)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(answer.body());
    }

    /** The decision's main fields, on one line. */
    private static String brief(JsonNode decision) {
        if (!decision.has("decision")) {
            return decision.toString();
        }
        StringBuilder reasons = new StringBuilder();
        for (JsonNode reason : decision.path("reasons")) {
            reasons.append(reasons.isEmpty() ? "" : ", ")
                    .append(reason.path("feature").asText())
                    .append(String.format(" %+.3f", reason.path("contribution").asDouble()));
        }
        return String.format(
                "%s score %.3f by %s v%s; reasons: %s",
                decision.path("decision").asText(),
                decision.path("score").asDouble(),
                decision.path("model_name").asText(),
                decision.path("model_version").asText(),
                reasons.isEmpty() ? "none" : reasons);
    }

    private static int port() throws IOException {
        try (ServerSocket socket = new ServerSocket(PREFERRED_PORT)) {
            return PREFERRED_PORT;
        } catch (IOException taken) {
            return FreePorts.next();
        }
    }

    @Override
    public void close() throws InterruptedException {
        server.close();
    }
}
