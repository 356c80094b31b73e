package dev.weir.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.SyntheticTrainingSet;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.models.ReferenceProfile;
import dev.weir.models.TrainerConfig;
import dev.weir.models.drift.DriftResult;
import dev.weir.models.drift.DriftStatistics;
import dev.weir.models.drift.DriftThresholds;
import dev.weir.models.drift.LiveCategories;
import dev.weir.models.drift.LiveDistribution;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSetEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Why {@code weir demo} runs its own feature set and lets its live payments continue the history's
 * timeline: the demo's stream of a stationary population, its features computed by the engine the
 * pipeline runs, compared minute by minute of event time with the reference profile of the model's
 * training rows by the monitoring's own drift rules and thresholds. The demo's settings are used:
 * 5,000 accounts, 200 payments/s, 100,000 training payments and as many in the history.
 */
class DemoDriftTest {

    private static final long SEED = 7;
    private static final int ACCOUNTS = 5_000;
    private static final double RATE = 200;
    private static final int PAYMENTS = 100_000;
    private static final double FRAUD_SHARE = 0.02;
    private static final Duration LIVE = Duration.ofMinutes(3);

    /** Where the history ends and live payments begin: 20 s into a minute of event time. */
    private static final long HISTORY_END = 1_790_000_000_000L / 60_000 * 60_000 + 20_000;

    @Test
    void aStationaryDemoRaisesNoDriftAlert() {
        FeatureSet demo = FeatureSets.demo();

        Map<Long, List<String>> alerts = alertsPerMinute(demo, demo.longestWindow(), 0);

        assertThat(alerts).as("minutes compared").hasSize(4);
        assertThat(alerts.values()).allSatisfy(minute -> assertThat(minute).isEmpty());
    }

    @Test
    void withTheReferenceWindowsCountsKeepGrowingWhateverTheStart() {
        Map<Long, List<String>> alerts = alertsPerMinute(FeatureSets.reference(), Duration.ZERO, 0);

        // Windows of 10 minutes to 7 days on a timeline of minutes: never as in training.
        assertThat(alerts.values())
                .allSatisfy(
                        minute ->
                                assertThat(minute)
                                        .contains(
                                                "account.txn_count_24h",
                                                "merchant.txn_count_1h",
                                                "account.amount_sum_1h"));
    }

    @Test
    void aGapBetweenTheHistoryAndTheLivePaymentsShowsInTheFirstMinute() {
        FeatureSet demo = FeatureSets.demo();

        Map<Long, List<String>> alerts =
                alertsPerMinute(demo, demo.longestWindow(), Duration.ofSeconds(40).toMillis());

        List<String> first = alerts.values().iterator().next();
        assertThat(first).contains("account.secs_since_prev", "account.txn_count_1m");
    }

    @Test
    void withoutAWarmUpTheTrainingRowsSeeWindowsFillingUp() {
        FeatureSet demo = FeatureSets.demo();

        Map<Long, List<String>> alerts = alertsPerMinute(demo, Duration.ZERO, 0);

        assertThat(alerts.values()).allSatisfy(minute -> assertThat(minute).isNotEmpty());
    }

