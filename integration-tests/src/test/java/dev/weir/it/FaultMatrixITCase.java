package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.cli.FreePorts;
import dev.weir.cli.Weir;
import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.cli.cluster.LocalCluster.Role;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.reconcile.ReconcileReader;
import dev.weir.cli.reconcile.ReconcileReport;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.iceberg.catalog.Catalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The faults a Flink shop meets, on the real processes of {@code weir cluster start} (ZooKeeper,
 * Kafka broker, JobManager and TaskManager, each a JVM of its own) with ZooKeeper high availability
 * on. Each case runs the pipeline at parallelism 2 on its own topics and tables, injects its fault
 * while payments are being scored, and ends with {@code weir reconcile}'s check (every payment
 * scored or dead-lettered exactly once in Kafka, read committed, and in Iceberg; decisions at least
 * once; a feature row per score), the Iceberg {@code events} table holding each payment once, and
 * the job running without restarting again.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultMatrixITCase {

    private static final Path JOB_JAR =
            Path.of("..", "jobs", "target", "weir-jobs-0.1.0-SNAPSHOT-job.jar")
                    .toAbsolutePath()
                    .normalize();
    private static final Path CLI_TARGET =
            Path.of("..", "cli", "target").toAbsolutePath().normalize();
    private static final Path FLINK_CONF = Path.of("..", "flink-conf").toAbsolutePath().normalize();

    private static final String FEATURES =
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

    /** Payments waiting in the topic when a case's job starts. */
    private static final int BACKLOG = 2_000;

    /** Payments produced while the fault happens, at {@link #RATE} per second. */
    private static final int LIVE = 2_000;

    private static final int RATE = 200;

    private static final Duration PATIENCE = Duration.ofMinutes(4);

    @TempDir static Path dir;

    private static LocalCluster.Launch cluster;
    private static LocalCluster.Layout layout;
    private static FlinkRest rest;
    private static String jarId;
    private static long eventTimeStart;

    @BeforeAll
    static void startCluster() throws Exception {
        layout =
                new LocalCluster.Layout(dir.resolve("cluster"), FreePorts.next(), FreePorts.next());
        cluster =
                LocalCluster.start(
                        layout,
                        FLINK_CONF.resolve("test").resolve("config.yaml"),
                        Map.ofEntries(
                                Map.entry("high-availability.type", "zookeeper"),
                                Map.entry(
                                        "high-availability.zookeeper.quorum",
                                        "127.0.0.1:" + FreePorts.next()),
                                Map.entry(
                                        "high-availability.storageDir",
                                        dir.resolve("ha").toUri().toString()),
                                Map.entry("high-availability.cluster-id", "/weir-faults"),
                                // A killed JobManager's leadership ends with its session.
                                Map.entry(
                                        "high-availability.zookeeper.client.session-timeout",
                                        "10 s"),
                                // Faults are expected here: restart until the cause is gone.
                                Map.entry("restart-strategy.type", "fixed-delay"),
                                Map.entry("restart-strategy.fixed-delay.attempts", "1000"),
                                Map.entry("restart-strategy.fixed-delay.delay", "2 s"),
                                Map.entry("heartbeat.interval", "2 s"),
                                Map.entry("heartbeat.timeout", "10 s")),
                        LocalCluster.classpathBeside(JOB_JAR),
                        launcherClasspath(),
                        FLINK_CONF.resolve("log4j-cluster.properties"));
        rest = new FlinkRest(layout.rest());
        Files.writeString(dir.resolve("features.yaml"), FEATURES);
        FeatureSet features = FeatureSet.fromYaml(dir.resolve("features.yaml"));
        TrainCommand.train(
                dir.resolve("model"),
                features,
                "faults",
                "1",
                5L,
                5_000,
                50,
                20,
                0.03,
                new TrainerConfig(List.of(8), 1, 0.01, 256, 0.2, 5L));
        jarId = rest.uploadJar(JOB_JAR);
        eventTimeStart = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
    }

    @AfterAll
    static void stopCluster() throws IOException {
        if (layout != null) {
            LocalCluster.stop(layout.dir());
            // The processes' logs outlive the temporary folder, for a failure's diagnosis.
            Path kept = Path.of("target", "fault-matrix-logs").toAbsolutePath();
            Files.createDirectories(kept);
            try (Stream<Path> logs = Files.list(layout.logs())) {
                for (Path log : logs.toList()) {
                    Files.copy(
                            log,
                            kept.resolve(log.getFileName()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** A case that failed leaves no job holding the slots the next one needs. */
    @AfterEach
    void cancelWhatStillRuns() {
        for (FlinkRest.Job job : rest.jobs()) {
            if (!List.of("FINISHED", "CANCELED", "FAILED").contains(job.state())) {
                rest.cancel(job.id());
                rest.awaitState(job.id(), PATIENCE, "CANCELED", "FAILED");
            }
        }
    }

    @Test
    @Order(1)
    void taskManagerKilledThreeTimesUnderLoad() throws Exception {
        Case c = new Case("tm");
        String job = c.submit(2, null);
        CompletableFuture<Void> load = c.produceLive();
        for (int kill = 1; kill <= 3; kill++) {
            c.awaitCommitted(kill * BACKLOG / 2);
            long restarted = lastRestart(job);
            killForcibly(Role.TASKMANAGER);
            LocalCluster.startProcess(cluster, Role.TASKMANAGER);
            awaitRestarted(job, restarted);
        }
        load.get(2, TimeUnit.MINUTES);
        c.assertExactlyOnce(job);
        try (Stream<Path> logs = Files.list(layout.logs())) {
            assertThat(logs.map(p -> p.getFileName().toString()))
                    .as("no JVM crash report (hs_err) from any process")
                    .noneMatch(name -> name.contains("hs_err"));
        }
    }

    @Test
    @Order(2)
    void kafkaBrokerKilledWhileTheBacklogDrains() throws Exception {
        Case c = new Case("broker");
        String job = c.submit(2, null);
        c.awaitCommitted(BACKLOG / 4);
        killForcibly(Role.KAFKA);
        LocalCluster.startProcess(cluster, Role.KAFKA);
        awaitRunning(job);
        c.produceLive().get(2, TimeUnit.MINUTES);
        c.assertExactlyOnce(job);
    }

    @Test
    @Order(3)
    void rescaledThroughSavepointsFromTwoToOneToTwo() throws Exception {
        Case c = new Case("rescale");
        String two = c.submit(2, null);
        CompletableFuture<Void> load = c.produceLive();
        c.awaitCommitted(BACKLOG / 2);
        String savepoint = rest.stopWithSavepoint(two, layout.savepoints().toUri().toString());
        String one = c.submit(1, savepoint);
        assertThat(parallelisms(one)).containsOnly(1);
        c.awaitCommitted(BACKLOG);
        savepoint = rest.stopWithSavepoint(one, layout.savepoints().toUri().toString());
        String twoAgain = c.submit(2, savepoint);
        assertThat(parallelisms(twoAgain)).contains(2);
        load.get(2, TimeUnit.MINUTES);
        c.assertExactlyOnce(twoAgain);
    }

    @Test
    @Order(4)
    void jobManagerKilledAndTheJobRecoversThroughZooKeeper() throws Exception {
        Case c = new Case("jm");
        String job = c.submit(2, null);
        CompletableFuture<Void> load = c.produceLive();
        c.awaitCommitted(BACKLOG / 2);
        long checkpoint = latestCheckpoint(job);
        killForcibly(Role.JOBMANAGER);
        // Nobody resubmits: the new JobManager finds the job in ZooKeeper and restores it.
        LocalCluster.startProcess(cluster, Role.JOBMANAGER);
        awaitRunning(job);
        assertThat(
                        rest.get("/jobs/" + job + "/checkpoints")
                                .path("latest")
                                .path("restored")
                                .path("id")
                                .asLong(-1))
                .as("restored from the last checkpoint by the new JobManager")
                .isGreaterThanOrEqualTo(checkpoint);
        load.get(2, TimeUnit.MINUTES);
        c.assertExactlyOnce(job);
    }

    @Test
    @Order(5)
    void checkpointStorageThatBecomesUnwritableAndComesBack() throws Exception {
        Case c = new Case("storage");
        String job = c.submit(2, null);
        CompletableFuture<Void> load = c.produceLive();
        c.awaitCommitted(BACKLOG / 2);
        // The next checkpoints cannot make their folders: a file stands where each would go. (The
        // processes may run as root, for whom permissions would not stop a write.)
        Path checkpoints = layout.dir().resolve("checkpoints").resolve(job);
        long last = latestCheckpoint(job);
        List<Path> blocked = new ArrayList<>();
        for (long id = last + 1; id <= last + 400; id++) {
            Path blocker = checkpoints.resolve("chk-" + id);
            if (!Files.exists(blocker)) { // one may be under way already
                Files.writeString(blocker, "storage is unwritable");
                blocked.add(blocker);
            }
        }
        long before = failures(job);
        Eventually.until("two checkpoints fail", PATIENCE, () -> failures(job) >= before + 2);
        // Flink's dashboard names the kind of failure; the path is in the JobManager's log.
        assertThat(checkpointFailureMessages(job))
                .as("the job says why its checkpoints fail")
                .anyMatch(m -> m.contains("IO-problem"));
        long committed = committedScores(c.config);
        long failed = failures(job);
        Eventually.until("two more checkpoints fail", PATIENCE, () -> failures(job) >= failed + 2);
        assertThat(committedScores(c.config))
                .as("nothing is committed while no checkpoint completes")
                .isEqualTo(committed);
        for (Path blocker : blocked) {
            Files.deleteIfExists(blocker);
        }
        Eventually.until(
                "a checkpoint completes again", PATIENCE, () -> latestCheckpoint(job) > last);
        load.get(2, TimeUnit.MINUTES);
        c.assertExactlyOnce(job);
    }

    /** One case: its own topics, tables, transactional ids and payments. */
    private static final class Case {
        final String name;
        final PipelineConfig config;
        final Path configFile;
        final TransactionGenerator generator;
        final List<String> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        int produced;

        Case(String name) throws Exception {
            this.name = name;
            this.configFile = dir.resolve("pipeline-" + name + ".yaml");
            Files.writeString(
                    configFile,
                    String.join(
                            "\n",
                            "kafka:",
                            "  bootstrap-servers: " + layout.bootstrap(),
                            "  topics:",
                            "    transactions: " + name + ".transactions",
                            "    scores: " + name + ".scores",
                            "    decisions: " + name + ".decisions",
                            "    dlq: " + name + ".dlq",
                            "    labels: " + name + ".labels",
                            "    monitoring: " + name + ".monitoring",
                            "    model-control: " + name + ".control",
                            "  transactional-id-prefix: faults-" + name,
                            "iceberg:",
                            "  warehouse: " + dir.resolve("warehouse-" + name),
                            "model:",
                            "  dir: " + dir.resolve("model"),
                            "features:",
                            "  definitions: " + dir.resolve("features.yaml"),
                            "pipeline:",
                            "  checkpoint-interval: 1 s",
                            ""));
            this.config = ConfigLoader.load(configFile, Map.of());
            this.generator = new TransactionGenerator(name.hashCode(), 78L, 200, 0.03);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", layout.bootstrap()))) {
                admin.createTopics(
                                Stream.of(
                                                "transactions",
                                                "scores",
                                                "decisions",
                                                "dlq",
                                                "labels",
                                                "monitoring",
                                                "control")
                                        .map(t -> new NewTopic(name + "." + t, 2, (short) 1))
                                        .toList())
                        .all()
                        .get();
            }
            produce(BACKLOG);
        }

        /** Submits the pipeline as {@code weir submit} does; returns the job id. */
        String submit(int parallelism, String savepoint) {
            List<String> argv =
                    new ArrayList<>(
                            List.of(
                                    "submit",
                                    "--config",
                                    configFile.toString(),
                                    "--jar",
                                    JOB_JAR.toString(),
                                    "--parallelism",
                                    String.valueOf(parallelism),
                                    "--rest",
                                    layout.rest()));
            if (savepoint != null) {
                argv.addAll(List.of("--from-savepoint", savepoint));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code =
                    Weir.execute(
                            new PrintStream(out, true, StandardCharsets.UTF_8),
                            new PrintStream(err, true, StandardCharsets.UTF_8),
                            System::getenv,
                            argv.toArray(String[]::new));
            assertThat(code).as("weir %s: %s", argv, err).isZero();
            String job = out.toString(StandardCharsets.UTF_8).trim();
            rest.awaitAllTasksRunning(job, PATIENCE);
            return job;
        }

        /** Produces {@link #LIVE} payments at {@link #RATE} per second, in the background. */
        CompletableFuture<Void> produceLive() {
            ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
            CompletableFuture<Void> done = new CompletableFuture<>();
            int perTick = RATE / 10;
            pacer.scheduleAtFixedRate(
                    () -> {
                        try {
                            if (produced >= BACKLOG + LIVE) {
                                done.complete(null);
                                pacer.shutdown();
                                return;
                            }
                            produce(Math.min(perTick, BACKLOG + LIVE - produced));
                        } catch (Exception e) {
                            done.completeExceptionally(e);
                            pacer.shutdown();
                        }
                    },
                    0,
                    100,
                    TimeUnit.MILLISECONDS);
            return done;
        }

        private void produce(int count) throws Exception {
            BinaryMessageEncoder<Transaction> encoder =
                    AvroRecordSerializer.encoderFor(Transaction.class);
            try (KafkaProducer<byte[], byte[]> producer =
                    KafkaClients.byteProducer(layout.bootstrap())) {
                for (int i = 0; i < count; i++) {
                    long time = eventTimeStart + produced * 500L;
                    Transaction txn = generator.next(time).transaction();
                    producer.send(
                            new ProducerRecord<>(
                                    config.transactionsTopic(),
                                    null,
                                    time,
                                    txn.getAccountId().getBytes(StandardCharsets.UTF_8),
                                    encoder.encode(txn).array()));
                    sent.add(txn.getTransactionId());
                    produced++;
                }
                producer.flush();
            }
        }

        void awaitCommitted(int count) {
            Eventually.committed(
                    config.bootstrapServers(), config.scoresTopic(), Score.class, count, PATIENCE);
        }

        /**
         * Every payment once in every store, and the job settled: a further checkpoint completes
         * without another restart.
         */
        void assertExactlyOnce(String job) throws Exception {
            awaitCommitted(BACKLOG + LIVE);
            Catalog catalog = Catalogs.loader(config).loadCatalog();
            Eventually.rows(
                    catalog, config.namespace(), WeirTables.SCORES, BACKLOG + LIVE, PATIENCE);
            long restarted = lastRestart(job);
            long checkpoint = latestCheckpoint(job);
            Eventually.until(
                    "two more checkpoints of " + name,
                    PATIENCE,
                    () -> latestCheckpoint(job) >= checkpoint + 2);
            assertThat(lastRestart(job))
                    .as("a restart after the fault was gone")
                    .isEqualTo(restarted);
            assertThat(rest.job(job).path("state").asText()).isEqualTo("RUNNING");

            ReconcileReport report =
                    ReconcileReport.of(
                            config, new ReconcileReader(config).read(ReconcileReader.Range.all()));
            ByteArrayOutputStream printed = new ByteArrayOutputStream();
            report.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
            assertThat(report.problems()).as(printed.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(report.inputs()).isEqualTo(BACKLOG + LIVE);
            assertThat(report.outcomes().get(0).scoredOnce()).isEqualTo(BACKLOG + LIVE);
            assertThat(report.outcomes().get(2).scoredOnce()).isEqualTo(BACKLOG + LIVE);

            List<String> events =
                    TestEnvironment.rows(catalog, config.namespace(), WeirTables.EVENTS).stream()
                            .map(r -> (String) r.getField("transaction_id"))
                            .toList();
            assertThat(events).as("events").doesNotHaveDuplicates();
            assertThat(new HashSet<>(events)).as("events").isEqualTo(new HashSet<>(sent));
        }
    }

    /** Kills the role's process as the kernel would ({@code kill -9}) and waits for its end. */
    private static void killForcibly(Role role) throws Exception {
        long pid = LocalCluster.pid(layout.dir(), role).orElseThrow();
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(1, TimeUnit.MINUTES);
    }

    /**
     * Waits until the job has restarted after {@code restarted} (its {@link #lastRestart}) and runs
     * with every task again.
     */
    private static void awaitRestarted(String job, long restarted) {
        Eventually.until(
                "job " + job + " restarts after the fault",
                PATIENCE,
                () -> lastRestart(job) > restarted);
        awaitRunning(job);
    }

    /**
     * When the job last entered RESTARTING, from its own status timestamps (0 before the first
     * time). The numRestarts metric is no witness here: the dashboard's metric fetcher also asks
     * the TaskManager that was killed, and its value was seen to stay behind for minutes.
     */
    private static long lastRestart(String job) {
        return rest.job(job).path("timestamps").path("RESTARTING").asLong(0);
    }

    /** Waits until the job runs again with every task, through a JobManager that may be new. */
    private static void awaitRunning(String job) {
        Eventually.until(
                "job " + job + " runs with all its tasks",
                PATIENCE,
                () -> {
                    try {
                        JsonNode j = rest.job(job);
                        boolean all =
                                j.path("state").asText().equals("RUNNING")
                                        && j.path("vertices").size() > 0;
                        for (JsonNode vertex : j.path("vertices")) {
                            all &= vertex.path("status").asText().equals("RUNNING");
                        }
                        return all;
                    } catch (IllegalStateException unreachable) {
                        return false; // the REST endpoint is coming back with the JobManager
                    }
                });
    }

    private static List<Integer> parallelisms(String job) {
        List<Integer> all = new ArrayList<>();
        rest.job(job).path("vertices").forEach(v -> all.add(v.path("parallelism").asInt()));
        return all;
    }

    private static long latestCheckpoint(String job) {
        return rest.get("/jobs/" + job + "/checkpoints")
                .path("latest")
                .path("completed")
                .path("id")
                .asLong(0);
    }

    /** Checkpoints that failed plus the restarts they caused. */
    private static long failures(String job) {
        return rest.get("/jobs/" + job + "/checkpoints").path("counts").path("failed").asLong(0)
                + restarts(job);
    }

    /** What the dashboard says about failed checkpoints: their messages and the job's causes. */
    private static List<String> checkpointFailureMessages(String job) {
        List<String> messages = new ArrayList<>();
        for (JsonNode c : rest.get("/jobs/" + job + "/checkpoints").path("history")) {
            messages.add(c.path("failure_message").asText(""));
        }
        for (JsonNode e :
                rest.get("/jobs/" + job + "/exceptions").path("exceptionHistory").path("entries")) {
            messages.add(e.path("stacktrace").asText(""));
        }
        return messages;
    }

    private static long restarts(String job) {
        JsonNode metrics = rest.get("/jobs/" + job + "/metrics?get=numRestarts");
        return metrics.size() == 0 ? 0 : metrics.get(0).path("value").asLong();
    }

    private static long committedScores(PipelineConfig config) {
        return PipelineITCase.readCommitted(
                        config.bootstrapServers(), config.scoresTopic(), Score.class)
                .size();
    }

    private static String launcherClasspath() throws IOException {
        return String.join(
                File.pathSeparator,
                CLI_TARGET.resolve("weir-cli-0.1.0-SNAPSHOT.jar").toString(),
                JOB_JAR.toString(),
                Files.readString(CLI_TARGET.resolve("provided-classpath.txt")).trim());
    }
}
