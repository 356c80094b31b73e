package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.features.FeatureStages;
import dev.weir.operators.features.FeatureVectors;
import dev.weir.operators.features.VectorVersions;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.state.features.Aggregation;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class EntityFeatureStageTest {

    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;

    private static final EntitySpec ACCOUNT =
            new EntitySpec(
                    "account",
                    "account_id",
                    List.of(
                            FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build(),
                            FeatureSpec.of("sum_1h", Aggregation.SUM)
                                    .field("amount_minor")
                                    .window("1h")
                                    .build(),
                            FeatureSpec.of("since_prev", Aggregation.TIME_SINCE_PREVIOUS)
                                    .defaultValue(-1)
                                    .build()),
                    Duration.ofMinutes(10),
                    null);

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void stateAndTimersAreDroppedOnceTheEntityIsIdleForItsTtl(StateBackends backend)
            throws Exception {
        // The TTL is the longest window, 1 h: expiry timers fall on a grid of 1 h / 64.
        long step = HOUR / 64;
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ARRIVAL)) {
            harness.open();
            harness.processElement(event("t1", "a", 1_000, 100), 1_000);
            harness.processElement(event("t2", "a", 2_000, 100), 2_000);
            harness.processElement(event("t3", "b", 3 * step, 100), 3 * step);
            assertThat(StateBackends.keyedStateEntries(harness)).isEqualTo(2);
            assertThat(harness.numEventTimeTimers()).isEqualTo(2);

            // a: idle since 2 s, expires at 1 h 2 s, dropped at the next step, 65 steps.
            harness.processWatermark(65 * step - 1);
            assertThat(StateBackends.keyedStateEntries(harness)).isEqualTo(2);
            harness.processWatermark(65 * step);
            assertThat(StateBackends.keyedStateEntries(harness)).isEqualTo(1);
            // b: its expiry is on the grid, 67 steps.
            harness.processWatermark(67 * step - 1);
            assertThat(StateBackends.keyedStateEntries(harness)).isEqualTo(1);
            harness.processWatermark(67 * step);
            assertThat(StateBackends.keyedStateEntries(harness)).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void eventsWithinOneStepKeepTheTimerAndAnEventInTheNextMovesIt(StateBackends backend)
            throws Exception {
        long step = HOUR / 64;
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ARRIVAL)) {
            harness.open();
            harness.processElement(event("t1", "a", 1_000, 100), 1_000);
            harness.processElement(event("t2", "a", step - 1, 100), step - 1);
            harness.processElement(event("t3", "a", step + 1, 100), step + 1);
            assertThat(harness.numEventTimeTimers()).isEqualTo(1);

            // The timer moved to the step after the last event's expiry, 66 steps.
            harness.processWatermark(66 * step - 1);
            assertThat(StateBackends.keyedStateEntries(harness)).isEqualTo(1);
            harness.processWatermark(66 * step);
            assertThat(StateBackends.keyedStateEntries(harness)).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void snapshotAndRestoreContinueExactly(StateBackends backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ARRIVAL)) {
            harness.open();
            harness.processElement(event("t1", "a", 10_000, 1_000), 10_000);
            harness.processElement(event("t2", "a", 20_000, 2_000), 20_000);
            snapshot = harness.snapshot(1L, 30_000);
        }
        try (var restored = harness(backend, ACCOUNT, FeatureOrdering.ARRIVAL)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("t3", "a", 40_000, 3_000), 40_000);
            List<Double> f = restored.extractOutputValues().get(0).getFeatures();
            assertThat(f).containsExactly(3.0, 6_000.0, 20.0);
            assertThat(restored.extractOutputValues().get(0).getWarming()).isEmpty();
            assertThat(restored.numEventTimeTimers()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void restoringUnderChangedDefinitionsKeepsUnchangedFeaturesAndWarmsUpTheOthers(
            StateBackends backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ARRIVAL)) {
            harness.open();
            harness.processElement(event("t1", "a", 10_000, 1_000), 10_000);
            harness.processElement(event("t2", "a", 20_000, 2_000), 20_000);
            snapshot = harness.snapshot(1L, 30_000);
        }
        EntitySpec changed =
                new EntitySpec(
                        "account",
                        "account_id",
                        List.of(
                                FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build(),
                                FeatureSpec.of("sum_1h", Aggregation.SUM)
                                        .field("amount_minor")
                                        .window("2h")
                                        .build(),
                                FeatureSpec.of("max_1h", Aggregation.MAX)
                                        .field("amount_minor")
                                        .window("1h")
                                        .build()),
                        Duration.ofMinutes(10),
                        null);
        try (var restored = harness(backend, changed, FeatureOrdering.ARRIVAL)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("t3", "a", 40_000, 3_000), 40_000);
            FeaturedTransaction out = restored.extractOutputValues().get(0);
            // count kept its two events; sum (window changed) and max (new) start from t3 alone.
            assertThat(out.getFeatures()).containsExactly(3.0, 3_000.0, 3_000.0);
            assertThat(out.getWarming()).containsExactly("account.sum_1h", "account.max_1h");
        }
    }

    private static final EntitySpec MERCHANT =
            new EntitySpec(
                    "merchant",
                    "merchant_id",
                    List.of(FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build()),
                    Duration.ofMinutes(10),
                    null);

    /**
     * An event waiting in the account stage across an upgrade holds the merchant values of the old
     * definitions: completed under changed merchant definitions it would match neither set, so it
     * is refused; under an unchanged merchant entity it is completed and stamped anew.
     */
    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void anEventThatWaitedAcrossAnUpgradeIsCompletedOnlyIfTheEntitiesBeforeItAreUnchanged(
            StateBackends backend) throws Exception {
        FeatureSet before = new FeatureSet(List.of(MERCHANT, ACCOUNT));
        OperatorSubtaskState snapshot;
        try (var harness = stage(backend, before, 1)) {
            harness.open();
            FeaturedTransaction merchantDone =
                    FeatureVectors.append(
                            event("t1", "a", 10_000, 1_000),
                            new double[] {7.0},
                            List.of(),
                            before.prefixVersion(1));
            harness.processElement(merchantDone, 10_000);
            assertThat(harness.extractOutputValues()).isEmpty();
            snapshot = harness.snapshot(1L, 20_000);
        }

        EntitySpec merchantChanged =
                new EntitySpec(
                        "merchant",
                        "merchant_id",
                        List.of(FeatureSpec.of("count_1h", Aggregation.COUNT).window("2h").build()),
                        Duration.ofMinutes(10),
                        null);
        FeatureSet merchantUpgraded = new FeatureSet(List.of(merchantChanged, ACCOUNT));
        try (var restored = stage(backend, merchantUpgraded, 1)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processWatermark(10_000);
            assertThat(restored.extractOutputValues()).isEmpty();
            assertThat(restored.getSideOutput(EntityFeatureStage.VECTOR_CHANGED))
                    .singleElement()
                    .satisfies(
                            r ->
                                    assertThat(r.getValue().getTransaction().getTransactionId())
                                            .isEqualTo("t1"));
        }

        EntitySpec accountChanged =
                new EntitySpec(
                        "account",
                        "account_id",
                        List.of(FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build()),
                        Duration.ofMinutes(10),
                        null);
        FeatureSet accountUpgraded = new FeatureSet(List.of(MERCHANT, accountChanged));
        try (var restored = stage(backend, accountUpgraded, 1)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processWatermark(10_000);
            assertThat(restored.getSideOutput(EntityFeatureStage.VECTOR_CHANGED)).isNull();
            FeaturedTransaction out = restored.extractOutputValues().get(0);
            assertThat(out.getFeatures()).containsExactly(7.0, 1.0);
            assertThat(out.getFeatureSetVersion()).isEqualTo(accountUpgraded.version());
        }
    }

    /**
     * The first stage appends to nothing, so it takes every event whatever its stamp; the previous
     * release stamped the whole set's version at the start, which a later stage takes if the set is
     * unchanged.
     */
    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void theFirstStageTakesEveryEventAndALaterOneTheWholeSetsVersion(StateBackends backend)
            throws Exception {
        FeatureSet set = new FeatureSet(List.of(MERCHANT, ACCOUNT));
        try (var first = stage(backend, new FeatureSet(List.of(ACCOUNT)), 0)) {
            first.open();
            first.processElement(
                    FeatureVectors.start(TestRecords.txn("t1", "a", 1_000, 5), "an older set"),
                    1_000);
            first.processWatermark(1_000);
            assertThat(first.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            out ->
                                    assertThat(out.getFeatureSetVersion())
                                            .isEqualTo(new FeatureSet(List.of(ACCOUNT)).version()));
        }
        try (var later = stage(backend, set, 1)) {
            later.open();
            FeaturedTransaction previousRelease =
                    FeatureVectors.append(
                            event("t2", "a", 2_000, 5),
                            new double[] {1.0},
                            List.of(),
                            set.version());
            FeaturedTransaction otherSet =
                    FeatureVectors.append(
                            event("t3", "a", 3_000, 5),
                            new double[] {1.0},
                            List.of(),
                            "an older set");
            later.processElement(previousRelease, 2_000);
            later.processElement(otherSet, 3_000);
            later.processWatermark(3_000);
            assertThat(later.extractOutputValues())
                    .singleElement()
                    .satisfies(
                            out ->
                                    assertThat(out.getTransaction().getTransactionId())
                                            .isEqualTo("t2"));
            assertThat(later.getSideOutput(EntityFeatureStage.VECTOR_CHANGED))
                    .singleElement()
                    .satisfies(
                            r ->
                                    assertThat(r.getValue().getTransaction().getTransactionId())
                                            .isEqualTo("t3"));
        }
    }

    /**
     * A payment without a device crosses the device stage keyed as the pipeline keys it, by its
     * transaction id: it gets the defaults at once, in either ordering, even far behind the
     * watermark, and leaves no state and no timer.
     */
    @ParameterizedTest
    @MethodSource("backendsAndOrderings")
    void anEventWithoutTheKeyGetsTheDefaultsAtOnceAndLeavesNoState(
            StateBackends backend, FeatureOrdering ordering) throws Exception {
        EntitySpec device =
                new EntitySpec(
                        "device",
                        "device_id",
                        List.of(
                                FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build(),
                                FeatureSpec.of("since_prev", Aggregation.TIME_SINCE_PREVIOUS)
                                        .defaultValue(-1)
                                        .build()),
                        Duration.ofMinutes(10),
                        null);
        try (var harness =
                backend.keyed(
                        new KeyedProcessOperator<>(new EntityFeatureStage(device, ordering)),
                        FeatureStages.keyOf(device),
                        Types.STRING)) {
            harness.open();
            harness.processWatermark(HOUR);
            FeaturedTransaction none = event("t1", "a", 1_000, 100);
            FeaturedTransaction blank = event("t2", "a", HOUR + 1_000, 100);
            blank.getTransaction().setDeviceId(" ");
            harness.processElement(none, 1_000);
            harness.processElement(blank, HOUR + 1_000);

            List<FeaturedTransaction> out = harness.extractOutputValues();
            assertThat(ids(out)).containsExactly("t1", "t2");
            assertThat(out).allSatisfy(f -> assertThat(f.getFeatures()).containsExactly(0.0, -1.0));
            assertThat(harness.getSideOutput(EntityFeatureStage.LATE)).isNull();
            assertThat(StateBackends.keyedStateEntries(harness)).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();

            // The device's own events are aggregated as ever beside them.
            FeaturedTransaction known = event("t3", "a", HOUR + 2_000, 100);
            known.getTransaction().setDeviceId("d1");
            harness.processElement(known, HOUR + 2_000);
            harness.processWatermark(HOUR + 2_000);
            assertThat(harness.extractOutputValues()).hasSize(3);
            assertThat(StateBackends.keyedStateEntries(harness)).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndOrderings")
    void latenessIsJudgedByTheWatermarkNotByTheEntitysNewestEvent(
            StateBackends backend, FeatureOrdering ordering) throws Exception {
        try (var harness = harness(backend, ACCOUNT, ordering)) {
            harness.open();
            // The entity's newest event is 80 minutes ahead of the watermark (another partition ran
            // ahead); an event 80 minutes older is still on time and must be aggregated.
            harness.processWatermark(10 * HOUR);
            harness.processElement(
                    event("new", "a", 10 * HOUR + 80 * MINUTE, 100), 10 * HOUR + 80 * MINUTE);
            harness.processElement(event("old", "a", 10 * HOUR + 1, 100), 10 * HOUR + 1);
            // 10 minutes allowed: exactly at the edge is aggregated, one millisecond more is late.
            harness.processElement(event("edge", "a", 10 * HOUR - 10 * MINUTE, 100), 10 * HOUR);
            harness.processElement(event("late", "a", 10 * HOUR - 10 * MINUTE - 1, 100), 10 * HOUR);
            harness.processWatermark(12 * HOUR);
            assertThat(harness.getSideOutput(EntityFeatureStage.LATE))
                    .extracting(r -> r.getValue().getTransaction().getTransactionId())
                    .containsExactly("late");
            assertThat(ids(harness.extractOutputValues()))
                    .containsExactlyInAnyOrder("new", "old", "edge");
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void orderedModeReleasesEachEntityInEventTimeOrderAsTheWatermarkPasses(StateBackends backend)
            throws Exception {
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED)) {
            harness.open();
            harness.processElement(event("t3", "a", 30_000, 3), 30_000);
            harness.processElement(event("t1", "a", 10_000, 1), 10_000);
            harness.processElement(event("t2", "a", 20_000, 2), 20_000);
            harness.processElement(event("t0", "a", 20_000, 4), 20_000); // a tie: taken by id
            harness.processElement(event("b1", "b", 15_000, 5), 15_000);
            assertThat(harness.extractOutputValues()).isEmpty();

            harness.processWatermark(15_000);
            assertThat(ids(harness.extractOutputValues())).containsExactly("t1", "b1");
            harness.processWatermark(30_000);
            List<FeaturedTransaction> out = harness.extractOutputValues();
            assertThat(ids(out)).containsExactly("t1", "b1", "t0", "t2", "t3");
            // count, sum, seconds since the previous event: as of each event's own time.
            assertThat(out.get(2).getFeatures()).containsExactly(2.0, 5.0, 10.0);
            assertThat(out.get(3).getFeatures()).containsExactly(3.0, 7.0, 0.0);
            assertThat(out.get(4).getFeatures()).containsExactly(4.0, 10.0, 10.0);
            // Nothing waits any more: one entity state and one expiry timer per key.
            assertThat(StateBackends.keyedStateEntries(harness)).isEqualTo(2);
            assertThat(harness.numEventTimeTimers()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void orderedModeGivesTheSameValuesWhateverTheArrivalOrder(StateBackends backend)
            throws Exception {
        List<FeaturedTransaction> events = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            long time = 1_000L * random.nextInt(3_600);
            events.add(
                    event(
                            String.format("t%03d", i),
                            "a" + random.nextInt(3),
                            time,
                            1 + random.nextInt(1_000)));
        }
        Map<String, List<Double>> first = null;
        for (int run = 0; run < 5; run++) {
            Collections.shuffle(events, random);
            try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED)) {
                harness.open();
                // Watermarks as a source would send them: never past an event still to come.
                long[] earliestToCome = new long[events.size() + 1];
                earliestToCome[events.size()] = Long.MAX_VALUE;
                for (int i = events.size() - 1; i >= 0; i--) {
                    earliestToCome[i] = Math.min(earliestToCome[i + 1], time(events.get(i)));
                }
                long watermark = Long.MIN_VALUE;
                for (int i = 0; i < events.size(); i++) {
                    FeaturedTransaction e = events.get(i);
                    harness.processElement(FeaturedTransaction.newBuilder(e).build(), time(e));
                    if (i % 20 == 19 && earliestToCome[i + 1] - 1 > watermark) {
                        watermark = earliestToCome[i + 1] - 1;
                        harness.processWatermark(watermark);
                    }
                }
                harness.processWatermark(Long.MAX_VALUE);
                Map<String, List<Double>> values = new HashMap<>();
                for (FeaturedTransaction f : harness.extractOutputValues()) {
                    values.put(f.getTransaction().getTransactionId(), f.getFeatures());
                }
                assertThat(values).hasSize(events.size());
                if (first == null) {
                    first = values;
                } else {
                    assertThat(values).isEqualTo(first);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void waitingEventsSurviveASnapshotAndAreReleasedAsWithoutIt(StateBackends backend)
            throws Exception {
        List<FeaturedTransaction> uninterrupted;
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED)) {
            harness.open();
            harness.processElement(event("t2", "a", 20_000, 2), 20_000);
            harness.processElement(event("t1", "a", 10_000, 1), 10_000);
            harness.processElement(event("t3", "a", 30_000, 3), 30_000);
            harness.processWatermark(Long.MAX_VALUE);
            uninterrupted = harness.extractOutputValues();
        }
        OperatorSubtaskState snapshot;
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED)) {
            harness.open();
            harness.processElement(event("t2", "a", 20_000, 2), 20_000);
            harness.processElement(event("t1", "a", 10_000, 1), 10_000);
            harness.processWatermark(10_000);
            snapshot = harness.snapshot(1L, 30_000);
        }
        try (var restored = harness(backend, ACCOUNT, FeatureOrdering.ORDERED)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("t3", "a", 30_000, 3), 30_000);
            restored.processWatermark(Long.MAX_VALUE);
            List<FeaturedTransaction> out = restored.extractOutputValues();
            assertThat(ids(out)).containsExactly("t2", "t3");
            assertThat(out.get(0).getFeatures()).isEqualTo(uninterrupted.get(1).getFeatures());
            assertThat(out.get(1).getFeatures()).isEqualTo(uninterrupted.get(2).getFeatures());
        }
    }

    /**
     * Flink's canonical savepoint format is the same for every backend: a savepoint taken on one
     * restores on the other with its entity states, waiting events and timers, and continues as if
     * nothing happened.
     */
    @ParameterizedTest
    @MethodSource("backendSwitches")
    void aCanonicalSavepointRestoresOnTheOtherBackend(StateBackends from, StateBackends to)
            throws Exception {
        Map<String, List<Double>> uninterrupted = new HashMap<>();
        try (var harness = harness(to, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            harness.open();
            harness.setProcessingTime(0);
            beforeTheSwitch(harness);
            harness.processElement(event("t3", "a", 30_000, 3), 30_000);
            harness.processWatermark(Long.MAX_VALUE);
            harness.extractOutputValues().forEach(f -> uninterrupted.put(id(f), f.getFeatures()));
        }
        OperatorSubtaskState savepoint;
        int entries;
        int eventTimers;
        int processingTimers;
        try (var harness = harness(from, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            harness.open();
            harness.setProcessingTime(0);
            beforeTheSwitch(harness);
            assertThat(ids(harness.extractOutputValues())).containsExactly("b1", "t1");
            entries = StateBackends.keyedStateEntries(harness);
            eventTimers = harness.numEventTimeTimers();
            processingTimers = harness.numProcessingTimeTimers();
            assertThat(entries)
                    .as("two entity states, a's waiting event and their count")
                    .isEqualTo(4);
            assertThat(eventTimers).as("two expiries and t2's release").isEqualTo(3);
            assertThat(processingTimers).as("a maximum-wait check per key").isEqualTo(2);
            savepoint =
                    harness.snapshotWithLocalState(
                                    1L,
                                    30_000,
                                    SavepointType.savepoint(SavepointFormatType.CANONICAL))
                            .getJobManagerOwnedState();
        }
        try (var restored = harness(to, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            restored.setProcessingTime(0);
            restored.initializeState(savepoint);
            restored.open();
            assertThat(StateBackends.keyedStateEntries(restored)).isEqualTo(entries);
            assertThat(restored.numEventTimeTimers()).isEqualTo(eventTimers);
            assertThat(restored.numProcessingTimeTimers()).isEqualTo(processingTimers);
            restored.processElement(event("t3", "a", 30_000, 3), 30_000);
            restored.processWatermark(Long.MAX_VALUE);
            List<FeaturedTransaction> out = restored.extractOutputValues();
            assertThat(ids(out)).containsExactly("t2", "t3");
            for (FeaturedTransaction f : out) {
                assertThat(f.getFeatures()).as(id(f)).isEqualTo(uninterrupted.get(id(f)));
            }
        }
    }

    /** Entity a aggregated t1 and waits with t2; entity b aggregated b1. */
    private static void beforeTheSwitch(
            KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction>
                    harness)
            throws Exception {
        harness.processElement(event("t2", "a", 20_000, 2), 20_000);
        harness.processElement(event("t1", "a", 10_000, 1), 10_000);
        harness.processElement(event("b1", "b", 5_000, 7), 5_000);
        harness.processWatermark(10_000);
    }

    static Stream<Arguments> backendSwitches() {
        return Stream.of(
                Arguments.of(StateBackends.HEAP, StateBackends.ROCKSDB),
                Arguments.of(StateBackends.ROCKSDB, StateBackends.HEAP));
    }

    static Stream<Arguments> backendsAndOrderings() {
        return StateBackends.crossedWith((Object[]) FeatureOrdering.values());
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void anEventWaitingAtTheOldExpiryTimeIsStillReleased(StateBackends backend) throws Exception {
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED)) {
            harness.open();
            harness.processElement(event("x", "a", 1_000, 1), 1_000);
            harness.processWatermark(1_000); // x aggregated: expiry timer at 1 000 + TTL (1 h)
            harness.processElement(event("y", "a", 1_000 + HOUR, 2), 1_000 + HOUR);
            harness.processElement(event("z", "a", 2_000, 3), 2_000);
            harness.processWatermark(2_000); // z moves the expiry; y's timer must stay
            harness.processWatermark(1_000 + HOUR);
            assertThat(ids(harness.extractOutputValues())).containsExactly("x", "z", "y");
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void eventsWaitingForAStoppedWatermarkAreReleasedInOrderAfterTheMaximumWait(
            StateBackends backend) throws Exception {
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processWatermark(10_000);
            harness.processElement(event("b", "a", 30_000, 2), 30_000);
            harness.processElement(event("a", "a", 20_000, 1), 20_000);
            harness.setProcessingTime(4_999);
            assertThat(harness.extractOutputValues()).isEmpty();
            // The input went quiet: nothing moves the watermark past the two payments.
            harness.setProcessingTime(6_000);
            List<FeaturedTransaction> out = harness.extractOutputValues();
            assertThat(ids(out)).containsExactly("a", "b");
            assertThat(out.get(1).getFeatures()).containsExactly(2.0, 3.0, 10.0);
            // Their event-time timers find nothing left to release.
            harness.processWatermark(40_000);
            assertThat(harness.extractOutputValues()).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aMovingWatermarkKeepsTheEventTimeOrderBeyondTheMaximumWait(StateBackends backend)
            throws Exception {
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processWatermark(10_000);
            harness.processElement(event("waiting", "a", 20_000, 1), 20_000);
            harness.setProcessingTime(4_000);
            harness.processWatermark(11_000);
            harness.processElement(
                    event("other", "b", 12_000, 1), 12_000); // traffic: the watermark moves
            harness.setProcessingTime(8_000);
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.processWatermark(20_000);
            harness.setProcessingTime(20_000);
            assertThat(ids(harness.extractOutputValues())).containsExactly("other", "waiting");
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aKeyWithEventsWaitingIsCheckedAgainUntilTheWatermarkStallsAndThenNoMore(
            StateBackends backend) throws Exception {
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processWatermark(10_000);
            harness.processElement(event("waiting", "a", 20_000, 1), 20_000);
            harness.setProcessingTime(4_000);
            harness.processWatermark(11_000);
            harness.processElement(event("other", "b", 12_000, 1), 12_000);
            // The check of "a" at 6 s finds the watermark moved 2 s before and events waiting:
            // it checks again at 10 s.
            harness.setProcessingTime(6_000);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(2);
            harness.setProcessingTime(9_999);
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.setProcessingTime(10_000);
            assertThat(ids(harness.extractOutputValues()))
                    .containsExactlyInAnyOrder("waiting", "other");
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aKeyWhoseEventsTheWatermarkReleasedIsNotCheckedAgain(StateBackends backend)
            throws Exception {
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processWatermark(10_000);
            harness.processElement(event("a1", "a", 20_000, 1), 20_000);
            harness.processElement(event("a2", "a", 21_000, 1), 21_000);
            harness.setProcessingTime(3_000);
            harness.processWatermark(25_000);
            assertThat(ids(harness.extractOutputValues())).containsExactly("a1", "a2");
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
            // The check at 6 s: the watermark moved 3 s before, and nothing waits any more.
            harness.setProcessingTime(6_000);
            assertThat(harness.numProcessingTimeTimers()).isZero();
            assertThat(harness.extractOutputValues()).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void aSnapshotWithWaitingEventsRestoresIntoEitherMode(StateBackends backend) throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            harness.open();
            harness.setProcessingTime(0);
            harness.processWatermark(10_000);
            harness.processElement(event("t2", "a", 20_000, 2), 20_000);
            harness.processElement(event("t1", "a", 15_000, 1), 15_000);
            snapshot = harness.snapshot(1L, 1_000);
        }
        try (var ordered = harness(backend, ACCOUNT, FeatureOrdering.ORDERED, 5_000)) {
            ordered.initializeState(snapshot);
            ordered.open();
            // The restored check is long overdue; the stalled watermark is timed from the restore.
            ordered.setProcessingTime(100_000);
            assertThat(ordered.extractOutputValues()).isEmpty();
            ordered.setProcessingTime(106_000);
            assertThat(ids(ordered.extractOutputValues())).containsExactly("t1", "t2");
        }
        try (var arrival = harness(backend, ACCOUNT, FeatureOrdering.ARRIVAL)) {
            arrival.initializeState(snapshot);
            arrival.open();
            arrival.processWatermark(30_000);
            assertThat(ids(arrival.extractOutputValues())).containsExactly("t1", "t2");
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void theBatchBackfillReplaysEachKeyInEventTimeOrder(StateBackends backend) throws Exception {
        try (var harness = harness(backend, ACCOUNT, FeatureOrdering.ORDERED)) {
            harness.open();
            harness.processElement(new StreamRecord<>(event("t2", "a", 20_000, 2), 20_000));
            harness.processElement(new StreamRecord<>(event("t1", "a", 10_000, 1), 10_000));
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.processWatermark(Long.MAX_VALUE);
            List<FeaturedTransaction> out = harness.extractOutputValues();
            assertThat(ids(out)).containsExactly("t1", "t2");
            assertThat(out.get(1).getFeatures()).containsExactly(2.0, 3.0, 10.0);
        }
    }

    private static long time(FeaturedTransaction f) {
        return f.getTransaction().getEventTime().toEpochMilli();
    }

    private static List<String> ids(List<FeaturedTransaction> out) {
        return out.stream().map(EntityFeatureStageTest::id).toList();
    }

    private static String id(FeaturedTransaction f) {
        return f.getTransaction().getTransactionId().toString();
    }

    private static FeaturedTransaction event(String id, String account, long time, long amount) {
        return FeatureVectors.start(TestRecords.txn(id, account, time, amount), "v");
    }

    /** The ordered stage of entity number {@code index} of {@code set}, keyed by account. */
    private static KeyedOneInputStreamOperatorTestHarness<
                    String, FeaturedTransaction, FeaturedTransaction>
            stage(StateBackends backend, FeatureSet set, int index) throws Exception {
        return backend.keyed(
                new KeyedProcessOperator<>(
                        new EntityFeatureStage(
                                set.entities().get(index),
                                FeatureOrdering.ORDERED,
                                0,
                                VectorVersions.of(set, index))),
                f -> f.getTransaction().getAccountId(),
                Types.STRING);
    }

    private static KeyedOneInputStreamOperatorTestHarness<
                    String, FeaturedTransaction, FeaturedTransaction>
            harness(StateBackends backend, EntitySpec spec, FeatureOrdering ordering)
                    throws Exception {
        return harness(backend, spec, ordering, 0);
    }

    private static KeyedOneInputStreamOperatorTestHarness<
                    String, FeaturedTransaction, FeaturedTransaction>
            harness(
                    StateBackends backend,
                    EntitySpec spec,
                    FeatureOrdering ordering,
                    long maxWaitMillis)
                    throws Exception {
        return backend.keyed(
                new KeyedProcessOperator<>(new EntityFeatureStage(spec, ordering, maxWaitMillis)),
                f -> f.getTransaction().getAccountId(),
                Types.STRING);
    }
}
