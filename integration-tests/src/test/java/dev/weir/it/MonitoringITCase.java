package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.SyntheticTrainingSet;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.Label;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.catalog.Catalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift, quality and label monitoring end to end on real Kafka, Flink and Iceberg.
 *
 * <p>The stream is the synthetic generator on a simulated clock, 200 payments a second over 1,000
 * accounts (each 10 s window holds about 2,000 payments of some 860 accounts: the drift tests treat
 * a window's values as independent, which windowed features of few accounts are not), with a
 * feature set whose windows are one minute long, so the stream is stationary once the first minute
 * has filled the windows. The model and its reference profile are trained on the same customers
 * paying at another time (another stream seed), after the same warm-up. After 30 stationary windows
 * of 10 s the generator shifts: amounts triple and half of the payments are made abroad.
 */
class MonitoringITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final String FEATURES =
            String.join(
                    "\n",
                    "entities:",
                    "  - name: account",
                    "    key: account_id",
                    "    allowed_lateness: 1m",
                    "    features:",
                    "      - {name: amount_log, aggregation: derived, expression: \"log1p(amount_minor / 100)\"}",
                    "      - {name: is_online, aggregation: derived, expression: \"channel == 'ONLINE'\"}",
                    "      - {name: txn_count_1m, aggregation: count, window: 1m}",
                    "      - {name: amount_mean_1m, aggregation: mean, field: amount_minor, window: 1m}",
                    "      - {name: countries_1m, aggregation: distinct_count, field: country, window: 1m}",
                    "");

    private static final int ACCOUNTS = 1_000;

    /** One customer population for training and live traffic, as in production. */
    private static final long POPULATION = 17L;

    private static final double RATE = 200;
    private static final long WINDOW = 10_000;
    private static final long WARM_UP = 60_000;
    private static final int STATIONARY_WINDOWS = 20;
    private static final int SHIFTED_WINDOWS = 6;
    private static final int UNKNOWN_LABELS = 30;

    /** Features whose distribution the shift changes, and those it leaves alone. */
    private static final Set<String> SHIFTED =
            Set.of(
                    "account.amount_log",
                    "account.amount_mean_1m",
                    "account.countries_1m",
                    "country");

    private static final Set<String> UNSHIFTED =
            Set.of("account.txn_count_1m", "account.is_online", "channel");

    @TempDir static Path dir;

    private static Path featureFile;
    private static Path modelDir;
    private static String inputSuffix;
    private static Input input;

    private record Input(long start, long shiftAt, long end, int good, int labels) {}

    @BeforeAll
    static void trainAndProduce() throws Exception {
        featureFile = dir.resolve("features.yaml");
        Files.writeString(featureFile, FEATURES);
        FeatureSet features = FeatureSet.fromYaml(featureFile);

        // The reference: the same process after the same warm-up, another seed.
        SyntheticTrainingSet set =
                SyntheticTrainingSet.generate(
                        features,
                        new TransactionGenerator(POPULATION, 5L, ACCOUNTS, 0.02),
                        6L,
                        52_000,
                        RATE);
        int skip = 0;
        while (set.eventTimes()[skip] < SyntheticTrainingSet.START_MILLIS + WARM_UP) {
            skip++;
        }
        final int from = skip;
        int n = set.eventTimes().length - from;
        double[][] rows = Arrays.copyOfRange(set.features(), from, from + n);
        boolean[] labels = Arrays.copyOfRange(set.labels(), from, from + n);
        long[] times = Arrays.copyOfRange(set.eventTimes(), from, from + n);
        Map<String, String[]> inputs = new HashMap<>();
        set.inputs().forEach((k, v) -> inputs.put(k, Arrays.copyOfRange(v, from, from + n)));
        ModelBundle bundle =
                new Trainer(new TrainerConfig(List.of(8), 2, 0.01, 256, 0.2, 3L))
                        .train("drift-model", "1", features.vectorNames(), rows, labels, times);
        // Inputs from the rows the profile was computed on: the earliest 80% (time-based split).
        int trainRows = (int) bundle.profile().rows();
        Map<String, String[]> trainInputs = new HashMap<>();
        inputs.forEach((k, v) -> trainInputs.put(k, Arrays.copyOf(v, trainRows)));
        bundle =
                new ModelBundle(
                        bundle.metadata(),
                        bundle.network(),
                        bundle.profile().withInputs(trainInputs));
        modelDir = dir.resolve("model");
        bundle.save(modelDir);

        inputSuffix = TestEnvironment.uniqueName("monitoring-in");
        TestEnvironment.kafka()
                .createTopics(2, "transactions-" + inputSuffix, "labels-" + inputSuffix);
        input = produce("transactions-" + inputSuffix, "labels-" + inputSuffix);
    }

    @Test
    void driftIsCaughtStationaryWindowsStayQuietAndAFailureChangesNothing() throws Exception {
        Map<String, MonitoringRecord> clean = run("clean", false);
        int before = PlannedFailure.COUNT.get();
        Map<String, MonitoringRecord> failed = run("failed", true);
        assertThat(PlannedFailure.COUNT.get() - before).isEqualTo(1);

        // Stationary windows after the warm-up: the share of feature-windows flagged stays within
        // the documented false-alarm level (1%).
        List<MonitoringRecord> drift =
                clean.values().stream().filter(r -> r.getKind() == MonitoringKind.DRIFT).toList();
        List<MonitoringRecord> stationary =
                drift.stream()
                        .filter(
                                r ->
                                        start(r) >= input.start() + WARM_UP
                                                && end(r) <= input.shiftAt())
                        .filter(r -> !r.getSubject().equals("score"))
                        .toList();
        assertThat(stationary).hasSizeGreaterThanOrEqualTo((STATIONARY_WINDOWS - 1) * 7);
        long falseAlarms = stationary.stream().filter(MonitoringRecord::getAlert).count();
        System.out.printf(
                "stationary feature-windows %d, flagged %d%n", stationary.size(), falseAlarms);
        assertThat((double) falseAlarms / stationary.size())
                .as(
                        "false alarms %s",
                        stationary.stream()
                                .filter(MonitoringRecord::getAlert)
                                .map(r -> r.getSubject() + "@" + start(r) + ": " + r.getNote())
                                .toList())
                .isLessThanOrEqualTo(0.01);
        for (MonitoringRecord r : stationary) {
            assertThat(r.getValues().get("live_count")).isGreaterThanOrEqualTo(200.0);
            assertThat(r.getThresholds()).containsEntry("psi_alert", 0.25);
        }

        // After the shift: the shifted features are flagged within two windows, in every window
        // from then on; the unshifted ones are not.
        for (String subject : SHIFTED) {
            List<MonitoringRecord> after = series(drift, subject, input.shiftAt() + 2 * WINDOW);
            assertThat(after).as(subject).hasSizeGreaterThanOrEqualTo(SHIFTED_WINDOWS - 3);
            assertThat(after)
                    .as(subject + " flagged from the second window after the shift")
                    .allMatch(MonitoringRecord::getAlert);
        }
        for (String subject : UNSHIFTED) {
            List<MonitoringRecord> after = series(drift, subject, input.shiftAt());
            assertThat(after).as(subject).isNotEmpty();
            assertThat(after).as(subject + " not flagged").noneMatch(MonitoringRecord::getAlert);
        }

        // Quality: every checked payment counted once per rule.
        long checked =
                clean.values().stream()
                        .filter(
                                r ->
                                        r.getKind() == MonitoringKind.QUALITY
                                                && r.getSubject().equals("amount_minor.range"))
                        .mapToLong(r -> r.getValues().get("checked").longValue())
                        .sum();
        assertThat(checked).isEqualTo(input.good());

        // Labels: every label matched its score, the unknown ones are counted as unmatched.
        long matched =
                clean.values().stream()
                        .filter(r -> r.getKind() == MonitoringKind.PERFORMANCE)
                        .mapToLong(r -> r.getValues().get("matched").longValue())
                        .sum();
        assertThat(matched).isEqualTo(input.labels());
        long unmatched =
                clean.values().stream()
                        .filter(r -> r.getKind() == MonitoringKind.LABELS)
                        .mapToLong(r -> r.getValues().get("unmatched_labels").longValue())
                        .sum();
        assertThat(unmatched).isEqualTo(UNKNOWN_LABELS);
        List<MonitoringRecord> performance =
                clean.values().stream()
                        .filter(
                                r ->
                                        r.getKind() == MonitoringKind.PERFORMANCE
                                                && r.getValues().get("matched") >= 400)
                        .toList();
        assertThat(performance)
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.getValues().get("auc")).isBetween(0.0, 1.0));

        // The failed run's drift records equal the clean run's, window by window.
        Map<String, MonitoringRecord> cleanDrift = only(clean, MonitoringKind.DRIFT);
        Map<String, MonitoringRecord> failedDrift = only(failed, MonitoringKind.DRIFT);
        assertThat(failedDrift.keySet()).isEqualTo(cleanDrift.keySet());
        for (Map.Entry<String, MonitoringRecord> e : cleanDrift.entrySet()) {
            assertThat(failedDrift.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(only(failed, MonitoringKind.PERFORMANCE))
                .isEqualTo(only(clean, MonitoringKind.PERFORMANCE));
        assertThat(only(failed, MonitoringKind.QUALITY))
                .isEqualTo(only(clean, MonitoringKind.QUALITY));

        // Fairness per country and channel counts every matched label once per attribute.
        Map<String, MonitoringRecord> fairness = only(clean, MonitoringKind.FAIRNESS);
        for (String attribute : List.of("country", "channel")) {
            assertThat(
                            fairness.values().stream()
                                    .filter(r -> r.getSubject().startsWith(attribute + "="))
                                    .mapToLong(r -> r.getValues().get("rows").longValue())
                                    .sum())
                    .as(attribute)
                    .isEqualTo(input.labels());
        }
        assertThat(only(failed, MonitoringKind.FAIRNESS)).isEqualTo(fairness);
    }

    /** Runs the pipeline over the shared input; returns the committed monitoring records by key. */
    private static Map<String, MonitoringRecord> run(String name, boolean failOnce)
            throws Exception {
        String suffix = TestEnvironment.uniqueName("monitoring-" + name);
        Map<String, String> settings =
                TestEnvironment.settings(suffix, dir.resolve("warehouse-" + name), modelDir);
        settings.put("kafka.topics.transactions", "transactions-" + inputSuffix);
        settings.put("kafka.topics.labels", "labels-" + inputSuffix);
        settings.put("features.definitions", featureFile.toString());
        settings.put("monitoring.window", "10s");
        settings.put("kafka.starting-offsets", "earliest");
        // Events wait for the watermark however long a loaded machine stalls it, so both runs
        // aggregate in the same order (a release by processing time would depend on the load).
        settings.put("features.ordering-max-wait", "0");
        PipelineConfig config = PipelineConfig.from(settings);
        TestEnvironment.kafka()
                .createTopics(2, config.scoresTopic(), config.dlqTopic(), config.controlTopic());

        var catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());
        TestEnvironment.pipeline(
                        config,
                        catalogLoader,
                        true,
                        null,
                        failOnce ? new PlannedFailure(2_000, 2) : null)
                .execute("monitoring-it-" + name);

        List<MonitoringRecord> records =
                PipelineITCase.readCommitted(
                        config.bootstrapServers(),
                        config.monitoringTopic(),
                        MonitoringRecord.class);
        Map<String, MonitoringRecord> byKey = new TreeMap<>();
        for (MonitoringRecord r : records) {
            assertThat(byKey.put(key(r), r))
                    .as("one record per kind, subject, window and version: %s", key(r))
                    .isNull();
        }
        if (!failOnce) {
            // The Iceberg monitoring table holds the same records (a bounded run without failover).
            assertThat(TestEnvironment.rows(catalog, config.namespace(), WeirTables.MONITORING))
                    .hasSize(records.size());
        }
        return byKey;
    }

    private static Input produce(String topic, String labelsTopic) throws Exception {
        TransactionGenerator generator = new TransactionGenerator(POPULATION, 21L, ACCOUNTS, 0.02);
        SplittableRandom arrivals = new SplittableRandom(22L);
        long now = System.currentTimeMillis();
        long start = (now - 15 * 60_000) / WINDOW * WINDOW;
        long shiftAt = start + WARM_UP + STATIONARY_WINDOWS * WINDOW;
        long end = shiftAt + SHIFTED_WINDOWS * WINDOW;
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        BinaryMessageEncoder<Label> labelEncoder = AvroRecordSerializer.encoderFor(Label.class);
        int good = 0;
        int labels = 0;
        boolean shifted = false;
        try (KafkaProducer<byte[], byte[]> producer = TestEnvironment.producer()) {
            double t = start;
            while (true) {
                t += -Math.log(1 - arrivals.nextDouble()) * 1000.0 / RATE;
                long time = (long) t;
                if (time >= end) {
                    break;
                }
                if (!shifted && time >= shiftAt) {
                    generator.shift(3.0, 0.5);
                    shifted = true;
                }
                TransactionGenerator.Generated g = generator.next(time);
                Transaction txn = g.transaction();
                byte[] key = txn.getAccountId().getBytes(StandardCharsets.UTF_8);
                producer.send(
                        new ProducerRecord<>(topic, null, time, key, encoder.encode(txn).array()));
                good++;
                Label label =
                        new Label(
                                txn.getTransactionId(),
                                g.fraud(),
                                Instant.ofEpochMilli(time + 5_000));
                producer.send(
                        new ProducerRecord<>(
                                labelsTopic,
                                null,
                                time + 5_000,
                                key,
                                labelEncoder.encode(label).array()));
                labels++;
            }
            for (int i = 0; i < UNKNOWN_LABELS; i++) {
                Label ghost = new Label("ghost-" + i, false, Instant.ofEpochMilli(end - 1_000));
                producer.send(
                        new ProducerRecord<>(
                                labelsTopic,
                                null,
                                end - 1_000,
                                null,
                                labelEncoder.encode(ghost).array()));
            }
            producer.flush();
        }
        return new Input(start, shiftAt, end, good, labels);
    }

    private static List<MonitoringRecord> series(
            List<MonitoringRecord> drift, String subject, long from) {
        return drift.stream()
                .filter(
                        r ->
                                r.getSubject().equals(subject)
                                        && start(r) >= from
                                        && end(r) <= input.end())
                .sorted((a, b) -> Long.compare(start(a), start(b)))
                .toList();
    }

    private static Map<String, MonitoringRecord> only(
            Map<String, MonitoringRecord> records, MonitoringKind kind) {
        return records.entrySet().stream()
                .filter(e -> e.getValue().getKind() == kind)
                .collect(
                        Collectors.toMap(
                                Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
    }

    private static String key(MonitoringRecord r) {
        return r.getKind() + "|" + r.getSubject() + "|" + start(r) + "|" + r.getModelVersion();
    }

    private static long start(MonitoringRecord r) {
        return r.getWindowStart().toEpochMilli();
    }

    private static long end(MonitoringRecord r) {
        return r.getWindowEnd().toEpochMilli();
    }
}
