package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.cli.FreePorts;
import dev.weir.cli.ServeProcess;
import dev.weir.cli.kafka.KafkaConnection;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntitySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir serve} in its own process against a running pipeline: payments of a few accounts go
 * in before and after the server starts, and every answer must equal what the pipeline committed.
 * Each account's features are the account part of the vector its newest payment was scored with,
 * bit for bit, as of that payment; each transaction's decision is its committed score; an account's
 * recent decisions are its newest payments, newest first. Requests without the token are refused.
 */
class ServeITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final int ACCOUNTS = 25;
    private static final int PAYMENTS = 300;
    private static final int RECENT = 3;
    private static final String TOKEN = "serve-it-token-5b0d";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir Path warehouse;
    @TempDir Path serveDir;

    @Test
    void answersWithWhatThePipelineCommitted() throws Exception {
        String suffix = TestEnvironment.uniqueName("serve");
        PipelineConfig config =
                PipelineConfig.from(
                        TestEnvironment.settings(suffix, warehouse, TestEnvironment.model()));
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic());
        var catalogs = Catalogs.loader(config);
        WeirTables.ensure(catalogs.loadCatalog(), config.namespace());
        List<Transaction> payments = payments();
        // The first half waits in the topic; the rest arrives while the server answers.
        TestEnvironment.send(config.transactionsTopic(), payments.subList(0, PAYMENTS / 2));
        JobClient job =
                TestEnvironment.pipeline(config, catalogs, false, null).executeAsync("serve-it");
        int port = FreePorts.next();
        try (ServeProcess server =
                ServeProcess.start(
                        Path.of("..").toAbsolutePath().normalize(),
                        KafkaConnection.plain(config.bootstrapServers()),
                        config,
                        new ServeProcess.Settings(
                                "serve-it-" + suffix,
                                serveDir.resolve("state"),
                                "127.0.0.1",
                                port,
                                20,
                                false),
                        TOKEN,
                        serveDir.resolve("serve.log"))) {
            server.awaitReady(Duration.ofMinutes(2));
            TestEnvironment.send(
                    config.transactionsTopic(), payments.subList(PAYMENTS / 2, PAYMENTS));
            Map<String, Score> scores = new HashMap<>();
            for (Score s :
                    Eventually.committed(
                            config.bootstrapServers(),
                            config.scoresTopic(),
                            Score.class,
                            PAYMENTS,
                            Duration.ofMinutes(3))) {
                scores.put(s.getTransactionId(), s);
            }
            assertThat(scores).hasSize(PAYMENTS);

            Expected expected = expected(config, payments, scores);
            List<String> wrong = new ArrayList<>();
            Eventually.until(
                    "every answer of weir serve equals what the pipeline committed",
                    Duration.ofMinutes(2),
                    () -> {
                        wrong.clear();
                        wrong.addAll(mismatches(server, expected));
                        return wrong.isEmpty();
                    });
            assertThat(wrong).isEmpty();

            assertThat(status(server, "/transactions/" + payments.get(0).getTransactionId(), null))
                    .as("without the bearer token")
                    .isEqualTo(401);
            assertThat(status(server, "/entities/account/no-such-account", TOKEN)).isEqualTo(404);
        } finally {
            job.cancel().get();
        }
    }

    /** Payments of a few accounts, one per second up to now, so every account has a newest one. */
    private static List<Transaction> payments() {
        TransactionGenerator generator = new TransactionGenerator(11L, ACCOUNTS, 0.05);
        long start = Instant.now().minus(Duration.ofSeconds(PAYMENTS)).toEpochMilli();
        List<Transaction> out = new ArrayList<>();
        for (int i = 0; i < PAYMENTS; i++) {
            out.add(generator.next(start + i * 1_000L).transaction());
        }
        return out;
    }

    /**
     * @param accounts each account's features: its newest payment's id and time, and the account
     *     part of that payment's scored vector
     * @param recent each account's newest payments, newest first
     */
    private record Expected(
            Map<String, AccountFeatures> accounts,
            Map<String, List<String>> recent,
            Map<String, Score> scores) {}

    private record AccountFeatures(
            String transactionId, Instant asOf, Map<String, Double> values) {}

    private static Expected expected(
            PipelineConfig config, List<Transaction> payments, Map<String, Score> scores) {
        List<String> vector = config.featureSet().vectorNames();
        EntitySpec account =
                config.featureSet().entities().stream()
                        .filter(e -> e.name().equals("account"))
                        .findFirst()
                        .orElseThrow();
        Map<String, List<Transaction>> byAccount =
                payments.stream()
                        .sorted(
                                Comparator.comparing(Transaction::getEventTime)
                                        .reversed()
                                        .thenComparing(Transaction::getTransactionId))
                        .collect(
                                Collectors.groupingBy(
                                        Transaction::getAccountId,
                                        java.util.LinkedHashMap::new,
                                        Collectors.toList()));
        Map<String, AccountFeatures> features = new HashMap<>();
        Map<String, List<String>> recent = new HashMap<>();
        byAccount.forEach(
                (id, newestFirst) -> {
                    Transaction newest = newestFirst.get(0);
                    List<Double> scored = scores.get(newest.getTransactionId()).getFeatures();
                    Map<String, Double> values = new HashMap<>();
                    for (String name : account.vectorNames()) {
                        values.put(name, scored.get(vector.indexOf(name)));
                    }
                    features.put(
                            id,
                            new AccountFeatures(
                                    newest.getTransactionId(), newest.getEventTime(), values));
                    recent.put(
                            id,
                            newestFirst.stream()
                                    .limit(RECENT)
                                    .map(Transaction::getTransactionId)
                                    .toList());
                });
        assertThat(features).hasSize(ACCOUNTS);
        return new Expected(features, recent, scores);
    }

    private static List<String> mismatches(ServeProcess server, Expected expected)
            throws Exception {
        List<String> wrong = new ArrayList<>();
        for (var entry : expected.accounts().entrySet()) {
            AccountFeatures want = entry.getValue();
            JsonNode got = get(server, "/entities/account/" + entry.getKey());
            if (got == null
                    || !want.transactionId().equals(got.path("transaction_id").asText())
                    || !want.asOf().toString().equals(got.path("as_of").asText())) {
                wrong.add("account " + entry.getKey() + ": " + got + ", expected as of " + want);
                continue;
            }
            for (var value : want.values().entrySet()) {
                JsonNode served = got.path("features").path(value.getKey());
                if (Double.doubleToRawLongBits(served.asDouble())
                        != Double.doubleToRawLongBits(value.getValue())) {
                    wrong.add(
                            "account "
                                    + entry.getKey()
                                    + " "
                                    + value.getKey()
                                    + ": "
                                    + served
                                    + ", scored with "
                                    + value.getValue());
                }
            }
        }
        for (Score score : expected.scores().values()) {
            JsonNode got = get(server, "/transactions/" + score.getTransactionId());
            if (got == null
                    || !score.getDecision().name().equals(got.path("decision").asText())
                    || score.getScore() != got.path("score").asDouble()
                    || !score.getModelVersion().equals(got.path("model_version").asText())
                    || !score.getAccountId().equals(got.path("account_id").asText())) {
                wrong.add("transaction " + score.getTransactionId() + ": " + got + " vs " + score);
            }
        }
        for (var entry : expected.recent().entrySet()) {
            JsonNode answer =
                    graphQl(
                            server,
                            "query($id: ID!) { account(id: $id) { decisions(last: "
                                    + RECENT
                                    + ") { transaction_id } } }",
                            Map.of("id", entry.getKey()));
            List<String> got = new ArrayList<>();
            answer.path("data")
                    .path("account")
                    .path("decisions")
                    .forEach(d -> got.add(d.path("transaction_id").asText()));
            if (!got.equals(entry.getValue())) {
                wrong.add(
                        "recent decisions of "
                                + entry.getKey()
                                + ": "
                                + got
                                + ", expected "
                                + entry.getValue());
            }
        }
        return wrong;
    }

    /** The answer's JSON, or null when the server does not know the key (yet). */
    private static JsonNode get(ServeProcess server, String path) throws Exception {
        HttpResponse<String> answer =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                                .header("Authorization", "Bearer " + TOKEN)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 404) {
            return null;
        }
        assertThat(answer.statusCode()).as("GET %s: %s", path, answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static JsonNode graphQl(ServeProcess server, String query, Map<String, Object> vars)
            throws Exception {
        HttpResponse<String> answer =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/graphql"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .header("Content-Type", "application/json")
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                JSON.writeValueAsString(
                                                        Map.of("query", query, "variables", vars))))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("GraphQL: %s", answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static int status(ServeProcess server, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUrl() + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