    /**
     * The features, score aside, and monitored inputs flagged in each minute of live event time:
     * the model's customers trained on after {@code warmUp}, then a history of the customers paying
     * (another stream seed) until {@link #HISTORY_END}, then live payments (a third stream seed)
     * from {@code gapMillis} after it, each evenly spaced at the demo's rate as the demo sends
     * them.
     */
    private static Map<Long, List<String>> alertsPerMinute(
            FeatureSet features, Duration warmUp, long gapMillis) {
        PipelineConfig config = pipelineConfig();
        DriftThresholds thresholds = config.monitoring().thresholds();
        List<String> inputs = config.monitoring().monitoredInputs();
        ReferenceProfile reference = referenceProfile(features, warmUp, inputs);

        FeatureSetEngine engine = new FeatureSetEngine(features, Transaction.getClassSchema());
        TransactionGenerator history =
                new TransactionGenerator(SEED, SEED + 2, ACCOUNTS, FRAUD_SHARE);
        long historyStart = HISTORY_END - (long) (PAYMENTS * 1000 / RATE);
        for (int i = 0; i < PAYMENTS; i++) {
            pay(engine, history, historyStart + (long) (i * 1000 / RATE));
        }
        TransactionGenerator live = new TransactionGenerator(SEED, SEED + 1, ACCOUNTS, FRAUD_SHARE);
        long liveStart = HISTORY_END + gapMillis;
        Map<Long, Window> windows = new TreeMap<>();
        for (long i = 0; i < LIVE.toSeconds() * RATE; i++) {
            long now = liveStart + (long) (i * 1000 / RATE);
            Payment payment = pay(engine, live, now);
            windows.computeIfAbsent(now / 60_000, m -> new Window(reference, inputs)).add(payment);
        }
        Map<Long, List<String>> alerts = new TreeMap<>();
        windows.forEach((minute, window) -> alerts.put(minute, window.alerts(thresholds)));
        return alerts;
    }

    /** A payment and the feature vector it was scored with. */
    private record Payment(Transaction transaction, double[] vector) {}

    private static Payment pay(FeatureSetEngine engine, TransactionGenerator generator, long now) {
        Transaction payment = generator.next(now).transaction();
        return new Payment(
                payment, engine.update(payment, payment.getEventTime().toEpochMilli(), null));
    }

    /** As weir train profiles its training rows: the earliest, before the hold-out. */
    private static ReferenceProfile referenceProfile(
            FeatureSet features, Duration warmUp, List<String> inputs) {
        SyntheticTrainingSet set =
                SyntheticTrainingSet.generate(
                        features, SEED, PAYMENTS, ACCOUNTS, RATE, FRAUD_SHARE, inputs, warmUp);
        int rows = (int) (PAYMENTS * (1 - TrainerConfig.defaults().holdoutShare()));
        Map<String, String[]> values = new TreeMap<>();
        for (String input : inputs) {
            values.put(input, Arrays.copyOf(set.inputs().get(input), rows));
        }
        return ReferenceProfile.compute(
                        features.vectorNames(),
                        Arrays.copyOf(set.features(), rows),
                        new double[rows])
                .withInputs(values);
    }

    /** One minute's live values, accumulated as the drift monitor does. */
    private static final class Window {
        private final ReferenceProfile reference;
        private final List<LiveDistribution> features = new ArrayList<>();
        private final List<LiveCategories> inputs = new ArrayList<>();

        Window(ReferenceProfile reference, List<String> inputNames) {
            this.reference = reference;
            reference.features().forEach(f -> features.add(new LiveDistribution(f)));
            inputNames.forEach(
                    name ->
                            inputs.add(
                                    new LiveCategories(reference.categorical(name).orElseThrow())));
        }

        void add(Payment payment) {
            for (int i = 0; i < payment.vector().length; i++) {
                features.get(i).add(payment.vector()[i]);
            }
            for (LiveCategories input : inputs) {
                Object value = payment.transaction().get(input.name());
                input.add(value == null ? null : value.toString());
            }
        }

        List<String> alerts(DriftThresholds thresholds) {
            TreeSet<String> flagged = new TreeSet<>();
            for (int i = 0; i < features.size(); i++) {
                DriftResult r =
                        DriftStatistics.compare(
                                reference.features().get(i),
                                reference.rows(),
                                features.get(i),
                                thresholds);
                if (r.drifted()) {
                    flagged.add(r.name());
                }
            }
            for (LiveCategories input : inputs) {
                DriftResult r =
                        DriftStatistics.compare(
                                reference.categorical(input.name()).orElseThrow(),
                                reference.rows(),
                                input,
                                thresholds);
                if (r.drifted()) {
                    flagged.add(r.name());
                }
            }
            return new ArrayList<>(flagged);
        }
    }

    private static PipelineConfig pipelineConfig() {
        return PipelineConfig.from(
                Map.of(
                        "kafka.bootstrap-servers", "127.0.0.1:9",
                        "iceberg.warehouse", "/tmp/unused",
                        "model.dir", "/tmp/unused"));
    }
}
