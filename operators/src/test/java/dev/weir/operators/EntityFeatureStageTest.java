package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.operators.features.FeatureVectors;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.state.features.Aggregation;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSpec;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class EntityFeatureStageTest {

    private static final long HOUR = 3_600_000L;

    private static final EntitySpec ACCOUNT = new EntitySpec("account", "account_id", List.of(
            FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build(),
            FeatureSpec.of("sum_1h", Aggregation.SUM).field("amount_minor").window("1h").build(),
            FeatureSpec.of("since_prev", Aggregation.TIME_SINCE_PREVIOUS).defaultValue(-1).build()),
            Duration.ofMinutes(10), null);

    @Test
    void stateAndTimersAreDroppedOnceTheEntityIsIdleForItsTtl() throws Exception {
        try (var harness = harness(ACCOUNT)) {
            harness.open();
            harness.processElement(event("t1", "a", 1_000, 100), 1_000);
            harness.processElement(event("t2", "a", 2_000, 100), 2_000);
            harness.processElement(event("t3", "b", 3_000, 100), 3_000);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
            assertThat(harness.numEventTimeTimers()).isEqualTo(2);

            harness.processWatermark(2_000 + HOUR - 1);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
            harness.processWatermark(2_000 + HOUR);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
            harness.processWatermark(3_000 + HOUR);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numEventTimeTimers()).isZero();
        }
    }

    @Test
    void snapshotAndRestoreContinueExactly() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(ACCOUNT)) {
            harness.open();
            harness.processElement(event("t1", "a", 10_000, 1_000), 10_000);
            harness.processElement(event("t2", "a", 20_000, 2_000), 20_000);
            snapshot = harness.snapshot(1L, 30_000);
        }
        try (var restored = harness(ACCOUNT)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("t3", "a", 40_000, 3_000), 40_000);
            List<Double> f = restored.extractOutputValues().get(0).getFeatures();
            assertThat(f).containsExactly(3.0, 6_000.0, 20.0);
            assertThat(restored.extractOutputValues().get(0).getWarming()).isEmpty();
            assertThat(restored.numEventTimeTimers()).isEqualTo(1);
        }
    }

    @Test
    void restoringUnderChangedDefinitionsKeepsUnchangedFeaturesAndWarmsUpTheOthers() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness(ACCOUNT)) {
            harness.open();
            harness.processElement(event("t1", "a", 10_000, 1_000), 10_000);
            harness.processElement(event("t2", "a", 20_000, 2_000), 20_000);
            snapshot = harness.snapshot(1L, 30_000);
        }
        EntitySpec changed = new EntitySpec("account", "account_id", List.of(
                FeatureSpec.of("count_1h", Aggregation.COUNT).window("1h").build(),
                FeatureSpec.of("sum_1h", Aggregation.SUM).field("amount_minor").window("2h").build(),
                FeatureSpec.of("max_1h", Aggregation.MAX).field("amount_minor").window("1h").build()),
                Duration.ofMinutes(10), null);
        try (var restored = harness(changed)) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(event("t3", "a", 40_000, 3_000), 40_000);
            FeaturedTransaction out = restored.extractOutputValues().get(0);
            // count kept its two events; sum (window changed) and max (new) start from t3 alone.
            assertThat(out.getFeatures()).containsExactly(3.0, 3_000.0, 3_000.0);
            assertThat(out.getWarming()).containsExactly("account.sum_1h", "account.max_1h");
        }
    }

    @Test
    void eventsBeyondTheAllowedLatenessGoToTheLateOutput() throws Exception {
        try (var harness = harness(ACCOUNT)) {
            harness.open();
            harness.processElement(event("t1", "a", HOUR, 100), HOUR);
            harness.processElement(event("t2", "a", HOUR - 10 * 60_000 - 1, 100), HOUR);
            harness.processElement(event("t3", "a", HOUR - 10 * 60_000, 100), HOUR);
            assertThat(harness.extractOutputValues()).extracting(f -> f.getTransaction().getTransactionId())
                    .containsExactly("t1", "t3");
            assertThat(harness.getSideOutput(EntityFeatureStage.LATE)).extracting(r -> r.getValue().getTransaction().getTransactionId())
                    .containsExactly("t2");
        }
    }

    @Test
    void batchModeReplaysEachKeyInEventTimeOrder() throws Exception {
        try (var harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new EntityFeatureStage(ACCOUNT, true)),
                (FeaturedTransaction f) -> f.getTransaction().getAccountId(), Types.STRING)) {
            harness.open();
            harness.processElement(new StreamRecord<>(event("t2", "a", 20_000, 2), 20_000));
            harness.processElement(new StreamRecord<>(event("t1", "a", 10_000, 1), 10_000));
            assertThat(harness.extractOutputValues()).isEmpty();
            harness.processWatermark(Long.MAX_VALUE);
            List<FeaturedTransaction> out = harness.extractOutputValues();
            assertThat(out).extracting(f -> f.getTransaction().getTransactionId()).containsExactly("t1", "t2");
            assertThat(out.get(1).getFeatures()).containsExactly(2.0, 3.0, 10.0);
        }
    }

    private static FeaturedTransaction event(String id, String account, long time, long amount) {
        return FeatureVectors.start(TestRecords.txn(id, account, time, amount), "v");
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, FeaturedTransaction, FeaturedTransaction> harness(
            EntitySpec spec) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new EntityFeatureStage(spec)),
                f -> f.getTransaction().getAccountId(),
                Types.STRING);
    }
}
