package dev.weir.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.schemas.Decision;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server against a real broker: records written as the pipeline writes them (single-object
 * Avro, keyed by transaction id and by {@code <entity>/<id>}), then the exact answers of the JSON
 * and GraphQL endpoints, the 401/404/400 cases, and a restart on an empty state directory that
 * restores the stores from their changelogs (the entities from the entity-features topic) and
 * answers the same.
 */
class WeirServeTest {

    private static final String TOKEN = "tests-only-serve-token-9c1e";
    private static final String DECISIONS = "decisions";
    private static final String SCORES = "scores";
    private static final String ENTITY_FEATURES = "entity-features";
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir static Path dir;
    private static EmbeddedKafka broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafka.start(dir.resolve("kafka"), 0);
        broker.createTopics(2, DECISIONS, SCORES, ENTITY_FEATURES);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void answersFromTheTopicsAndAgainAfterRestoringFromTheChangelogs() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // An account's values twice (the newer is the state now), a merchant's, and a device
            // whose state expired (its tombstone follows its values).
            send(
                    producer,
                    ENTITY_FEATURES,
                    "account/a-1",
                    account("t-1", 1, 1, 40.0).toByteBuffer());
            send(
                    producer,
                    ENTITY_FEATURES,
                    "account/a-1",
                    account("t-2", 5, 2, 150.0).toByteBuffer());
            send(producer, ENTITY_FEATURES, "merchant/m-1", merchant().toByteBuffer());
            send(producer, ENTITY_FEATURES, "device/d-1", device().toByteBuffer());
            send(producer, ENTITY_FEATURES, "device/d-1", (ByteBuffer) null);
            // Not a Weir record: skipped, the rest is served.
            send(producer, DECISIONS, "junk", ByteBuffer.wrap(new byte[] {1, 2, 3}));
            send(
                    producer,
                    DECISIONS,
                    "t-1",
                    score("t-1", "a-1", 1, Decision.APPROVE, 0.1).toByteBuffer());
            send(
                    producer,
                    DECISIONS,
                    "t-2",
                    score("t-2", "a-1", 5, Decision.DECLINE, 0.93).toByteBuffer());
            send(
                    producer,
                    DECISIONS,
                    "t-3",
                    score("t-3", "a-2", 3, Decision.APPROVE, 0.2).toByteBuffer());
            // The same scores again in the exactly-once topic: one decision per transaction.
            send(
                    producer,
                    SCORES,
                    "t-1",
                    score("t-1", "a-1", 1, Decision.APPROVE, 0.1).toByteBuffer());
            send(
                    producer,
                    SCORES,
                    "t-2",
                    score("t-2", "a-1", 5, Decision.DECLINE, 0.93).toByteBuffer());
            producer.flush();
        }

        String applicationId = "serve-" + UUID.randomUUID();
        Map<String, Response> first;
        try (WeirServe serve = WeirServe.start(settings(applicationId, dir.resolve("state-1")))) {
            String base = "http://127.0.0.1:" + serve.port();
            await().atMost(Duration.ofMinutes(2))
                    .until(
                            () ->
                                    get(base + "/transactions/t-3", TOKEN).status() == 200
                                            && get(base + "/accounts/a-1/decisions", TOKEN)
                                                    .body()
                                                    .contains("t-1")
                                            && get(base + "/entities/merchant/m-1", TOKEN).status()
                                                    == 200
                                            && get(base + "/entities/account/a-1", TOKEN)
                                                    .body()
                                                    .contains("t-2"));
            first = answers(base);
            assertAnswers(first);

            // Authentication: none, another token, another scheme.
            assertThat(get(base + "/transactions/t-1", null).status()).isEqualTo(401);
            assertThat(get(base + "/transactions/t-1", "wrong").status()).isEqualTo(401);
            HttpResponse<String> basic =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create(base + "/graphql"))
                                    .header("Authorization", "Basic " + TOKEN)
                                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(basic.statusCode()).isEqualTo(401);
            assertThat(basic.body()).doesNotContain(TOKEN);
            assertThat(get(base + "/health", null).status()).isEqualTo(200);

            // A query that does not parse and one that asks for a field that does not exist.
            Response syntax = graphQl(base, "{ transaction(id: \"t-1\") { decision ");
            assertThat(syntax.status()).isEqualTo(400);
            assertThat(syntax.json().get("errors").toString()).contains("Invalid syntax");
            Response unknownField = graphQl(base, "{ transaction(id: \"t-1\") { verdict } }");
            assertThat(unknownField.status()).isEqualTo(400);
            assertThat(unknownField.json().get("errors").toString())
                    .contains("Field 'verdict' in type 'Decision' is undefined");
            Response notJson = post(base + "/graphql", "query {", TOKEN);
            assertThat(notJson.status()).isEqualTo(400);
        }

        // The entities store's changelog is the entity-features topic itself; the other stores
        // have their own.
        Set<String> topics;
        try (Admin admin = broker.admin()) {
            topics = admin.listTopics().names().get();
        }
        assertThat(topics)
                .filteredOn(topic -> topic.startsWith(applicationId + "-"))
                .containsExactlyInAnyOrder(
                        applicationId + "-" + ServeTopology.TRANSACTIONS + "-changelog",
                        applicationId + "-" + ServeTopology.ACCOUNTS + "-changelog",
                        applicationId + "-account-recent-repartition");

        // A fresh state directory: the stores come back from their changelog topics (the input
        // offsets were committed on close, so the input is not read again).
        try (WeirServe serve = WeirServe.start(settings(applicationId, dir.resolve("state-2")))) {
            String base = "http://127.0.0.1:" + serve.port();
            await().atMost(Duration.ofMinutes(2)).until(serve::running);
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> get(base + "/transactions/t-3", TOKEN).status() == 200);
            assertThat(answers(base)).isEqualTo(first);

            // And it keeps up: a new decision heads its account's list.
            try (KafkaProducer<byte[], byte[]> producer = producer()) {
                send(
                        producer,
                        DECISIONS,
                        "t-4",
                        score("t-4", "a-1", 9, Decision.APPROVE, 0.3).toByteBuffer());
            }
            await().atMost(Duration.ofMinutes(1))
                    .until(
                            () ->
                                    transactionIds(get(base + "/accounts/a-1/decisions", TOKEN))
                                            .equals(List.of("t-4", "t-2", "t-1")));
        }
    }

    private static void assertAnswers(Map<String, Response> answers) throws IOException {
        Map<String, Object> account = new LinkedHashMap<>();
        account.put("entity", "account");
        account.put("entity_id", "a-1");
        account.put("as_of", "2026-11-01T00:00:05Z");
        account.put("transaction_id", "t-2");
        account.put("feature_set_version", "fs-1");
        account.put(
                "features", Map.of("account.txn_count_1h", 2.0, "account.amount_sum_1h", 150.0));
        account.put("warming", List.of("account.amount_sum_1h"));
        assertThat(answers.get("account").status()).isEqualTo(200);
        assertThat(answers.get("account").json()).isEqualTo(account);

        assertThat(answers.get("t-2").status()).isEqualTo(200);
        assertThat(answers.get("t-2").json())
                .isEqualTo(decisionView("t-2", "a-1", 5, "DECLINE", 0.93));

        assertThat(answers.get("a-1").status()).isEqualTo(200);
        assertThat(answers.get("a-1").json())
                .isEqualTo(
                        Map.of(
                                "account_id",
                                "a-1",
                                "decisions",
                                List.of(
                                        decisionView("t-2", "a-1", 5, "DECLINE", 0.93),
                                        decisionView("t-1", "a-1", 1, "APPROVE", 0.1))));
        assertThat(transactionIds(answers.get("a-1 limit 1"))).containsExactly("t-2");

        assertThat(answers.get("unknown entity").status()).isEqualTo(404);
        assertThat(answers.get("expired device").status()).isEqualTo(404);
        assertThat(answers.get("unknown transaction").status()).isEqualTo(404);
        assertThat(answers.get("unknown account").status()).isEqualTo(404);

        Response graphQl = answers.get("graphql");
        assertThat(graphQl.status()).isEqualTo(200);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(
                "entity",
                Map.of(
                        "as_of",
                        "2026-11-01T00:00:05Z",
                        "features",
                        List.of(
                                Map.of("name", "account.txn_count_1h", "value", 2.0),
                                Map.of("name", "account.amount_sum_1h", "value", 150.0)),
                        "warming",
                        List.of("account.amount_sum_1h")));
        data.put(
                "transaction",
                Map.of(
                        "decision",
                        "DECLINE",
                        "score",
                        0.93,
                        "model_version",
                        "3",
                        "reasons",
                        List.of(Map.of("feature", "account.amount_sum_1h", "contribution", 0.25))));
        data.put("account", Map.of("decisions", List.of(Map.of("transaction_id", "t-2"))));
        // An unknown entity is null in GraphQL, not an error.
        data.put("nobody", null);
        assertThat(graphQl.json()).isEqualTo(Map.of("data", data));
    }

    private static Map<String, Response> answers(String base) throws Exception {
        Map<String, Response> answers = new LinkedHashMap<>();
        answers.put("account", get(base + "/entities/account/a-1", TOKEN));
        answers.put("t-2", get(base + "/transactions/t-2", TOKEN));
        answers.put("a-1", get(base + "/accounts/a-1/decisions", TOKEN));
        answers.put("a-1 limit 1", get(base + "/accounts/a-1/decisions?limit=1", TOKEN));
        answers.put("unknown entity", get(base + "/entities/account/nobody", TOKEN));
        answers.put("expired device", get(base + "/entities/device/d-1", TOKEN));
        answers.put("unknown transaction", get(base + "/transactions/t-404", TOKEN));
        answers.put("unknown account", get(base + "/accounts/a-404/decisions", TOKEN));
        answers.put(
                "graphql",
                graphQl(
                        base,
                        "query($id: ID!) {"
                                + " entity(type: \"account\", id: \"a-1\") { as_of features { name value } warming }"
                                + " transaction(id: $id) { decision score model_version reasons { feature contribution } }"
                                + " account(id: \"a-1\") { decisions(last: 1) { transaction_id } }"
                                + " nobody: entity(type: \"account\", id: \"no body\") { as_of } }"));
        return answers;
    }

    private static Map<String, Object> decisionView(
            String id, String accountId, int seconds, String decision, double score) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("transaction_id", id);
        view.put("account_id", accountId);
        view.put("merchant_id", "m-1");
        view.put("device_id", null);
        view.put("decision", decision);
        view.put("score", score);
        view.put("model_name", "fraud");
        view.put("model_version", "3");
        view.put("event_time", T0.plusSeconds(seconds).toString());
        view.put("scoring_time", T0.plusSeconds(seconds).plusMillis(7).toString());
        view.put("challenger_version", null);
        view.put("challenger_score", null);
        view.put("challenger_decision", null);
        view.put(
                "reasons",
                List.of(Map.of("feature", "account.amount_sum_1h", "contribution", 0.25)));
        return view;
    }

    private static Score score(
            String id, String accountId, int seconds, Decision decision, double score) {
        return Score.newBuilder()
                .setTransactionId(id)
                .setAccountId(accountId)
                .setMerchantId("m-1")
                .setScore(score)
                .setDecision(decision)
                .setModelName("fraud")
                .setModelVersion("3")
                .setFeatures(List.of(1.0, 2.0))
                .setEventTime(T0.plusSeconds(seconds))
                .setScoringTime(T0.plusSeconds(seconds).plusMillis(7))
                .setReasons(List.of(new Reason("account.amount_sum_1h", 0.25)))
                .build();
    }

    private static EntityFeatures account(String txn, int seconds, double count, double sum) {
        return new EntityFeatures(
                "account",
                "a-1",
                T0.plusSeconds(seconds),
                txn,
                "fs-1",
                List.of("account.txn_count_1h", "account.amount_sum_1h"),
                List.of(count, sum),
                List.of("account.amount_sum_1h"));
    }

    private static EntityFeatures merchant() {
        return new EntityFeatures(
                "merchant",
                "m-1",
                T0.plusSeconds(5),
                "t-2",
                "fs-1",
                List.of("merchant.txn_count_1h"),
                List.of(7.0),
                List.of());
    }

    private static EntityFeatures device() {
        return new EntityFeatures(
                "device",
                "d-1",
                T0,
                "t-0",
                "fs-1",
                List.of("device.accounts_24h"),
                List.of(1.0),
                List.of());
    }

    private static ServeSettings settings(String applicationId, Path stateDir) {
        return new ServeSettings(
                broker.bootstrapServers(),
                Map.of(),
                DECISIONS,
                SCORES,
                ENTITY_FEATURES,
                applicationId,
                stateDir,
                "127.0.0.1",
                0,
                20,
                TOKEN,
                null,
                ServeSettings.DEFAULT_STREAM_THREADS);
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return new KafkaProducer<>(props);
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer, String topic, String key, ByteBuffer value)
            throws Exception {
        byte[] bytes = null;
        if (value != null) {
            bytes = new byte[value.remaining()];
            value.get(bytes);
        }
        producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes))
                .get();
    }

    record Response(int status, String body) {
        Map<String, Object> json() throws IOException {
            return JSON.readValue(body, new TypeReference<>() {});
        }
    }

    private static Response get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response =
                HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }

    private static Response post(String url, String body, String token) throws Exception {
        HttpResponse<String> response =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), response.body());
    }

    private static Response graphQl(String base, String query) throws Exception {
        return post(
                base + "/graphql",
                JSON.writeValueAsString(Map.of("query", query, "variables", Map.of("id", "t-2"))),
                TOKEN);
    }

    @SuppressWarnings("unchecked")
    private static List<String> transactionIds(Response response) throws IOException {
        if (response.status() != 200) {
            return List.of();
        }
        return ((List<Map<String, Object>>) response.json().get("decisions"))
                .stream().map(d -> (String) d.get("transaction_id")).toList();
    }
}
