package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.features.AccountFeatureStage;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.AccountWindow;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class AccountFeatureStageTest {

    private static final long HOUR = AccountWindow.PANES * AccountWindow.PANE_MILLIS;

    @Test
    void stateAndTimerAreDroppedOnceTheHourHoldsNothing() throws Exception {
        try (var harness = harness()) {
            harness.open();
            harness.processElement(TestRecords.txn("t1", "a", 1_000, 100), 1_000);
            harness.processElement(TestRecords.txn("t2", "a", 2_000, 100), 2_000);
            harness.processElement(TestRecords.txn("t3", "b", 3_000, 100), 3_000);
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
    void snapshotAndRestoreContinueTheWindowExactly() throws Exception {
        OperatorSubtaskState snapshot;
        try (var harness = harness()) {
            harness.open();
            harness.processElement(TestRecords.txn("t1", "a", 10_000, 1_000), 10_000);
            harness.processElement(TestRecords.txn("t2", "a", 20_000, 2_000), 20_000);
            snapshot = harness.snapshot(1L, 30_000);
        }
        try (var restored = harness()) {
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(TestRecords.txn("t3", "a", 40_000, 3_000), 40_000);
            List<FeaturedTransaction> out = restored.extractOutputValues();
            assertThat(out).hasSize(1);
            List<Double> f = out.get(0).getFeatures();
            assertThat(f.get(1)).as("count includes the two restored events").isEqualTo(3.0);
            assertThat(f.get(2)).isEqualTo(Math.log1p(60.0));
            assertThat(f.get(3)).as("seconds since t2").isEqualTo(Math.log1p(20.0));
            assertThat(restored.numEventTimeTimers()).isEqualTo(1);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, Transaction, FeaturedTransaction> harness()
            throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new AccountFeatureStage()),
                Transaction::getAccountId,
                Types.STRING);
    }
}
