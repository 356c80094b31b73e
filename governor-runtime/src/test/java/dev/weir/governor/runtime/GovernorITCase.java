package dev.weir.governor.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The governor end to end: the statefun 3.3 runtime in this JVM (harness), the function server in a
 * JVM of its own (the SDK and the runtime define the same protocol classes), and a real Kafka
 * broker in a third process. A scripted sequence of performance records on {@code weir.monitoring}
 * must produce exactly these commands on {@code weir.model-control}: for one model a rollback (none
 * while the evidence is thin, one after three bad windows with enough labels, none during the
 * cool-down), for another whose inputs drift in every window one retraining request.
 */
class GovernorITCase {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String MODEL = "fraud-mlp";
    private static final String OTHER = "merchant-risk";
    private static final long MINUTE = 60_000;

    /** The consumer group of the governor's ingress in module.yaml. */
    private static final String GOVERNOR_GROUP = "weir-governor";

    private static final long T0 = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();

    @TempDir static Path dir;

    private static final List<Process> PROCESSES = new ArrayList<>();
    private static String bootstrap;

    /** The REST API of the statefun runtime's local Flink cluster. */
    private static int runtimeRestPort;

    /**
     * The offset after the last record each partition of the monitoring topic got from the test.
     */
    private static final Map<TopicPartition, Long> SENT = new ConcurrentHashMap<>();

    private static Path registry;

