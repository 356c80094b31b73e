package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.catalog.Catalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backlog as it arrives after an outage: hours of payments of many accounts, merchants and
 * devices, spread over four partitions and read in one burst by a pipeline at parallelism two, so
 * that every merchant and device stage receives its events interleaved from several partitions in
 * no particular order. In the ordered mode every payment is scored exactly once, none is late, and
 * every feature of every score equals the brute-force reference; a run with a failure in the middle
 * of the catch-up scores the same values bit for bit, on the heap and on RocksDB with the state
 * settings of {@code flink-conf/live} (incremental checkpoints).
 */
class CatchUpITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final int PAYMENTS = 6_000;
    private static final int PARTITIONS = 4;
    private static final long SPAN = Duration.ofMinutes(150).toMillis();

    /** Disorder within a partition, within the watermark's out-of-orderness. */
    private static final long JITTER = 3_000;

    @TempDir Path warehouse;
    @TempDir Path recoveryWarehouse;
    @TempDir Path rocksDbWarehouse;

    /** Checkpoints and RocksDB's instances of the run on RocksDB. */
    @TempDir Path rocksDbState;

    @Test
    void aBurstOfHoursOfPaymentsIsScoredWithPointInTimeFeatures(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        String suffix = TestEnvironment.uniqueName("catchup");
        Map<String, String> settings =
                TestEnvironment.settings(suffix, warehouse, TestEnvironment.model());
        settings.put("features.ordering", "ordered");
        // Only the watermark releases events, so that a stall of a loaded machine cannot release
        // one early (the maximum wait has its own harness test).
        settings.put("features.ordering-max-wait", "0 s");
        settings.put("pipeline.watermark.idleness", "5s");
        PipelineConfig config = PipelineConfig.from(settings);
        // One partition more than the data uses: it stays empty, and must not hold the job back.
        TestEnvironment.kafka().createTopics(PARTITIONS + 1, config.transactionsTopic());
        TestEnvironment.kafka()
                .createTopics(2, config.scoresTopic(), config.dlqTopic(), config.controlTopic());
        List<Transaction> burst = burst(new SplittableRandom(42));
        produce(config.transactionsTopic(), burst);

        Map<String, BruteForceFeatures.Expected> reference =
                BruteForceFeatures.compute(config.featureSet(), burst);
        List<String> names = config.featureSet().vectorNames();

        // The catch-up as one bounded run.
        var catalogs = Catalogs.loader(config);
        Catalog catalog = catalogs.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());
        TestEnvironment.pipeline(config, catalogs, true, null).execute("catchup-" + suffix);
        Map<String, List<Double>> scored = scoredOnce(config, burst);
        assertThat(
                        PipelineITCase.readCommitted(
                                config.bootstrapServers(), config.dlqTopic(), DeadLetter.class))
                .as("nothing dead-lettered, in particular nothing late")
                .isEmpty();
        List<String> mismatches = new ArrayList<>();
        int sketched = 0;
        for (Transaction t : burst) {
            String id = t.getTransactionId().toString();
            BruteForceFeatures.Expected expected = reference.get(id);
            List<Double> actual = scored.get(id);
            for (int i = 0; i < names.size(); i++) {
                double want = expected.values()[i];
                double got = actual.get(i);
                if (expected.sketched()[i]) {
                    sketched += want > 1 ? 1 : 0;
                    // HyperLogLog, lgK 11: exact while small, about 2.3% standard error beyond.
                    if (Math.abs(got - want) > Math.max(0.5, 0.07 * want)) {
                        mismatches.add(
                                id + " " + names.get(i) + ": " + got + ", reference " + want);
                    }
                } else if (Math.abs(got - want) > 1e-9 * Math.max(1, Math.abs(want))) {
                    mismatches.add(id + " " + names.get(i) + ": " + got + ", reference " + want);
                }
            }
        }
        assertThat(mismatches).as("features that differ from the brute-force reference").isEmpty();
        assertThat(sketched)
                .as("distinct counts above one, so windows really hold history")
                .isGreaterThan(PAYMENTS);
        assertThat(burst.stream().filter(t -> t.getDeviceId() == null).count())
                .isGreaterThan(PAYMENTS / 10);

        // The same backlog again, continuous, with a failure in the middle of the catch-up: on the
        // MiniCluster's heap backend, then on RocksDB as flink-conf/live deploys it (checkpoints in
        // a
        // file system, as there). Only the run with the failure is repeated on RocksDB; its values
        // must equal those of the heap without a failure.
        Map<String, List<Double>> recovered =
                catchUpWithAFailure(
                        cluster,
                        settings,
                        suffix + "-failure",
                        recoveryWarehouse,
                        Map.of(),
                        null,
                        burst);
        assertSameBits(names, burst, scored, recovered, "after the failure");

        Map<String, String> rocksDb = TestEnvironment.liveStateSettings();
        assertThat(rocksDb).containsEntry("state.backend.type", "rocksdb");
        rocksDb.put(
                "execution.checkpointing.dir",
                rocksDbState.resolve("checkpoints").toUri().toString());
        rocksDb.put("state.backend.rocksdb.localdir", rocksDbState.resolve("rocksdb").toString());
        Map<String, List<Double>> onRocksDb =
                catchUpWithAFailure(
                        cluster,
                        settings,
                        suffix + "-rocksdb",
                        rocksDbWarehouse,
                        rocksDb,
                        rocksDbState.resolve("rocksdb"),
                        burst);
        assertSameBits(names, burst, scored, onRocksDb, "on RocksDB after the failure");
    }

    private static void assertSameBits(
            List<String> names,
            List<Transaction> burst,
            Map<String, List<Double>> without,
            Map<String, List<Double>> with,
            String run) {
        for (Transaction t : burst) {
            String id = t.getTransactionId().toString();
            List<Double> a = without.get(id);
            List<Double> b = with.get(id);
            for (int i = 0; i < names.size(); i++) {
                assertThat(Double.doubleToRawLongBits(b.get(i)))
                        .as(
                                "%s of %s %s: %s, without: %s",
                                names.get(i), id, run, b.get(i), a.get(i))
                        .isEqualTo(Double.doubleToRawLongBits(a.get(i)));
            }
        }
    }

    /**
     * The catch-up as a continuous job with a planned failure, with its own output topics and
     * warehouse, the Flink {@code jobSettings} sent with it, and its keyed state in RocksDB under
     * {@code rocksDbDir} if that is not null (asserted while it runs); the heap otherwise.
     */
    private Map<String, List<Double>> catchUpWithAFailure(
            MiniCluster cluster,
            Map<String, String> settings,
            String run,
            Path warehouse,
            Map<String, String> jobSettings,
            Path rocksDbDir,
            List<Transaction> burst)
            throws Exception {
        Map<String, String> again = new HashMap<>(settings);
        again.put("kafka.topics.scores", "scores-" + run);
        again.put("kafka.topics.dlq", "dlq-" + run);
        again.put("kafka.group-id", "group-" + run);
        again.put("kafka.transactional-id-prefix", "tx-" + run);
        again.put("iceberg.warehouse", warehouse.toString());
        PipelineConfig config = PipelineConfig.from(again);
        TestEnvironment.kafka().createTopics(2, config.scoresTopic(), config.dlqTopic());
        var catalogs = Catalogs.loader(config);
        WeirTables.ensure(catalogs.loadCatalog(), config.namespace());

        int failuresBefore = PlannedFailure.COUNT.get();
        JobClient job =
                TestEnvironment.pipeline(
                                config,
                                catalogs,
                                false,
                                null,
                                new PlannedFailure(500, 2),
                                jobSettings)
                        .executeAsync("catchup-" + run);
        FlinkRest rest = new FlinkRest(cluster.getRestAddress().get().toString());
        try {
            Eventually.committed(
                    config.bootstrapServers(),
                    config.scoresTopic(),
                    Score.class,
                    burst.size(),
                    Duration.ofMinutes(4));
            // Two more checkpoints, so that a duplicate from the recovery would be committed too.
            JobProgress.of(cluster.getRestAddress().get().toString(), job.getJobID())
                    .awaitCheckpoints(2);
            assertStateBackend(rest, job, rocksDbDir, config.featureSet().entities().size());
        } finally {
            job.cancel().get();
            // Until every task has closed its state: RocksDB deletes its instances as it closes.
            Eventually.until(
                    "the cancelled job has ended",
                    Duration.ofMinutes(1),
                    () -> job.getJobStatus().get().isGloballyTerminalState());
        }
        if (rocksDbDir != null) {
            try (var dirs = Files.list(rocksDbDir)) {
                assertThat(dirs.map(dir -> dir.getFileName().toString()))
                        .as("RocksDB instances left behind by the cancelled job")
                        .noneMatch(name -> name.startsWith("job_" + job.getJobID()));
            }
        }
        assertThat(PlannedFailure.COUNT.get() - failuresBefore)
                .as("the planned failure happened")
                .isEqualTo(1);
        assertThat(
                        PipelineITCase.readCommitted(
                                config.bootstrapServers(), config.dlqTopic(), DeadLetter.class))
                .isEmpty();
        return scoredOnce(config, burst);
    }

    /**
     * The backend the job's checkpoints are configured with, and whether the latest was full or
     * incremental; with RocksDB, also the instances the entity stages keep their features in while
     * the job runs, one per subtask ({@code job_<job>_op_KeyedProcessOperator_<stage>_...}, each
     * holding a database).
     */
    private static void assertStateBackend(
            FlinkRest rest, JobClient job, Path rocksDbDir, int entities) throws Exception {
        String backend =
                rest.get("/jobs/" + job.getJobID() + "/checkpoints/config")
                        .path("state_backend")
                        .asText();
        JsonNode latest =
                rest.get("/jobs/" + job.getJobID() + "/checkpoints")
                        .path("latest")
                        .path("completed");
        long uploaded = latest.path("checkpointed_size").asLong();
        long covered = latest.path("state_size").asLong();
        if (rocksDbDir == null) {
            assertThat(backend).isEqualTo("HashMapStateBackend");
            assertThat(uploaded).as("a full checkpoint uploads all its state").isEqualTo(covered);
            return;
        }
        assertThat(backend).isEqualTo("EmbeddedRocksDBStateBackend");
        assertThat(uploaded)
                .as("an incremental checkpoint uploads less than the state it covers")
                .isPositive()
                .isLessThan(covered);
        List<String> stages = new ArrayList<>();
        for (JsonNode vertex : rest.get("/jobs/" + job.getJobID()).path("vertices")) {
            if (vertex.path("name").asText().startsWith("Features: ")) {
                stages.add(vertex.path("id").asText());
            }
        }
        assertThat(stages).as("entity stages").hasSize(entities);
        List<String> instances;
        try (var dirs = Files.list(rocksDbDir)) {
            instances =
                    dirs.filter(dir -> Files.isRegularFile(dir.resolve("db").resolve("CURRENT")))
                            .map(dir -> dir.getFileName().toString())
                            .toList();
        }
        for (String stage : stages) {
            String prefix = "job_" + job.getJobID() + "_op_KeyedProcessOperator_" + stage + "_";
            assertThat(instances.stream().filter(name -> name.startsWith(prefix)))
                    .as("RocksDB instances of entity stage %s under %s", stage, rocksDbDir)
                    .hasSize(TestEnvironment.PARALLELISM);
        }
    }

    /** Each payment's features as scored, read committed from Kafka; every payment exactly once. */
    private static Map<String, List<Double>> scoredOnce(
            PipelineConfig config, List<Transaction> burst) {
        Map<String, List<Double>> out = new HashMap<>();
        for (Score score :
                PipelineITCase.readCommitted(
                        config.bootstrapServers(), config.scoresTopic(), Score.class)) {
            assertThat(out.put(score.getTransactionId().toString(), score.getFeatures()))
                    .as("%s scored once", score.getTransactionId())
                    .isNull();
        }
        out.keySet().removeIf(id -> id.startsWith("watermark-"));
        assertThat(out.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        burst.stream().map(t -> t.getTransactionId().toString()).toList());
        return out;
    }

    /**
     * Payments of 400 accounts over 150 minutes, with 40 merchants and 60 devices shared across
     * accounts (so across partitions), a fifth without a device, a few at the same millisecond as
     * another payment of the same account.
     */
    private static List<Transaction> burst(SplittableRandom random) {
        TransactionGenerator generator = new TransactionGenerator(7L, 400, 0.03);
        long start = Instant.now().minus(Duration.ofHours(3)).toEpochMilli();
        List<Transaction> out = new ArrayList<>(PAYMENTS);
        Map<String, Long> lastOfAccount = new HashMap<>();
        for (int i = 0; i < PAYMENTS; i++) {
            long time = start + SPAN * i / PAYMENTS;
            Transaction t = generator.next(time).transaction();
            Transaction.Builder b =
                    Transaction.newBuilder(t)
                            .setMerchantId("merchant-" + random.nextInt(40))
                            .setDeviceId(
                                    random.nextInt(5) == 0 ? null : "device-" + random.nextInt(60));
            Long last = lastOfAccount.get(t.getAccountId().toString());
            if (last != null && random.nextInt(50) == 0) {
                b.setEventTime(Instant.ofEpochMilli(last)); // a tie within the account
            }
            Transaction built = b.build();
            lastOfAccount.put(built.getAccountId().toString(), built.getEventTime().toEpochMilli());
            out.add(built);
        }
        return out;
    }

    /**
     * As producers keyed by account write them: each account in one partition, each partition in
     * event-time order give or take {@link #JITTER} (stamped with the event time); then one later
     * payment per partition, of an account of its own, so that a continuous job's watermark passes
     * the whole backlog.
     */
    private static void produce(String topic, List<Transaction> burst) throws Exception {
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        List<List<Transaction>> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new ArrayList<>());
        }
        for (Transaction t : burst) {
            partitions.get(Math.floorMod(t.getAccountId().hashCode(), PARTITIONS)).add(t);
        }
        long end =
                burst.stream().mapToLong(t -> t.getEventTime().toEpochMilli()).max().orElseThrow();
        SplittableRandom jitter = new SplittableRandom(3);
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            for (int p = 0; p < PARTITIONS; p++) {
                List<Transaction> partition = partitions.get(p);
                assertThat(partition).hasSizeGreaterThan(PAYMENTS / PARTITIONS / 2);
                Map<Transaction, Long> sendAt = new HashMap<>();
                for (Transaction t : partition) {
                    sendAt.put(t, t.getEventTime().toEpochMilli() + jitter.nextLong(JITTER));
                }
                partition.sort(Comparator.comparing(sendAt::get));
                for (Transaction t : partition) {
                    send(producer, encoder, topic, p, t);
                }
                Transaction last = partition.get(partition.size() - 1);
                send(
                        producer,
                        encoder,
                        topic,
                        p,
                        Transaction.newBuilder(last)
                                .setTransactionId("watermark-" + p)
                                .setAccountId("watermark-account-" + p)
                                .setMerchantId("watermark-merchant")
                                .setDeviceId(null)
                                .setEventTime(
                                        Instant.ofEpochMilli(
                                                end + Duration.ofMinutes(30).toMillis()))
                                .build());
            }
            producer.flush();
        }
    }

    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            BinaryMessageEncoder<Transaction> encoder,
            String topic,
            int partition,
            Transaction t)
            throws Exception {
        producer.send(
                new ProducerRecord<>(
                        topic,
                        partition,
                        t.getEventTime().toEpochMilli(),
                        t.getAccountId().getBytes(StandardCharsets.UTF_8),
                        encoder.encode(t).array()));
    }
}
