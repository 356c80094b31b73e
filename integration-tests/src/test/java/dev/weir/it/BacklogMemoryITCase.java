package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.cli.FreePorts;
import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.reconcile.ReconcileReader;
import dev.weir.cli.reconcile.ReconcileReport;
import dev.weir.cli.reconcile.Reconciliation;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.TableWriteConfig;
import dev.weir.jobs.config.WeirOptions;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog larger than the TaskManager's heap, drained by the pipeline on a standalone cluster
 * (JobManager, TaskManager and Kafka processes, as {@code weir cluster start} runs them) with no
 * checkpoint until it is drained, so that no checkpoint closes the writers' files on the way: the
 * writers of the five Iceberg tables and the Kafka producers hold what the configuration bounds
 * them to, and the job ends with every payment exactly once in the Kafka scores (read committed)
 * and in the Iceberg scores table, as {@code weir reconcile} checks them.
 *
 * <p>The TaskManager's heap is {@value #HEAP_MB} MB, of which Flink's framework takes 128 MB. The
 * arithmetic of README.md "Memory" with this test's settings: 2 subtasks and 2 days of event time
 * (the backlog spans a midnight), so 4 open files per table, each at most its 1 MB row group, 2 MB
 * and 16 columns' pages and dictionaries of 32 KB: 16 MB per table, 48 MB for the three with a row
 * per payment (events, scores, features); 14 producers of 1 MB. Payments carry vectors of 152
 * values, so the backlog is written as more Parquet than the task heap and more than three times
 * what the writers may hold (both asserted), in files of many row groups. With Iceberg's defaults
 * (128 MB row groups, 1 MB pages, 2 MB dictionaries) and Kafka's 32 MB buffers the same test fails:
 * the TaskManager's heap fills up (back-to-back full collections that free nothing), it stops
 * answering and the job fails over, or its process ends.
 *
 * <p>Heap state is kept out of the way: the label join waits a minute for labels, so the scores it
 * keeps on the heap stay a few thousand.
 */
class BacklogMemoryITCase {

    private static final Path JOB_JAR =
            Path.of("..", "jobs", "target", "weir-jobs-0.1.0-SNAPSHOT-job.jar")
                    .toAbsolutePath()
                    .normalize();
    private static final Path CLI_TARGET =
            Path.of("..", "cli", "target").toAbsolutePath().normalize();
    private static final Path FLINK_CONF = Path.of("..", "flink-conf").toAbsolutePath().normalize();

    private static final int PAYMENTS = 100_000;

    /** The TaskManager's JVM heap: Flink's framework heap (128 MB) and the task heap. */
    private static final int HEAP_MB = 320;

    private static final long FRAMEWORK_HEAP = 128L << 20;

    /** Derived features beside the windowed ones: wide vectors, so wide Parquet rows. */
    private static final int DERIVED = 150;

    private static final String TOPIC_PREFIX = "backlog.";

    private static final List<String> ROW_PER_PAYMENT =
            List.of(WeirTables.EVENTS, WeirTables.SCORES, WeirTables.FEATURES);

    @TempDir static Path dir;

    private static LocalCluster.Layout layout;
    private static FlinkRest rest;

    @BeforeAll
    static void startCluster() throws Exception {
        layout =
                new LocalCluster.Layout(dir.resolve("cluster"), FreePorts.next(), FreePorts.next());
        // Process size 1600 MB: metaspace 256, overhead 192, and of Flink's 1152 MB the heap
        // (framework 128 + task 192), off-heap 128 + 512, managed 64, the network 128.
        LocalCluster.start(
                layout,
                FLINK_CONF.resolve("test").resolve("config.yaml"),
                Map.of(
                        "taskmanager.memory.process.size", "1600m",
                        "taskmanager.memory.task.heap.size", (HEAP_MB - 128) + "m",
                        "taskmanager.memory.managed.size", "64m",
                        // The first checkpoint comes after the drain, not at a random time in it.
                        "execution.checkpointing.min-pause", "7 min"),
                LocalCluster.classpathBeside(JOB_JAR),
                launcherClasspath(),
                FLINK_CONF.resolve("log4j-cluster.properties"));
        rest = new FlinkRest(layout.rest());
    }

