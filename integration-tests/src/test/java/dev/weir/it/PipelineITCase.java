package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.reconcile.ReconcileReader;
import dev.weir.cli.reconcile.ReconcileReport;
import dev.weir.cli.reconcile.Reconciliation;
import dev.weir.cli.synthetic.BadRecords;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline end to end on a real Kafka broker, a Flink MiniCluster and an Iceberg Hadoop
 * catalog: every good event scored exactly once in Kafka (read committed) and in Iceberg, with the
 * same reason codes in both, decided at least once on the decisions topic with the score that was
 * committed, every malformed record in the dead letters with its reason, with and without a
 * failure.
 */
class PipelineITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final int GOOD = 1_500;
    private static final int BAD = 80;
    private static final int BLANK_ACCOUNT = 5;

    /** Planned failures thrown, across the whole test JVM. */
    @TempDir Path warehouse;

    @Test
    void everyRecordEndsUpScoredOnceOrDeadLettered() throws Exception {
        run(false);
    }

    @Test
    void exactlyOnceAcrossAFailureAfterACheckpoint() throws Exception {
        int before = PlannedFailure.COUNT.get();
        run(true);
        assertThat(PlannedFailure.COUNT.get() - before)
                .as("the planned failure happened, so recovery was exercised")
                .isEqualTo(1);
    }

    private void run(boolean failOnce) throws Exception {
        String suffix = TestEnvironment.uniqueName("t");
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(WeirOptions.KAFKA_BOOTSTRAP.key(), TestEnvironment.kafka().bootstrapServers());
        settings.put(WeirOptions.TOPIC_TRANSACTIONS.key(), "transactions-" + suffix);
        settings.put(WeirOptions.TOPIC_SCORES.key(), "scores-" + suffix);
        settings.put(WeirOptions.TOPIC_DLQ.key(), "dlq-" + suffix);
        settings.put(WeirOptions.TOPIC_MODEL_CONTROL.key(), "control-" + suffix);
        settings.put(WeirOptions.TOPIC_LABELS.key(), "labels-" + suffix);
        settings.put(WeirOptions.TOPIC_MONITORING.key(), "monitoring-" + suffix);
        settings.put(WeirOptions.TOPIC_DECISIONS.key(), "decisions-" + suffix);
        settings.put(WeirOptions.GROUP_ID.key(), "group-" + suffix);
        settings.put(WeirOptions.TRANSACTIONAL_ID_PREFIX.key(), "tx-" + suffix);
        settings.put(WeirOptions.WAREHOUSE.key(), warehouse.toString());
        settings.put(WeirOptions.MODEL_DIR.key(), TestEnvironment.model().toString());
        settings.put(WeirOptions.CHECKPOINT_INTERVAL.key(), "500ms");
        settings.put(WeirOptions.TRANSACTION_TIMEOUT.key(), "5min");
        settings.put(WeirOptions.PARALLELISM.key(), String.valueOf(TestEnvironment.PARALLELISM));
        PipelineConfig config = PipelineConfig.from(settings);
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic(),
                        config.labelsTopic(),
                        config.monitoringTopic(),
                        config.decisionsTopic());

        Input input = produce(config.bootstrapServers(), config.transactionsTopic());

        var catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());
        if (!failOnce) {
            // Bounded: the job ends at the offsets that were latest at its start.
            TestEnvironment.pipeline(config, catalogLoader, true, null)
                    .execute("pipeline-it-" + suffix);
        } else {
            // Continuous, as in production: run until every expected record is committed in
            // Kafka and Iceberg, let two more checkpoints pass so that any duplicate would show,
            // then cancel. (A bounded run is not used here: Iceberg's IcebergWriteAggregator
            // stamps its end-of-input commit with a checkpoint id it cannot restore after a
            // failover, and the committer then drops that commit as already done.)
            JobClient job =
                    TestEnvironment.pipeline(
                                    config, catalogLoader, false, null, new PlannedFailure(0, 5))
                            .executeAsync("pipeline-it-" + suffix);
            try {
                awaitOutput(config, catalog, input, Duration.ofMinutes(3));
                JobProgress.of(MINI_CLUSTER, job.getJobID()).awaitCheckpoints(2);
            } finally {
                job.cancel().get();
            }
        }

        // Kafka, read committed: each good event scored exactly once, each bad one dead-lettered.
        List<Score> scores =
                readCommitted(config.bootstrapServers(), config.scoresTopic(), Score.class);
        List<String> scoredIds = scores.stream().map(Score::getTransactionId).toList();
        assertThat(scoredIds).doesNotHaveDuplicates();
        assertThat(new HashSet<>(scoredIds)).isEqualTo(input.goodIds);
        for (Score score : scores) {
            assertThat(score.getFeatures()).hasSize(config.featureSet().vectorNames().size());
            assertThat(score.getScore()).isBetween(0.0, 1.0);
            assertThat(score.getModelVersion()).isEqualTo("1");
            assertReasonCodes(config, score);
        }

        assertDecisions(config, scores, input.goodIds, failOnce);

        List<DeadLetter> dead =
                readCommitted(config.bootstrapServers(), config.dlqTopic(), DeadLetter.class);
        Map<String, DeadLetter> deadByPosition = new HashMap<>();
        for (DeadLetter d : dead) {
            assertThat(deadByPosition.put(d.getSourcePartition() + "@" + d.getSourceOffset(), d))
                    .as(
                            "dead letter for %s@%s only once",
                            d.getSourcePartition(), d.getSourceOffset())
                    .isNull();
        }
        assertThat(deadByPosition.keySet()).isEqualTo(input.badRecords.keySet());
        Governance governance = Governance.create(GovernancePolicy.defaults(), System::getenv);
        for (Map.Entry<String, byte[]> bad : input.badRecords.entrySet()) {
            DeadLetter d = deadByPosition.get(bad.getKey());
            if (d.getRawSealed()) {
                // Undecodable: the exact bytes, sealed (they may hold personal data).
                assertThat(governance.unseal(bytes(d.getRaw()))).isEqualTo(bad.getValue());
            } else if (bad.getValue().length == 0) {
                assertThat(bytes(d.getRaw())).isEmpty();
            } else {
                // Decoded but failed a hard quality rule: re-encoded after governance.
                Transaction rejected = Transaction.getDecoder().decode(bytes(d.getRaw()));
                assertThat(rejected.getAccountId()).isBlank();
                assertThat(rejected.getCardNumber()).startsWith("tok_");
            }
            assertThat(d.getReason()).isNotBlank();
            assertThat(d.getSourceTopic()).isEqualTo(config.transactionsTopic());
        }
        assertThat(dead.stream().filter(d -> d.getReason().contains("account_id.required")).count())
                .isEqualTo(BLANK_ACCOUNT);
        assertThat(scores.size() + dead.size()).isEqualTo(input.total);

        // Iceberg: the same exact sets, committed once.
        List<String> eventIds = column(catalog, config, WeirTables.EVENTS, "transaction_id");
        assertThat(eventIds).doesNotHaveDuplicates();
        assertThat(new HashSet<>(eventIds)).isEqualTo(input.goodIds);
        List<String> icebergScoreIds = column(catalog, config, WeirTables.SCORES, "transaction_id");
        assertThat(icebergScoreIds).doesNotHaveDuplicates();
        assertThat(new HashSet<>(icebergScoreIds)).isEqualTo(input.goodIds);
        // The reason codes in Iceberg are those in Kafka, feature by feature.
        Map<String, List<Reason>> kafkaReasons = new HashMap<>();
        scores.forEach(score -> kafkaReasons.put(score.getTransactionId(), score.getReasons()));
        Table scoresTable =
                catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.SCORES));
        try (CloseableIterable<Record> rows = IcebergGenerics.read(scoresTable).build()) {
            for (Record row : rows) {
                List<Reason> stored = new ArrayList<>();
                for (Object reason : (List<?>) row.getField("reasons")) {
                    Record r = (Record) reason;
                    stored.add(
                            new Reason(
                                    (String) r.getField("feature"),
                                    (Double) r.getField("contribution")));
                }
                assertThat(stored)
                        .as("reasons of %s in Iceberg", row.getField("transaction_id"))
                        .isEqualTo(kafkaReasons.get((String) row.getField("transaction_id")));
            }
        }
        // The features table logs exactly the vector each score was computed from.
        List<String> names = config.featureSet().vectorNames();
        Map<String, Map<?, ?>> logged = new HashMap<>();
        Table featuresTable =
                catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.FEATURES));
        try (CloseableIterable<Record> rows = IcebergGenerics.read(featuresTable).build()) {
            for (Record row : rows) {
                assertThat(row.getField("feature_set_version"))
                        .isEqualTo(config.featureSet().version());
                assertThat(
                                logged.put(
                                        (String) row.getField("transaction_id"),
                                        (Map<?, ?>) row.getField("features")))
                        .as("one features row per transaction")
                        .isNull();
            }
        }
        assertThat(logged.keySet()).isEqualTo(input.goodIds);
        for (Score score : scores) {
            Map<?, ?> vector = logged.get(score.getTransactionId());
            for (int i = 0; i < names.size(); i++) {
                assertThat((Double) vector.get(names.get(i)))
                        .as(names.get(i))
                        .isEqualTo(score.getFeatures().get(i));
            }
        }

        List<String> dlqPositions = new ArrayList<>();
        Table dlq = catalog.loadTable(TableIdentifier.of(config.namespace(), WeirTables.DLQ));
        try (CloseableIterable<Record> rows = IcebergGenerics.read(dlq).build()) {
            for (Record row : rows) {
                dlqPositions.add(
                        row.getField("source_partition") + "@" + row.getField("source_offset"));
            }
        }
        assertThat(dlqPositions).doesNotHaveDuplicates();
        assertThat(new HashSet<>(dlqPositions)).isEqualTo(input.badRecords.keySet());

        assertReconciles(config, scores.get(0), failOnce);
    }

    /**
     * {@code weir reconcile} finds what the assertions above found: every record scored once or
     * dead-lettered once in each store. Then a payment the finished job never read and a repeated
     * score are added, and it reports exactly those two.
     */
    private static void assertReconciles(PipelineConfig config, Score aScore, boolean failOnce)
            throws Exception {
        ReconcileReport report =
                ReconcileReport.of(
                        config, new ReconcileReader(config).read(ReconcileReader.Range.all()));
        assertThat(report.problems()).as(printed(report)).isZero();
        assertThat(report.inputs()).isEqualTo(GOOD + BAD + BLANK_ACCOUNT);
        for (int store : new int[] {0, 2}) {
            Reconciliation.Outcome o = report.outcomes().get(store);
            assertThat(o.scoredOnce()).as(o.store()).isEqualTo(GOOD);
            assertThat(o.deadLettered()).as(o.store()).isEqualTo(BAD + BLANK_ACCOUNT);
            assertThat(
                            o.deadLettersByReason().entrySet().stream()
                                    .filter(e -> e.getKey().contains("account_id.required"))
                                    .mapToInt(Map.Entry::getValue)
                                    .sum())
                    .as(o.store())
                    .isEqualTo(BLANK_ACCOUNT);
        }
        if (failOnce) {
            return;
        }

        Transaction unread =
                new TransactionGenerator(7L, 3, 0.0).next(System.currentTimeMillis()).transaction();
        RecordMetadata at;
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            at =
                    producer.send(
                                    new ProducerRecord<>(
                                            config.transactionsTopic(),
                                            bytes(
                                                    AvroRecordSerializer.encoderFor(
                                                                    Transaction.class)
                                                            .encode(unread))))
                            .get();
            producer.send(
                            new ProducerRecord<>(
                                    config.scoresTopic(),
                                    bytes(
                                            AvroRecordSerializer.encoderFor(Score.class)
                                                    .encode(aScore))))
                    .get();
        }
        ReconcileReport after =
                ReconcileReport.of(
                        config, new ReconcileReader(config).read(ReconcileReader.Range.all()));
        Reconciliation.Input missing =
                new Reconciliation.Input(at.partition(), at.offset(), unread.getTransactionId());
        Reconciliation.Outcome kafka = after.outcomes().get(0);
        assertThat(kafka.missing()).as(printed(after)).containsExactly(missing);
        assertThat(kafka.extraOutputs()).isEqualTo(Map.of(aScore.getTransactionId(), 1));
        Reconciliation.Outcome iceberg = after.outcomes().get(2);
        assertThat(iceberg.missing()).containsExactly(missing);
        assertThat(iceberg.extraOutputs()).isEmpty();
        assertThat(after.problems()).isEqualTo(3);
    }

    private static String printed(ReconcileReport report) {
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        report.print(new java.io.PrintStream(buffer, true, StandardCharsets.UTF_8));
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /**
     * The decisions topic, the fast path: every good transaction decided, nothing else, each
     * decision keyed by its transaction id, and the very record that was committed to the scores
     * topic among the decisions of its id. Written at least once: only after a failure may a
     * transaction be decided again, and then with the same model version, decision, feature vector
     * and reason codes; its score was computed again in another micro-batch, so it may differ from
     * the first by float rounding in the forward pass (measured: below 3e-7).
     */
    private static void assertDecisions(
            PipelineConfig config, List<Score> committed, Set<String> goodIds, boolean failOnce) {
        BinaryMessageDecoder<Score> decoder =
                new BinaryMessageDecoder<>(
                        SpecificData.getForClass(Score.class), Score.getClassSchema());
        Map<String, List<Score>> decisionsById = new HashMap<>();
        KafkaClients.readToEnd(
                config.bootstrapServers(),
                config.decisionsTopic(),
                Duration.ofMinutes(1),
                record -> {
                    Score decision;
                    try {
                        decision = decoder.decode(record.value());
                    } catch (Exception e) {
                        throw new AssertionError(
                                "undecodable decision at offset " + record.offset(), e);
                    }
                    assertThat(new String(record.key(), StandardCharsets.UTF_8))
                            .as("key of a decision")
                            .isEqualTo(decision.getTransactionId());
                    decisionsById
                            .computeIfAbsent(decision.getTransactionId(), id -> new ArrayList<>())
                            .add(decision);
                });
        assertThat(decisionsById.keySet()).as("decided transaction ids").isEqualTo(goodIds);
        int repeated = 0;
        for (Score score : committed) {
            String id = score.getTransactionId();
            List<Score> decisions = decisionsById.get(id);
            assertThat(decisions)
                    .as("decisions of %s include the committed score", id)
                    .contains(score);
            Score first = decisions.get(0);
            for (Score decision : decisions) {
                assertThat(decided(decision)).as("decision of %s", id).isEqualTo(decided(score));
                assertThat(decided(decision)).as("repeat of %s", id).isEqualTo(decided(first));
                assertThat(decision.getFeatures())
                        .as("vector of %s", id)
                        .isEqualTo(score.getFeatures());
                assertThat(decision.getEventTime())
                        .as("event time of %s", id)
                        .isEqualTo(score.getEventTime());
                assertThat(decision.getScore())
                        .as("score of %s", id)
                        .isCloseTo(score.getScore(), within(1e-6));
                assertThat(decision.getScore())
                        .as("repeated score of %s", id)
                        .isCloseTo(first.getScore(), within(1e-6));
                // Stable for the model and vector: a repeat computed in another micro-batch has
                // the very same reasons, to the bit (its score may differ in the last digits).
                assertThat(decision.getReasons())
                        .as("reasons of %s", id)
                        .isEqualTo(score.getReasons());
            }
            if (decisions.size() > 1) {
                repeated++;
            }
        }
        if (!failOnce) {
            assertThat(repeated)
                    .as("transactions decided more than once without a failure")
                    .isZero();
            assertThat(decisionsById.values()).allSatisfy(d -> assertThat(d).hasSize(1));
        }
    }

    /**
     * Three reason codes (the default), named by the model's features, distinct, largest
     * contribution first, none zero.
     */
    private static void assertReasonCodes(PipelineConfig config, Score score) {
        List<Reason> reasons = score.getReasons();
        assertThat(reasons).as("reasons of %s", score.getTransactionId()).hasSize(3);
        assertThat(reasons)
                .extracting(Reason::getFeature)
                .doesNotHaveDuplicates()
                .allMatch(config.featureSet().vectorNames()::contains);
        for (int i = 0; i < reasons.size(); i++) {
            double magnitude = Math.abs(reasons.get(i).getContribution());
            assertThat(magnitude).isPositive();
            if (i > 0) {
                assertThat(magnitude)
                        .isLessThanOrEqualTo(Math.abs(reasons.get(i - 1).getContribution()));
            }
        }
    }

    /**
     * What a decision consumer acts on and deduplicates by: transaction id, model version,
     * decision.
     */
    private static List<Object> decided(Score s) {
        return List.of(s.getTransactionId(), s.getModelVersion(), s.getDecision());
    }

    private static void awaitOutput(
            PipelineConfig config, Catalog catalog, Input input, Duration timeout) {
        int bad = input.badRecords.size();
        Eventually.until(
                "every record delivered to Kafka and Iceberg",
                timeout,
                () ->
                        readCommitted(config.bootstrapServers(), config.scoresTopic(), Score.class)
                                                .size()
                                        >= GOOD
                                && readCommitted(
                                                        config.bootstrapServers(),
                                                        config.dlqTopic(),
                                                        DeadLetter.class)
                                                .size()
                                        >= bad
                                && column(catalog, config, WeirTables.EVENTS, "transaction_id")
                                                .size()
                                        >= GOOD
                                && column(catalog, config, WeirTables.SCORES, "transaction_id")
                                                .size()
                                        >= GOOD
                                && column(catalog, config, WeirTables.DLQ, "source_offset").size()
                                        >= bad);
    }

    /** What was produced: good transaction ids and the bytes of each bad record by position. */
    private record Input(Set<String> goodIds, Map<String, byte[]> badRecords, int total) {}

    private static Input produce(String bootstrap, String topic) throws Exception {
        TransactionGenerator generator = new TransactionGenerator(99L, 300, 0.03);
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        SplittableRandom random = new SplittableRandom(5);

        Set<String> goodIds = new HashSet<>();
        Map<Future<RecordMetadata>, byte[]> badSends = new LinkedHashMap<>();
        long start = System.currentTimeMillis() - 600_000;
        int total = GOOD + BAD + BLANK_ACCOUNT;
        // Spread the bad records evenly through the stream.
        Set<Integer> badAt = new HashSet<>();
        while (badAt.size() < BAD + BLANK_ACCOUNT) {
            badAt.add(random.nextInt(total));
        }
        int blankLeft = BLANK_ACCOUNT;
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            for (int i = 0; i < total; i++) {
                long eventTime = start + i * 200L;
                Transaction txn = generator.next(eventTime).transaction();
                byte[] key = txn.getAccountId().getBytes(StandardCharsets.UTF_8);
                byte[] value = bytes(encoder.encode(txn));
                if (badAt.contains(i)) {
                    if (blankLeft > 0) {
                        blankLeft--;
                        value =
                                bytes(
                                        encoder.encode(
                                                Transaction.newBuilder(txn)
                                                        .setAccountId(" ")
                                                        .build()));
                    } else {
                        value = BadRecords.make(random, value);
                    }
                    badSends.put(
                            producer.send(new ProducerRecord<>(topic, null, eventTime, key, value)),
                            value);
                } else {
                    producer.send(new ProducerRecord<>(topic, null, eventTime, key, value));
                    goodIds.add(txn.getTransactionId());
                }
            }
            producer.flush();
        }
        Map<String, byte[]> bad = new HashMap<>();
        for (Map.Entry<Future<RecordMetadata>, byte[]> sent : badSends.entrySet()) {
            RecordMetadata m = sent.getKey().get();
            bad.put(m.partition() + "@" + m.offset(), sent.getValue());
        }
        assertThat(goodIds).hasSize(GOOD);
        assertThat(bad).hasSize(BAD + BLANK_ACCOUNT);
        return new Input(goodIds, bad, total);
    }

    /** Everything committed in the topic, decoded. */
    static <T extends SpecificRecord> List<T> readCommitted(
            String bootstrap, String topic, Class<T> type) {
        SpecificData data = SpecificData.getForClass(type);
        BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(data, data.getSchema(type));
        List<T> out = new ArrayList<>();
        KafkaClients.readToEnd(
                bootstrap,
                topic,
                Duration.ofMinutes(1),
                record -> {
                    try {
                        out.add(decoder.decode(record.value()));
                    } catch (Exception e) {
                        throw new AssertionError("undecodable record in " + topic, e);
                    }
                });
        return out;
    }

    private static List<String> column(
            Catalog catalog, PipelineConfig config, String table, String field) throws Exception {
        List<String> values = new ArrayList<>();
        Table t = catalog.loadTable(TableIdentifier.of(config.namespace(), table));
        t.refresh();
        try (CloseableIterable<Record> rows = IcebergGenerics.read(t).build()) {
            for (Record row : rows) {
                values.add(String.valueOf(row.getField(field)));
            }
        }
        return values;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
