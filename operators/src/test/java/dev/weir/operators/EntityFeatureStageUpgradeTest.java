package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.features.FeatureVectors;
import dev.weir.schemas.Channel;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.Aggregation;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The entity stage across the change from one value per entity (entity state format 1) to a hot
 * value and cold panes in map state. The release before it runs here as {@link
 * ReleasedEntityFeatureStage} (that release's stage and engine, unchanged): its snapshots are that
 * release's savepoints, made in the test on the heap and on RocksDB, and its uninterrupted run
 * gives that release's values. Every run of the current stage must give those values bit for bit,
 * whether it restored the release's snapshot, one of its own, or never stopped.
 */
class EntityFeatureStageUpgradeTest {

    private static final int CUT = 1_200;

    static final long T0 = 1_767_225_600_000L;
    static final long MINUTE = 60_000L;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;

    static FeatureSpec.Builder amount(String name, Aggregation aggregation) {
        return FeatureSpec.of(name, aggregation).field("amount_minor");
    }

    static final EntitySpec SPEC =
            new EntitySpec(
                    "account",
                    "account_id",
                    List.of(
                            FeatureSpec.of("count_30d", Aggregation.COUNT).window("30d").build(),
                            amount("sum_30d", Aggregation.SUM).window("30d").build(),
                            amount("var_7d", Aggregation.VARIANCE).window("7d").build(),
                            amount("max_30d", Aggregation.MAX).window("30d").build(),
                            amount("min_24h", Aggregation.MIN).window("24h").build(),
                            FeatureSpec.of("merchants_30d", Aggregation.DISTINCT_COUNT)
                                    .field("merchant_id")
                                    .window("30d")
                                    .build(),
                            amount("first_7d", Aggregation.FIRST).window("7d").build(),
                            amount("last_30d", Aggregation.LAST).window("30d").build(),
                            FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build(),
                            FeatureSpec.of("count_all", Aggregation.COUNT).build(),
                            FeatureSpec.of("since_prev", Aggregation.TIME_SINCE_PREVIOUS).build(),
                            amount("last3", Aggregation.LAST_N).n(3).build()),
                    Duration.ofMinutes(10),
                    null);

    /** How the stage orders events, and what the input between events is. */
    enum Mode {
        /** Arrival order, no watermark: every event is aggregated, out of order ones included. */
        ARRIVAL(FeatureOrdering.ARRIVAL),
        /**
         * Event-time order: a watermark 6 hours behind the slowest account after every 20 events,
         * so snapshots hold waiting events and their timers, and some events are late.
         */
        ORDERED(FeatureOrdering.ORDERED);

        final FeatureOrdering ordering;

        Mode(FeatureOrdering ordering) {
            this.ordering = ordering;
        }
    }

    /** A snapshot as a job upgrade takes it. */
    enum Snapshot {
        /** The backend's own format (RocksDB: incremental, its files). */
        NATIVE,
        /** Flink's canonical savepoint, which restores on any backend. */
        CANONICAL
    }

    /** An event, or a watermark when {@code event} is null. */
    record Input(FeaturedTransaction event, long watermark) {}

    /**
     * Five accounts over 70 days: gaps of minutes to a day, one account silent for 35 days (it
     * starts over), a tenth of the events up to 3 hours and a fiftieth up to 10 days older than
     * their account's newest. The input ends with the final watermark, which releases every waiting
     * event and lets every entity expire.
     */
    static List<Input> inputs(Mode mode) {
        Random random = new Random(20_260_101L);
        long[] clocks = new long[5];
        List<Input> inputs = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            int a = random.nextInt(5);
            long gap =
                    random.nextDouble() < 0.5
                            ? random.nextInt((int) HOUR)
                            : (long) (random.nextDouble() * DAY);
            if (a == 4 && i == 1_000) {
                gap = 35 * DAY;
            }
            clocks[a] += gap;
            long time = T0 + clocks[a];
            double shift = random.nextDouble();
            if (shift < 0.1) {
                time -= random.nextInt((int) (3 * HOUR));
            } else if (shift < 0.12) {
                time -= (long) (random.nextDouble() * 10 * DAY);
            }
            Transaction txn =
                    Transaction.newBuilder()
                            .setTransactionId("t" + i)
                            .setAccountId("a" + a)
                            .setCardId("card-" + a)
                            .setMerchantId("m" + random.nextInt(60))
                            .setMerchantCategory("5411")
                            .setDeviceId(null)
                            .setAmountMinor(1 + random.nextInt(100_000))
                            .setCurrency("EUR")
                            .setCountry("DE")
                            .setChannel(Channel.POS)
                            .setEventTime(Instant.ofEpochMilli(time))
                            .build();
            inputs.add(new Input(FeatureVectors.start(txn, "v"), 0));
            if (mode == Mode.ORDERED && i % 20 == 19) {
                inputs.add(
                        new Input(null, T0 + Arrays.stream(clocks).min().orElseThrow() - 6 * HOUR));
            }
        }
        inputs.add(new Input(null, Long.MAX_VALUE));
        return inputs;
    }

    /** Where the snapshot is taken: after the {@value #CUT}th input. */
    static List<Input> before(List<Input> inputs) {
        return inputs.subList(0, CUT);
    }

    static List<Input> after(List<Input> inputs) {
        return inputs.subList(CUT, inputs.size());
    }

    static Stream<Arguments> backendsModesAndSnapshots() {
        List<Arguments> arguments = new ArrayList<>();
        for (StateBackends backend : StateBackends.values()) {
            for (Mode mode : Mode.values()) {
                for (Snapshot snapshot : Snapshot.values()) {
                    arguments.add(Arguments.of(backend, mode, snapshot));
                }
            }
        }
        return arguments.stream();
    }

    static Stream<Arguments> backendSwitchesAndModes() {
        List<Arguments> arguments = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            arguments.add(Arguments.of(StateBackends.HEAP, StateBackends.ROCKSDB, mode));
            arguments.add(Arguments.of(StateBackends.ROCKSDB, StateBackends.HEAP, mode));
        }
        return arguments.stream();
    }

    /**
     * The release's snapshots that can be made here: each backend's native one, and RocksDB's
     * canonical one. (A canonical savepoint has one format whichever backend writes it, but the
     * heap backend writes it through the serializer that the state's serializer snapshot restores,
     * which in this build is the current one: the release's canonical savepoint is taken on RocksDB
     * and restored on both backends.)
     */
    static Stream<Arguments> releaseSnapshots() {
        List<Arguments> arguments = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            arguments.add(
                    Arguments.of(StateBackends.HEAP, Snapshot.NATIVE, StateBackends.HEAP, mode));
            arguments.add(
                    Arguments.of(
                            StateBackends.ROCKSDB, Snapshot.NATIVE, StateBackends.ROCKSDB, mode));
            arguments.add(
                    Arguments.of(
                            StateBackends.ROCKSDB,
                            Snapshot.CANONICAL,
                            StateBackends.ROCKSDB,
                            mode));
            arguments.add(
                    Arguments.of(
                            StateBackends.ROCKSDB, Snapshot.CANONICAL, StateBackends.HEAP, mode));
        }
        return arguments.stream();
    }

    @ParameterizedTest(name = "{1} snapshot on {0}, restored on {2}, {3}")
    @MethodSource("releaseSnapshots")
    void theReleasesSavepointRestoresAndContinuesWithItsValues(
            StateBackends from, Snapshot kind, StateBackends to, Mode mode) throws Exception {
        List<Input> inputs = inputs(mode);
        Outputs released = uninterruptedRelease(to, mode, inputs);
        Outputs out = new Outputs();
        OperatorSubtaskState savepoint;
        try (var release = releaseHarness(from, mode)) {
            release.open();
            feed(release, before(inputs));
            out.collect(release);
            savepoint = snapshot(release, kind);
        }
        try (var restored = harness(to, mode)) {
            restored.initializeState(savepoint);
            restored.open();
            // Format 1 is read as it is, every pane hot: nothing went cold at the restore.
            assertThat(entitiesWithColdPanes(restored)).isZero();
            feedUntilExpiry(restored, after(inputs), out);
        }
        out.assertEqualTo(released);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("backendsModesAndSnapshots")
    void aSnapshotWithColdPanesRestoresAndContinuesWithTheReleasedValues(
            StateBackends backend, Mode mode, Snapshot kind) throws Exception {
        List<Input> inputs = inputs(mode);
        Outputs released = uninterruptedRelease(backend, mode, inputs);
        Outputs out = new Outputs();
        OperatorSubtaskState snapshot;
        try (var harness = harness(backend, mode)) {
            harness.open();
            feed(harness, before(inputs));
            assertThat(entitiesWithColdPanes(harness)).isEqualTo(5);
            out.collect(harness);
            snapshot = snapshot(harness, kind);
        }
        try (var restored = harness(backend, mode)) {
            restored.initializeState(snapshot);
            restored.open();
            assertThat(entitiesWithColdPanes(restored)).isEqualTo(5);
            feedUntilExpiry(restored, after(inputs), out);
        }
        out.assertEqualTo(released);
    }

    /** Flink's canonical savepoint carries the cold panes from either backend to the other. */
    @ParameterizedTest(name = "{0} to {1}, {2}")
    @MethodSource("backendSwitchesAndModes")
    void aCanonicalSavepointWithColdPanesRestoresOnTheOtherBackend(
            StateBackends from, StateBackends to, Mode mode) throws Exception {
        List<Input> inputs = inputs(mode);
        Outputs released = uninterruptedRelease(to, mode, inputs);
        Outputs out = new Outputs();
        OperatorSubtaskState savepoint;
        try (var harness = harness(from, mode)) {
            harness.open();
            feed(harness, before(inputs));
            out.collect(harness);
            savepoint = snapshot(harness, Snapshot.CANONICAL);
        }
        try (var restored = harness(to, mode)) {
            restored.initializeState(savepoint);
            restored.open();
            assertThat(entitiesWithColdPanes(restored)).isEqualTo(5);
            feedUntilExpiry(restored, after(inputs), out);
        }
        out.assertEqualTo(released);
    }

    /**
     * The release set an entity's expiry timer at its exact expiry; this one rounds it up to a 64th
     * of the TTL and leaves it there while the next events stay within that step. After the
     * upgrade, such an event does not look for the release's timer at the exact time: when that
     * timer fires, before the moved expiry, the expiry timer is registered again, so the idle
     * entity still leaves nothing behind.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(StateBackends.class)
    void anEntityIdleAfterTheUpgradeStillExpires(StateBackends backend) throws Exception {
        long ttl = 30 * DAY;
        long step = ttl / 64;
        FeaturedTransaction first = inputs(Mode.ARRIVAL).get(0).event();
        long firstTime = first.getTransaction().getEventTime().toEpochMilli();
        FeaturedTransaction next = FeaturedTransaction.newBuilder(first).build();
        next.setTransaction(
                Transaction.newBuilder(first.getTransaction())
                        .setTransactionId("next")
                        .setEventTime(Instant.ofEpochMilli(firstTime + 1_000))
                        .build());
        long releasedTimer = firstTime + ttl;
        long expiryTimer = Math.floorDiv(releasedTimer + 1_000 + step - 1, step) * step;
        // Both expiries fall in one step: the event after the upgrade does not move the timer.
        assertThat(Math.floorDiv(releasedTimer + step - 1, step) * step).isEqualTo(expiryTimer);

        OperatorSubtaskState savepoint;
        try (var release = releaseHarness(backend, Mode.ARRIVAL)) {
            release.open();
            feed(release, List.of(new Input(first, 0)));
            savepoint = snapshot(release, Snapshot.NATIVE);
        }
        try (var restored = harness(backend, Mode.ARRIVAL)) {
            restored.initializeState(savepoint);
            restored.open();
            feed(restored, List.of(new Input(next, 0)));

            restored.processWatermark(releasedTimer);
            assertThat(StateBackends.keyedStateEntries(restored)).isEqualTo(1);
            assertThat(restored.numEventTimeTimers()).isEqualTo(1);
            restored.processWatermark(expiryTimer - 1);
            assertThat(StateBackends.keyedStateEntries(restored)).isEqualTo(1);
            restored.processWatermark(expiryTimer);
            assertThat(StateBackends.keyedStateEntries(restored)).isZero();
            assertThat(restored.numEventTimeTimers()).isZero();
        }
    }

    /** The release's values by backend and mode, made once. */
    private static final Map<String, Outputs> RELEASED = new HashMap<>();

    /**
     * The release's stage over the whole input, on the given backend: the values to give. The
     * current stage without a stop gives them too.
     */
    private static Outputs uninterruptedRelease(
            StateBackends backend, Mode mode, List<Input> inputs) throws Exception {
        String key = backend + " " + mode;
        if (!RELEASED.containsKey(key)) {
            RELEASED.put(key, runUninterrupted(backend, mode, inputs));
        }
        return RELEASED.get(key);
    }

    private static Outputs runUninterrupted(StateBackends backend, Mode mode, List<Input> inputs)
            throws Exception {
        Outputs released = new Outputs();
        try (var release = releaseHarness(backend, mode)) {
            release.open();
            feed(release, inputs);
            released.collect(release);
        }
        Outputs current = new Outputs();
        try (var harness = harness(backend, mode)) {
            harness.open();
            feedUntilExpiry(harness, inputs, current);
        }
        current.assertEqualTo(released);
        assertThat(released.values).hasSizeGreaterThan(1_500);
        if (mode == Mode.ORDERED) {
            assertThat(released.late).isNotEmpty();
        }
        return released;
    }

    /**
     * Feeds the rest of the input, whose final watermark lets every entity expire: nothing stays.
     */
    private static void feedUntilExpiry(
            KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction>
                    harness,
            List<Input> rest,
            Outputs out)
            throws Exception {
        assertThat(rest.get(rest.size() - 1).watermark()).isEqualTo(Long.MAX_VALUE);
        feed(harness, rest.subList(0, rest.size() - 1));
        // The older panes of every entity went cold on the way, a restored format 1 one's too.
        assertThat(entitiesWithColdPanes(harness)).isEqualTo(5);
        feed(harness, rest.subList(rest.size() - 1, rest.size()));
        out.collect(harness);
        // Idle for its TTL, an entity leaves nothing behind: no value, no cold panes, no timer.
        assertThat(StateBackends.keyedStateEntries(harness)).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    private static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction>
                    harness,
            List<Input> inputs)
            throws Exception {
        for (Input input : inputs) {
            if (input.event() == null) {
                harness.processWatermark(input.watermark());
            } else {
                FeaturedTransaction e = input.event();
                harness.processElement(e, e.getTransaction().getEventTime().toEpochMilli());
            }
        }
    }

    private static OperatorSubtaskState snapshot(
            KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction>
                    harness,
            Snapshot kind)
            throws Exception {
        return switch (kind) {
            case NATIVE -> harness.snapshot(1L, 1L);
            case CANONICAL ->
                    harness.snapshotWithLocalState(
                                    1L, 1L, SavepointType.savepoint(SavepointFormatType.CANONICAL))
                            .getJobManagerOwnedState();
        };
    }

    private static long entitiesWithColdPanes(
            KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction>
                    harness) {
        try (Stream<String> keys =
                harness.getOperator()
                        .<String>getKeyedStateBackend()
                        .getKeys(EntityFeatureStage.COLD_NAME, VoidNamespace.INSTANCE)) {
            return keys.count();
        }
    }

    /**
     * What a run emitted: every scored event as its transaction id and the raw bits of its values
     * (in hexadecimal), and the ids of the late events, in order.
     */
    static final class Outputs {
        final List<String> values = new ArrayList<>();
        final List<String> late = new ArrayList<>();

        /** Takes what the harness emitted so far (a harness is collected once, when it is done). */
        void collect(
                KeyedOneInputStreamOperatorTestHarness<
                                String, FeaturedTransaction, FeaturedTransaction>
                        harness) {
            for (FeaturedTransaction f : harness.extractOutputValues()) {
                StringBuilder line = new StringBuilder(f.getTransaction().getTransactionId());
                for (double v : f.getFeatures()) {
                    line.append(' ').append(Long.toHexString(Double.doubleToRawLongBits(v)));
                }
                values.add(line.toString());
            }
            // (The release's tag has the same id, so this takes its late events too.)
            var side = harness.getSideOutput(EntityFeatureStage.LATE);
            if (side != null) {
                side.forEach(r -> late.add(r.getValue().getTransaction().getTransactionId()));
            }
        }

        void assertEqualTo(Outputs expected) {
            assertThat(values).containsExactlyElementsOf(expected.values);
            assertThat(late).containsExactlyElementsOf(expected.late);
        }
    }

    static KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction>
            harness(StateBackends backend, Mode mode) throws Exception {
        return keyed(backend, new EntityFeatureStage(SPEC, mode.ordering));
    }

    static KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction>
            releaseHarness(StateBackends backend, Mode mode) throws Exception {
        return keyed(backend, new ReleasedEntityFeatureStage(SPEC, mode.ordering));
    }

    private static KeyedOneInputStreamOperatorTestHarness<
                    String, FeaturedTransaction, FeaturedTransaction>
            keyed(
                    StateBackends backend,
                    KeyedProcessFunction<String, FeaturedTransaction, FeaturedTransaction> stage)
                    throws Exception {
        return backend.keyed(
                new KeyedProcessOperator<>(stage),
                f -> f.getTransaction().getAccountId(),
                Types.STRING);
    }
}