    @AfterAll
    static void stopCluster() throws IOException {
        LocalCluster.stop(layout.dir());
        // The processes' logs outlive the temporary folder, for a failure's diagnosis.
        Path kept = Path.of("target", "backlog-memory-logs").toAbsolutePath();
        Files.createDirectories(kept);
        try (var logs = Files.list(layout.logs())) {
            for (Path log : logs.toList()) {
                Files.copy(
                        log,
                        kept.resolve(log.getFileName()),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void aBacklogLargerThanTheHeapIsDrainedWithEveryPaymentOnce() throws Exception {
        FeatureSet features = wideFeatureSet();
        TrainerConfig small = new TrainerConfig(List.of(8), 1, 0.01, 256, 0.2, 5L);
        TrainCommand.train(
                dir.resolve("model"), features, "backlog", "1", 5L, 3_000, 50, 20, 0.03, small);
        Path file = pipelineConfig();
        PipelineConfig config = ConfigLoader.load(file, Map.of());
        KafkaClients.createTopics(
                config.bootstrapServers(),
                2,
                config.transactionsTopic(),
                config.scoresTopic(),
                config.decisionsTopic(),
                config.dlqTopic(),
                config.labelsTopic(),
                config.monitoringTopic(),
                config.controlTopic());
        Set<String> sent = produce(config);

        long heap = taskManagerHeap();
        assertThat(heap).isLessThanOrEqualTo(HEAP_MB * 1024L * 1024L);
        String tm = taskManagerPid();
        String job =
                rest.run(
                        rest.uploadJar(JOB_JAR),
                        "dev.weir.jobs.PipelineJob",
                        List.of("--config", file.toString()),
                        2,
                        null,
                        Map.of());
        awaitDecisions(config, job, tm, sent);
        assertThat(
                        rest.get("/jobs/" + job + "/checkpoints")
                                .path("counts")
                                .path("completed")
                                .asLong())
                .as("no checkpoint closed the writers' files during the drain")
                .isZero();
        // The savepoint commits the Kafka transactions and the Iceberg files of the whole drain.
        rest.stopWithSavepoint(job, layout.savepoints().toUri().toString());
        assertThat(rest.awaitState(job, Duration.ofMinutes(1), "FINISHED")).isEqualTo("FINISHED");
        assertThat(
                        rest.get("/jobs/" + job + "/exceptions")
                                .path("exceptionHistory")
                                .path("entries"))
                .as("the drain ran without a failure")
                .isEmpty();
        assertThat(alive(tm)).as("the TaskManager process %s is still running", tm).isTrue();
        // Both scoring subtasks ran ND4J with the executioner that keeps operations reachable
        // through their native calls (models/README.md, "The native crash in scoring").
        try (var lines = Files.lines(layout.logs().resolve("taskmanager.log"))) {
            assertThat(lines.filter(line -> line.contains("executioner FencedOpExecutioner")))
                    .hasSize(2);
        }

        ReconcileReport report =
                ReconcileReport.of(
                        config, new ReconcileReader(config).read(ReconcileReader.Range.all()));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        report.print(new PrintStream(printed, true, StandardCharsets.UTF_8));
        assertThat(report.problems()).as(printed.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(report.inputs()).isEqualTo(PAYMENTS);
        Reconciliation.Outcome kafka = report.outcomes().get(0);
        Reconciliation.Outcome iceberg = report.outcomes().get(2);
        assertThat(kafka.scoredOnce()).as(kafka.store()).isEqualTo(PAYMENTS);
        assertThat(iceberg.scoredOnce()).as(iceberg.store()).isEqualTo(PAYMENTS);

        // The writers wrote their row groups out as they filled: the backlog's Parquet is more
        // than the task heap and several times what the writers may hold, and each file of a day
        // holds many row groups.
        Catalog catalog = Catalogs.loader(config).loadCatalog();
        long parquet = 0;
        for (String table : ROW_PER_PAYMENT) {
            for (DataFile data : dataFiles(catalog, config, table)) {
                parquet += data.fileSizeInBytes();
                if (!table.equals(WeirTables.EVENTS) && data.recordCount() > PAYMENTS / 10) {
                    assertThat(data.splitOffsets())
                            .as("row groups of %s", data.location())
                            .hasSizeGreaterThan(4);
                }
            }
        }
        assertThat(parquet)
                .as("Parquet written, bytes, against the task heap's")
                .isGreaterThan(heap - FRAMEWORK_HEAP);
        assertThat(parquet)
                .as("Parquet written, bytes, against what the writers may hold")
                .isGreaterThan(3 * writersBound(config));
    }

    /**
     * What the writers of the three tables with a row per payment may hold on the TaskManager, as
     * README.md "Memory" counts it: per subtask and day partition one open file per table, each its
     * row group, 2 MB, and per column (16 at most) a page and a dictionary.
     */
    private static long writersBound(PipelineConfig config) {
        long perDay = 0;
        for (String table : ROW_PER_PAYMENT) {
            TableWriteConfig write = config.iceberg().writes().get(table);
            perDay +=
                    write.rowGroupSize().getBytes()
                            + (2 << 20)
                            + 16 * (write.pageSize().getBytes() + write.dictSize().getBytes());
        }
        return 2 * 2 * perDay;
    }

    /**
     * Waits until every payment has a decision (the fast path, visible at once), failing as soon as
     * the job fails or restarts or the TaskManager process is gone.
     */
    private static void awaitDecisions(
            PipelineConfig config, String job, String tm, Set<String> sent) {
        BinaryMessageDecoder<Score> decoder =
                new BinaryMessageDecoder<>(
                        SpecificData.getForClass(Score.class), Score.getClassSchema());
        Set<String> decided = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.readCommittedConsumer(config.bootstrapServers(), "backlog-check")) {
            List<TopicPartition> partitions =
                    consumer.partitionsFor(config.decisionsTopic()).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Eventually.until(
                    "a decision for each of " + PAYMENTS + " payments",
                    Duration.ofMinutes(4),
                    () -> {
                        for (ConsumerRecord<byte[], byte[]> r :
                                consumer.poll(Duration.ofMillis(200))) {
                            decided.add(decoder.decode(r.value()).getTransactionId().toString());
                        }
                        assertThat(alive(tm))
                                .as(
                                        () ->
                                                "TaskManager process "
                                                        + tm
                                                        + " running; it "
                                                        + lastWords())
                                .isTrue();
                        JsonNode exceptions =
                                rest.get("/jobs/" + job + "/exceptions")
                                        .path("exceptionHistory")
                                        .path("entries");
                        assertThat(exceptions)
                                .as(() -> "failures of the job; the TaskManager " + lastWords())
                                .isEmpty();
                        return decided.containsAll(sent);
                    });
        }
    }

    /**
     * One entity, two windowed features and {@value #DERIVED} derived ones, each a different
     * function of the amount: rows of the scores and features tables of more than 1 KB.
     */
    private static FeatureSet wideFeatureSet() throws IOException {
        StringBuilder yaml =
                new StringBuilder(
                        String.join(
                                "\n",
                                "entities:",
                                "  - name: account",
                                "    key: account_id",
                                "    features:",
                                "      - {name: txn_count_1h, aggregation: count, window: 1h}",
                                "      - {name: amount_sum_1h, aggregation: sum, field: amount_minor,"
                                        + " window: 1h}",
                                ""));
        for (int i = 1; i <= DERIVED; i++) {
            yaml.append(
                    String.format(
                            "      - {name: amount_%03d, aggregation: derived, expression:"
                                    + " \"log1p(amount_minor / %d)\"}%n",
                            i, 100 + i));
        }
        Path file = dir.resolve("features.yaml");
        Files.writeString(file, yaml.toString());
        return FeatureSet.fromYaml(file);
    }

    /** The job's configuration as an operator would write it, with this test's small buffers. */
    private static Path pipelineConfig() throws IOException {
        List<String> lines =
                new ArrayList<>(
                        List.of(
                                "kafka:",
                                "  bootstrap-servers: " + layout.bootstrap(),
                                "  topics:",
                                "    transactions: " + TOPIC_PREFIX + "transactions",
                                "    scores: " + TOPIC_PREFIX + "scores",
                                "    decisions: " + TOPIC_PREFIX + "decisions",
                                "    dlq: " + TOPIC_PREFIX + "dlq",
                                "    labels: " + TOPIC_PREFIX + "labels",
                                "    monitoring: " + TOPIC_PREFIX + "monitoring",
                                "    model-control: " + TOPIC_PREFIX + "control",
                                "  transactional-id-prefix: backlog",
                                "  transaction-timeout: 14 min",
                                "  producer: {buffer-memory: 1 mb}",
                                "iceberg:",
                                "  warehouse: " + dir.resolve("warehouse"),
                                "  write:"));
        for (String table : WeirOptions.ICEBERG_WRITE.keySet()) {
            lines.add(
                    "    "
                            + table
                            + ": {row-group-size: 1 mb, page-size: 32 kb, dict-size: 32 kb}");
        }
        lines.addAll(
                List.of(
                        "model:",
                        "  dir: " + dir.resolve("model"),
                        "features:",
                        "  definitions: " + dir.resolve("features.yaml"),
                        "labels:",
                        "  score-ttl: 1 min",
                        "pipeline:",
                        "  checkpoint-interval: 7 min",
                        ""));
        Path file = dir.resolve("pipeline.yaml");
        Files.writeString(file, String.join("\n", lines));
        return file;
    }

    /**
     * The backlog: payments of 2,000 accounts over the hour around a midnight two days ago, so that
     * every writer has a file open for each of two days; returns their transaction ids.
     */
    private static Set<String> produce(PipelineConfig config) throws Exception {
        TransactionGenerator generator = new TransactionGenerator(31L, 2_000, 0.03);
        Instant midnight = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(2));
        long start = midnight.minus(Duration.ofMinutes(30)).toEpochMilli();
        long span = Duration.ofHours(1).toMillis();
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        Set<String> ids = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaClients.byteProducer(config.bootstrapServers())) {
            for (int i = 0; i < PAYMENTS; i++) {
                long time = start + span * i / PAYMENTS;
                Transaction t = generator.next(time).transaction();
                producer.send(
                        new ProducerRecord<>(
                                config.transactionsTopic(),
                                null,
                                time,
                                t.getAccountId().getBytes(StandardCharsets.UTF_8),
                                encoder.encode(t).array()));
                ids.add(t.getTransactionId().toString());
            }
            producer.flush();
        }
        assertThat(ids).hasSize(PAYMENTS);
        return ids;
    }

    private static List<DataFile> dataFiles(Catalog catalog, PipelineConfig config, String table)
            throws IOException {
        Table t = catalog.loadTable(TableIdentifier.of(config.namespace(), table));
        List<DataFile> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = t.newScan().planFiles()) {
            tasks.forEach(task -> files.add(task.file()));
        }
        return files;
    }

    /** The TaskManager's JVM heap, framework and task, as Flink sized it. */
    private static long taskManagerHeap() {
        JsonNode tm = rest.get("/taskmanagers").path("taskmanagers").get(0);
        JsonNode memory =
                rest.get("/taskmanagers/" + tm.path("id").asText()).path("memoryConfiguration");
        return memory.path("frameworkHeap").asLong() + memory.path("taskHeap").asLong();
    }

    /**
     * What the TaskManager logged about a fatal error, if anything, and whether its JVM left a
     * crash report.
     */
    private static String lastWords() {
        List<String> fatal = new ArrayList<>();
        try (var logs = Files.list(layout.logs())) {
            for (Path log :
                    logs.filter(l -> l.getFileName().toString().startsWith("taskmanager"))
                            .toList()) {
                if (log.getFileName().toString().contains("hs_err")) {
                    fatal.add("crash report " + log);
                    continue;
                }
                Files.readAllLines(log).stream()
                        .filter(l -> l.contains("OutOfMemoryError") || l.contains("Fatal error"))
                        .limit(3)
                        .forEach(fatal::add);
            }
        } catch (IOException e) {
            fatal.add("cannot read the logs: " + e.getMessage());
        }
        return "logged: " + fatal;
    }

    /** The TaskManager's process id, the last that {@code weir cluster start} recorded. */
    private static String taskManagerPid() throws IOException {
        return String.valueOf(
                LocalCluster.pid(layout.dir(), LocalCluster.Role.TASKMANAGER).orElseThrow());
    }

    private static boolean alive(String pid) {
        return ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false);
    }

    private static String launcherClasspath() throws IOException {
        return String.join(
                File.pathSeparator,
                CLI_TARGET.resolve("weir-cli-0.1.0-SNAPSHOT.jar").toString(),
                JOB_JAR.toString(),
                Files.readString(CLI_TARGET.resolve("provided-classpath.txt")).trim());
    }
}