    @BeforeAll
    static void start() throws Exception {
        int kafkaPort = freePort();
        int functionPort = freePort();
        bootstrap = "127.0.0.1:" + kafkaPort;
        // The broker as `weir cluster start` runs it, from the weir launcher's class path.
        Path cli = ROOT.resolve("cli").resolve("target");
        spawn(
                "kafka",
                String.join(
                        File.pathSeparator,
                        cli.resolve("weir-cli-0.1.0-SNAPSHOT.jar").toString(),
                        ROOT.resolve("jobs/target/weir-jobs-0.1.0-SNAPSHOT-job.jar").toString(),
                        Files.readString(cli.resolve("provided-classpath.txt")).trim()),
                "dev.weir.cli.cluster.KafkaServerMain",
                dir.resolve("kafka").toString(),
                String.valueOf(kafkaPort));
        awaitLine(dir.resolve("kafka.out"), "kafka ready", Duration.ofSeconds(90));

        // The registry as the rest of Weir writes it: v2 is champion, v1 the one before.
        registry = dir.resolve("registry");
        Path model = Files.createDirectories(registry.resolve(MODEL));
        for (String version : List.of("1", "2")) {
            Files.createDirectories(model.resolve(version));
            Files.writeString(
                    model.resolve(version).resolve("CHECKSUM"), "c0ffee" + version + "\n");
        }
        Files.writeString(
                model.resolve("aliases.json"),
                "{\"champion\":\"2\",\"challenger\":null,\"history\":[\"1\"]}");
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(
                policy,
                "rollback: {min_auc: 0.75, windows: 3, min_labels: 200}\ncooldown_windows: 10\n");

        Path governor = ROOT.resolve("governor").resolve("target");
        spawn(
                "functions",
                governor.resolve("weir-governor-0.1.0-SNAPSHOT.jar")
                        + File.pathSeparator
                        + Files.readString(governor.resolve("runtime-classpath.txt")).trim(),
                "dev.weir.governor.GovernorServer",
                String.valueOf(functionPort),
                policy.toString(),
                registry.toString());
        awaitLine(
                dir.resolve("functions.out"),
                "governor function server listening on port",
                Duration.ofSeconds(90));

        String module =
                Files.readString(ROOT.resolve("governor/src/main/resources/module.yaml"))
                        .replace("127.0.0.1:9092", bootstrap)
                        .replace(
                                "http://127.0.0.1:8000/statefun",
                                "http://127.0.0.1:" + functionPort + "/statefun");
        Path moduleFile = dir.resolve("module.yaml");
        runtimeRestPort = freePort();
        Files.writeString(moduleFile, module);
        Thread runtime =
                new Thread(
                        () -> {
                            try {
                                GovernorRuntime.harness(moduleFile, 500)
                                        .withConfiguration(
                                                "rest.port", String.valueOf(runtimeRestPort))
                                        .start();
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        "statefun-runtime");
        runtime.setDaemon(true);
        runtime.start();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (Process p : PROCESSES) {
            p.destroy();
        }
        // Wait for the exits: a broker still shutting down writes into the temporary
        // directory while JUnit deletes it.
        for (Process p : PROCESSES) {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void badLabelledWindowsRollBackOnceAndPersistentDriftAsksForRetrainingOnce() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer()) {
            // Thin evidence: bad AUC but 50 labels per window. Then three bad windows with 300
            // labels: rollback. Then more bad windows within the cool-down: nothing.
            // Every window also has the drift records that name the version scoring (v2).
            for (int w = 0; w < 10; w++) {
                send(producer, drift(MODEL, w, "2", false));
                send(producer, performance(w, w < 6 ? 0.55 : 0.50, w < 3 ? 50 : 300));
                // Another model whose inputs drift in every window: one retraining request, then
                // the cool-down.
                send(producer, drift(OTHER, w, "7", true));
            }
            producer.flush();
        }

        List<ModelControl> commands =
                readUntil(
                        "weir.model-control",
                        ModelControl.getDecoder()::decode,
                        2,
                        Duration.ofSeconds(120));
        // Nothing else may follow. The governor has read every record once its committed offsets
        // pass them (a checkpoint commits them); two checkpoints later every function call made
        // for them has answered and its commands are committed.
        awaitEverythingSentConsumed();
        awaitRuntimeCheckpoints(2);
        commands =
                readUntil(
                        "weir.model-control",
                        ModelControl.getDecoder()::decode,
                        2,
                        Duration.ofSeconds(10));
        assertThat(commands)
                .as(
                        "commands; function server said:%n%s",
                        Files.readString(dir.resolve("functions.out")))
                .hasSize(2);
        assertThat(commands.stream().filter(c -> c.getModelName().equals(OTHER)).toList())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.getCommand()).isEqualTo(ModelCommand.REQUEST_RETRAIN);
                            assertThat(c.getVersion()).isEqualTo("7");
                            assertThat(c.getReason()).contains("drift");
                        });
        assertThat(commands.stream().filter(c -> c.getModelName().equals(MODEL)).toList())
                .singleElement()
                .satisfies(
                        c -> {
                            assertThat(c.getCommand()).isEqualTo(ModelCommand.USE_CHAMPION);
                            assertThat(c.getModelName()).isEqualTo(MODEL);
                            assertThat(c.getVersion()).isEqualTo("1");
                            assertThat(c.getLocation())
                                    .isEqualTo(
                                            registry.resolve(MODEL)
                                                    .resolve("1")
                                                    .toAbsolutePath()
                                                    .toString());
                            assertThat(c.getChecksum()).isEqualTo("c0ffee1");
                            assertThat(c.getReason()).isNotBlank();
                        });
        List<MonitoringRecord> audit =
                readUntil(
                                "weir.monitoring",
                                MonitoringRecord.getDecoder()::decode,
                                32,
                                Duration.ofSeconds(30))
                        .stream()
                        .filter(r -> r.getKind() == MonitoringKind.MODEL)
                        .toList();
        assertThat(audit).hasSize(2);
        assertThat(audit.stream().filter(r -> r.getSubject().equals(MODEL)).toList())
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.getSubject()).isEqualTo(MODEL);
                            assertThat(r.getNote()).containsIgnoringCase("rollback");
                            assertThat(r.getThresholds()).containsEntry("rollback.min_auc", 0.75);
                        });
    }

    private static MonitoringRecord drift(
            String model, int window, String version, boolean drifted) {
        return MonitoringRecord.newBuilder()
                .setKind(MonitoringKind.DRIFT)
                .setSubject("account.amount_log")
                .setWindowStart(Instant.ofEpochMilli(T0 + window * MINUTE))
                .setWindowEnd(Instant.ofEpochMilli(T0 + (window + 1) * MINUTE))
                .setModelName(model)
                .setModelVersion(version)
                .setAlert(drifted)
                .setValues(Map.of("psi", drifted ? 0.6 : 0.01, "live_count", 5000.0))
                .build();
    }

    private static MonitoringRecord performance(int window, double auc, long matched) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("auc", auc);
        values.put("matched", (double) matched);
        return MonitoringRecord.newBuilder()
                .setKind(MonitoringKind.PERFORMANCE)
                .setSubject(MODEL)
                .setWindowStart(Instant.ofEpochMilli(T0 + window * MINUTE))
                .setWindowEnd(Instant.ofEpochMilli(T0 + (window + 1) * MINUTE))
                .setModelName(MODEL)
                .setModelVersion("2")
                .setAlert(auc < 0.75)
                .setValues(values)
                .build();
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, MonitoringRecord record)
            throws IOException {
        producer.send(
                new ProducerRecord<>(
                        "weir.monitoring",
                        null,
                        record.getWindowEnd().toEpochMilli(),
                        (record.getKind() + "/" + record.getSubject()).getBytes(),
                        MonitoringRecord.getEncoder().encode(record).array()),
                (metadata, error) -> {
                    if (metadata != null) {
                        SENT.merge(
                                new TopicPartition(metadata.topic(), metadata.partition()),
                                metadata.offset() + 1,
                                Math::max);
                    }
                });
    }

    /** Until the governor's consumer group has committed offsets past every record sent. */
    private static void awaitEverythingSentConsumed() {
        assertThat(SENT).as("offsets of the records sent").isNotEmpty();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            await("the governor's committed offsets pass every record sent " + SENT)
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> {
                                Map<TopicPartition, OffsetAndMetadata> committed =
                                        admin.listConsumerGroupOffsets(GOVERNOR_GROUP)
                                                .partitionsToOffsetAndMetadata()
                                                .get();
                                return SENT.entrySet().stream()
                                        .allMatch(
                                                e ->
                                                        committed.get(e.getKey()) != null
                                                                && committed
                                                                                .get(e.getKey())
                                                                                .offset()
                                                                        >= e.getValue());
                            });
        }
    }

    /** Until {@code more} checkpoints of the statefun runtime's job complete after this call. */
    private static void awaitRuntimeCheckpoints(int more) throws Exception {
        long target = completedRuntimeCheckpoints() + more;
        await(more + " more completed checkpoints of the governor runtime")
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> completedRuntimeCheckpoints() >= target);
    }

    private static long completedRuntimeCheckpoints() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String jobs = get(http, "/jobs");
        Matcher job =
                Pattern.compile("\\{\"id\":\"([0-9a-f]{32})\",\"status\":\"RUNNING\"")
                        .matcher(jobs);
        if (!job.find()) {
            return -1;
        }
        Matcher completed =
                Pattern.compile("\"completed\":(\\d+)")
                        .matcher(get(http, "/jobs/" + job.group(1) + "/checkpoints"));
        return completed.find() ? Long.parseLong(completed.group(1)) : -1;
    }

    private static String get(HttpClient http, String path) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(
                                        URI.create("http://127.0.0.1:" + runtimeRestPort + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
    }

    interface Decoder<T> {
        T decode(byte[] bytes) throws IOException;
    }

    /**
     * Committed records of a topic, read until at least {@code count} arrived or the time is up.
     */
    private static <T> List<T> readUntil(
            String topic, Decoder<T> decoder, int count, Duration timeout) throws IOException {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("group.id", "it-" + UUID.randomUUID());
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && out.size() < count) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    out.add(decoder.decode(r.value()));
                }
            }
            // Whatever else is already there.
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(2))) {
                out.add(decoder.decode(r.value()));
            }
        }
        return out;
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrap);
        props.put("acks", "all");
        props.put("max.in.flight.requests.per.connection", "1");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void spawn(String name, String classpath, String main, String... args)
            throws IOException {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Xmx512m",
                                "-cp",
                                classpath,
                                main));
        command.addAll(List.of(args));
        PROCESSES.add(
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve(name + ".out").toFile())
                        .start());
    }

    private static void awaitLine(Path file, String text, Duration timeout) throws IOException {
        try {
            await("'" + text + "' in " + file)
                    .atMost(timeout)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> Files.exists(file) && Files.readString(file).contains(text));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    e.getMessage() + ":\n" + (Files.exists(file) ? Files.readString(file) : ""), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
