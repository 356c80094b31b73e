package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.cli.FreePorts;
import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSetEngine;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real Flink standalone cluster (JobManager and TaskManager processes started with
 * {@code weir cluster start}'s code from the built job jar, Kafka in a process of its own), driven
 * through Flink's REST API as {@code weir submit} and {@code weir savepoint} drive it.
 *
 * <p>The upgrade: release A (three account features) runs at parallelism 1 under load, stops with a
 * savepoint, and release B (a fourth feature, another model, parallelism 2) starts from it. Every
 * payment is scored exactly once across the switch, in Kafka and in Iceberg; the features A
 * computed continue in B exactly as if one job had seen every payment; the new one warms up.
 */
class ClusterITCase {

    private static final Path JOB_JAR =
            Path.of("..", "jobs", "target", "weir-jobs-0.1.0-SNAPSHOT-job.jar")
                    .toAbsolutePath()
                    .normalize();
    private static final Path CLI_TARGET =
            Path.of("..", "cli", "target").toAbsolutePath().normalize();
    private static final Path FLINK_CONF = Path.of("..", "flink-conf").toAbsolutePath().normalize();

    private static final String FEATURES_A =
            String.join(
                    "\n",
                    "entities:",
                    "  - name: account",
                    "    key: account_id",
                    "    features:",
                    "      - {name: amount_log, aggregation: derived, expression: \"log1p(amount_minor / 100)\"}",
                    "      - {name: txn_count_1h, aggregation: count, window: 1h}",
                    "      - {name: amount_sum_1h, aggregation: sum, field: amount_minor, window: 1h}",
                    "");

    /** Release B adds one feature; the others keep their definitions and so their state. */
    private static final String FEATURES_B =
            FEATURES_A
                    + "      - {name: amount_max_1h, aggregation: max, field: amount_minor, window: 1h}\n";

    @TempDir static Path dir;

    private static LocalCluster.Layout layout;
    private static FlinkRest rest;

    @BeforeAll
    static void startCluster() throws Exception {
        layout =
                new LocalCluster.Layout(dir.resolve("cluster"), FreePorts.next(), FreePorts.next());
        LocalCluster.start(
                layout,
                FLINK_CONF.resolve("test").resolve("config.yaml"),
                LocalCluster.classpathBeside(JOB_JAR),
                launcherClasspath(),
                FLINK_CONF.resolve("log4j-cluster.properties"));
        rest = new FlinkRest(layout.rest());
    }

    @AfterAll
    static void stopCluster() throws IOException {
        assertThat(LocalCluster.stop(layout.dir()))
                .as("every process of the cluster was running")
                .isEqualTo(3);
    }

    @Test
    void upgradeThroughASavepointKeepsEveryFeatureAndScoresEveryPaymentOnce() throws Exception {
        FeatureSet a = release("a", FEATURES_A);
        FeatureSet b = release("b", FEATURES_B);
        TrainerConfig small = new TrainerConfig(List.of(8), 1, 0.01, 256, 0.2, 5L);
        TrainCommand.train(
                dir.resolve("model-a"), a, "upgrade", "1", 5L, 5_000, 50, 20, 0.03, small);
        TrainCommand.train(
                dir.resolve("model-b"), b, "upgrade", "2", 5L, 5_000, 50, 20, 0.03, small);
        Path configA = pipelineConfig("a", "model-a");
        Path configB = pipelineConfig("b", "model-b");
        PipelineConfig config = dev.weir.jobs.config.ConfigLoader.load(configA, Map.of());

        TransactionGenerator generator = new TransactionGenerator(77L, 78L, 20, 0.03);
        long start = System.currentTimeMillis() - 40 * 60_000L;
        List<Transaction> sent = new ArrayList<>();
        produce(config, generator, start, 0, 600, sent);

        String jarId = rest.uploadJar(JOB_JAR);
        String jobA =
                rest.run(
                        jarId,
                        "dev.weir.jobs.PipelineJob",
                        List.of("--config", configA.toString()),
                        1,
                        null,
                        Map.of());
        rest.awaitAllTasksRunning(jobA, Duration.ofMinutes(2));
        awaitScores(config, 600);
        // Under load: the savepoint is taken while these are on their way.
        produce(config, generator, start, 600, 400, sent);
        String savepoint = rest.stopWithSavepoint(jobA, layout.savepoints().toUri().toString());
        assertThat(rest.awaitState(jobA, Duration.ofMinutes(1), "FINISHED")).isEqualTo("FINISHED");

        String jobB =
                rest.run(
                        jarId,
                        "dev.weir.jobs.PipelineJob",
                        List.of("--config", configB.toString()),
                        2,
                        savepoint,
                        Map.of());
        rest.awaitAllTasksRunning(jobB, Duration.ofMinutes(2));
        JsonNode verticesB = rest.job(jobB).path("vertices");
        assertThat(verticesB)
                .anySatisfy(v -> assertThat(v.path("parallelism").asInt()).isEqualTo(2));
        produce(config, generator, start, 1_000, 400, sent);
        awaitScores(config, 1_400);
        dashboardShows(jobB);

        // Kafka, read committed: every payment scored once, by A before the switch, by B after.
        List<Score> scores =
                PipelineITCase.readCommitted(
                        config.bootstrapServers(), config.scoresTopic(), Score.class);
        Set<String> ids = new HashSet<>();
        for (Score s : scores) {
            assertThat(ids.add(s.getTransactionId()))
                    .as("scored once: %s", s.getTransactionId())
                    .isTrue();
        }
        assertThat(ids)
                .isEqualTo(
                        sent.stream()
                                .map(Transaction::getTransactionId)
                                .collect(java.util.stream.Collectors.toSet()));
        long byB = scores.stream().filter(s -> s.getModelVersion().equals("2")).count();
        assertThat(byB).isBetween(400L, 800L);

        // Features: one engine over every payment, in order, is what A then B must have computed.
        Map<String, double[]> expected = new HashMap<>();
        FeatureSetEngine engine = new FeatureSetEngine(b, Transaction.getClassSchema());
        List<Transaction> ordered = new ArrayList<>(sent);
        ordered.sort(Comparator.comparing(Transaction::getEventTime));
        for (Transaction t : ordered) {
            expected.put(
                    t.getTransactionId(), engine.update(t, t.getEventTime().toEpochMilli(), null));
        }
        int carried = a.vectorNames().size();
        for (Score s : scores) {
            double[] want = expected.get(s.getTransactionId());
            int n = s.getModelVersion().equals("2") ? b.vectorNames().size() : carried;
            assertThat(s.getFeatures()).hasSize(n);
            for (int f = 0; f < carried; f++) {
                assertThat(s.getFeatures().get(f))
                        .as(
                                "%s of %s (model v%s)",
                                a.vectorNames().get(f), s.getTransactionId(), s.getModelVersion())
                        .isEqualTo(want[f]);
            }
        }

        // Iceberg: the same payments once each; B's rows say the new feature is warming up.
        Catalog catalog = Catalogs.loader(config).loadCatalog();
        awaitRows(catalog, config, WeirTables.SCORES, 1_400);
        long taskManager =
                LocalCluster.pid(layout.dir(), LocalCluster.Role.TASKMANAGER).orElseThrow();
        assertThat(jobClassLoaders(taskManager)).as("release B's class loader").isPositive();
        rest.cancel(jobB);
        for (String table : List.of(WeirTables.EVENTS, WeirTables.SCORES, WeirTables.FEATURES)) {
            List<String> rows =
                    TestEnvironment.rows(catalog, config.namespace(), table).stream()
                            .map(r -> (String) r.getField("transaction_id"))
                            .toList();
            assertThat(rows).as(table).doesNotHaveDuplicates();
            assertThat(new HashSet<>(rows)).as(table).isEqualTo(ids);
        }
        List<Record> warming =
                TestEnvironment.rows(catalog, config.namespace(), WeirTables.FEATURES).stream()
                        .filter(
                                r ->
                                        ((List<?>) r.getField("warming"))
                                                .contains("account.amount_max_1h"))
                        .toList();
        assertThat(warming).isNotEmpty();
        assertThat(warming)
                .allSatisfy(
                        r -> assertThat(r.getField("feature_set_version")).isEqualTo(b.version()));

        // A third job (release B again, with nothing left to read) runs through a checkpoint, so
        // three jobs have come and gone on this TaskManager.
        String jobC =
                rest.run(
                        jarId,
                        "dev.weir.jobs.PipelineJob",
                        List.of("--config", configB.toString()),
                        2,
                        null,
                        Map.of());
        rest.awaitAllTasksRunning(jobC, Duration.ofMinutes(2));
        org.awaitility.Awaitility.await("a completed checkpoint of the third job")
                .atMost(Duration.ofMinutes(2))
                .until(
                        () ->
                                rest.get("/jobs/" + jobC + "/checkpoints")
                                                .path("counts")
                                                .path("completed")
                                                .asInt()
                                        > 0);
        rest.cancel(jobC);
        rest.awaitState(jobC, Duration.ofMinutes(1), "CANCELED");

        // The TaskManager gives the ended jobs' classes back (Hadoop and Iceberg load once per JVM,
        // parent-first). Two class loaders may stay whatever the number of jobs: the first job's,
        // in the access-control context JavaCPP's deallocator thread inherited from it, and the
        // last one's, in the JDK's one-entry cache of record equality's method handle. One per job
        // would fill the metaspace after a few upgrades.
        org.awaitility.Awaitility.await("the TaskManager releases the ended jobs' class loaders")
                .atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(2))
                .untilAsserted(
                        () -> assertThat(jobClassLoaders(taskManager)).isLessThanOrEqualTo(2));
    }

    /** Live job class loaders in a JVM, counted by its own class histogram (after a full GC). */
    private static int jobClassLoaders(long pid) throws Exception {
        Process jcmd =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                                Long.toString(pid),
                                "GC.class_histogram")
                        .redirectErrorStream(true)
                        .start();
        String histogram = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jcmd.waitFor()).as(histogram).isZero();
        for (String line : histogram.split("\n")) {
            String[] columns = line.trim().split("\\s+");
            if (columns.length == 4
                    && columns[3].equals("org.apache.flink.util.ChildFirstClassLoader")) {
                System.out.println("job class loaders in the TaskManager: " + columns[1]);
                return Integer.parseInt(columns[1]);
            }
        }
        return 0;
    }

    /**
     * The running job as a person sees it in the Flink web dashboard, in headless Chromium: the job
     * graph with Weir's operator names, and the scoring operator's eventsScored metric with a
     * value. Screenshots stay in target/dashboard.
     */
    private static void dashboardShows(String jobId) throws Exception {
        String scoring = null;
        for (JsonNode vertex : rest.job(jobId).path("vertices")) {
            if (vertex.path("name").asText().startsWith("Score (DL4J")) {
                scoring = vertex.path("id").asText();
            }
        }
        assertThat(scoring).as("scoring vertex").isNotNull();
        Path shots = Path.of("target", "dashboard").toAbsolutePath();
        Files.createDirectories(shots);
        Path script = Path.of("src", "test", "dashboard", "check-dashboard.mjs").toAbsolutePath();
        assertThat(script.resolveSibling("node_modules").resolve("playwright-core"))
                .as(
                        "the dashboard check's npm package: npm ci --prefix src/test/dashboard (.ci/run does it)")
                .exists();
        assertThat(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium")))
                .as("Debian's chromium (apt-get install chromium; .ci/run does it)")
                .exists();
        Process node =
                new ProcessBuilder(
                                "node",
                                script.toString(),
                                layout.rest(),
                                jobId,
                                scoring,
                                "eventsScored",
                                shots.toString())
                        .redirectErrorStream(true)
                        .start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor()).as(output).isZero();
        Files.writeString(shots.resolve("dashboard.txt"), output);
        assertThat(output)
                .contains(
                        "node: Source: Kafka upgrade.transactions -> Decode, check quality, govern")
                .contains("node: Features: account")
                .contains("node: Score (DL4J");
        String metric =
                output.lines().filter(l -> l.startsWith("metric: ")).findFirst().orElseThrow();
        assertThat(metric).contains("weir.eventsScored");
        long shown =
                java.util.regex.Pattern.compile(" (\\d+) Chart")
                        .matcher(metric)
                        .results()
                        .mapToLong(m -> Long.parseLong(m.group(1)))
                        .findFirst()
                        .orElse(-1);
        assertThat(shown).as(metric).isPositive();
        assertThat(shots.resolve("job-graph.png")).isNotEmptyFile();
        assertThat(shots.resolve("metric.png")).isNotEmptyFile();
    }

    private static FeatureSet release(String name, String yaml) throws IOException {
        Path file = dir.resolve("features-" + name + ".yaml");
        Files.writeString(file, yaml);
        return FeatureSet.fromYaml(file);
    }

    /** The Weir config of one release, as an operator would write it for the cluster. */
    private static Path pipelineConfig(String release, String model) throws IOException {
        Path file = dir.resolve("pipeline-" + release + ".yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "kafka:",
                        "  bootstrap-servers: " + layout.bootstrap(),
                        "  topics:",
                        "    transactions: upgrade.transactions",
                        "    scores: upgrade.scores",
                        "    decisions: upgrade.decisions",
                        "    dlq: upgrade.dlq",
                        "    labels: upgrade.labels",
                        "    monitoring: upgrade.monitoring",
                        "    model-control: upgrade.control",
                        "  transactional-id-prefix: upgrade",
                        "iceberg:",
                        "  warehouse: " + dir.resolve("warehouse"),
                        "model:",
                        "  dir: " + dir.resolve(model),
                        "features:",
                        "  definitions: " + dir.resolve("features-" + release + ".yaml"),
                        "pipeline:",
                        "  checkpoint-interval: 1 s",
                        ""));
        return file;
    }

    private static void produce(
            PipelineConfig config,
            TransactionGenerator generator,
            long start,
            int first,
            int count,
            List<Transaction> sent)
            throws Exception {
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaClients.byteProducer(config.bootstrapServers())) {
            if (first == 0) {
                try (var admin =
                        org.apache.kafka.clients.admin.Admin.create(
                                Map.of("bootstrap.servers", config.bootstrapServers()))) {
                    admin.createTopics(
                                    List.of(
                                                    "upgrade.transactions",
                                                    "upgrade.scores",
                                                    "upgrade.decisions",
                                                    "upgrade.dlq",
                                                    "upgrade.labels",
                                                    "upgrade.monitoring",
                                                    "upgrade.control")
                                            .stream()
                                            .map(
                                                    t ->
                                                            new org.apache.kafka.clients.admin
                                                                    .NewTopic(t, 2, (short) 1))
                                            .toList())
                            .all()
                            .get();
                }
            }
            for (int i = first; i < first + count; i++) {
                long time = start + i * 1_000L;
                Transaction txn = generator.next(time).transaction();
                producer.send(
                        new ProducerRecord<>(
                                config.transactionsTopic(),
                                null,
                                time,
                                txn.getAccountId().getBytes(StandardCharsets.UTF_8),
                                encoder.encode(txn).array()));
                sent.add(txn);
            }
            producer.flush();
        }
    }

    private static void awaitScores(PipelineConfig config, int count) {
        Eventually.committed(
                config.bootstrapServers(),
                config.scoresTopic(),
                Score.class,
                count,
                Duration.ofMinutes(3));
    }

    private static void awaitRows(Catalog catalog, PipelineConfig config, String table, int count) {
        Eventually.rows(catalog, config.namespace(), table, count, Duration.ofMinutes(2));
    }

    /**
     * The weir launcher's class path, which the Kafka process runs from: cli jar, job jar, the
     * cli's provided jars.
     */
    private static String launcherClasspath() throws IOException {
        return String.join(
                File.pathSeparator,
                CLI_TARGET.resolve("weir-cli-0.1.0-SNAPSHOT.jar").toString(),
                JOB_JAR.toString(),
                Files.readString(CLI_TARGET.resolve("provided-classpath.txt")).trim());
    }
}
