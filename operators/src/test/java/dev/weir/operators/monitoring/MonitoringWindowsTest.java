package dev.weir.operators.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.StateBackends;
import dev.weir.operators.TestRecords;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringPartial;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Transaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The two monitoring stages, with quality counts as the aggregate. */
class MonitoringWindowsTest {

    private static final long WINDOW = 10_000;
    private static final Map<String, String> RULES =
            new LinkedHashMap<>(Map.of("amount_minor.range", "hard"));

    @Test
    void partialsLeaveWhenTheWatermarkPassesTheWindowAndSurviveRestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = partials()) {
            h.open();
            h.processElement(flagged("t1", 1_000, true), 1_000);
            h.processElement(flagged("t2", 2_000, false), 2_000);
            h.processElement(flagged("t3", 12_000, true), 12_000);
            h.processWatermark(9_998);
            assertThat(h.extractOutputValues()).isEmpty();
            snapshot = h.snapshot(1, 10_000);
        }
        try (var h = partials()) {
            h.initializeState(snapshot);
            h.open();
            h.processWatermark(9_999);
            List<MonitoringPartial> out = h.extractOutputValues();
            assertThat(out)
                    .singleElement()
                    .satisfies(
                            p -> {
                                assertThat(p.getWindowStart()).isEqualTo(0);
                                assertThat(p.getWindowEnd()).isEqualTo(WINDOW);
                                QualityMonitor.Counts counts =
                                        QualityMonitor.Counts.fromBytes(
                                                PartialWindowOperator.bytes(p.getPayload()));
                                assertThat(counts.checked()).isEqualTo(2);
                                assertThat(counts.failed("amount_minor.range")).isEqualTo(1);
                            });
            // A record for the reported window is late; quality counts it in the open window
            // instead.
            h.processElement(flagged("t4", 3_000, true), 3_000);
            h.processWatermark(Long.MAX_VALUE);
            List<MonitoringPartial> all = h.extractOutputValues();
            assertThat(all).hasSize(2);
            QualityMonitor.Counts second =
                    QualityMonitor.Counts.fromBytes(
                            PartialWindowOperator.bytes(all.get(1).getPayload()));
            assertThat(all.get(1).getWindowStart()).isEqualTo(WINDOW);
            assertThat(second.checked()).isEqualTo(2);
            assertThat(second.failed("amount_minor.range")).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(StateBackends.class)
    void reporterMergesEverySubtasksPartialAndClearsItsState(StateBackends backend)
            throws Exception {
        List<MonitoringPartial> fromSubtasks = new ArrayList<>();
        for (int subtask = 0; subtask < 3; subtask++) {
            try (var h = partials()) {
                h.open();
                for (int i = 0; i <= subtask; i++) {
                    h.processElement(flagged("s" + subtask + "-" + i, 5_000, i == 0), 5_000);
                }
                h.processWatermark(Long.MAX_VALUE);
                fromSubtasks.addAll(h.extractOutputValues());
            }
        }
        try (var h =
                backend.keyed(
                        new KeyedProcessOperator<>(
                                new WindowReporter<>(new QualityMonitor(RULES), 0)),
                        new WindowReporter.PartialKey(),
                        Types.STRING)) {
            h.open();
            for (MonitoringPartial p : fromSubtasks) {
                h.processElement(p, WINDOW - 1);
            }
            h.processWatermark(WINDOW - 2);
            assertThat(h.extractOutputValues()).isEmpty();
            h.processWatermark(WINDOW - 1);
            List<MonitoringRecord> out = h.extractOutputValues();
            assertThat(out)
                    .singleElement()
                    .satisfies(
                            r -> {
                                assertThat(r.getKind()).isEqualTo(MonitoringKind.QUALITY);
                                assertThat(r.getSubject()).isEqualTo("amount_minor.range");
                                assertThat(r.getValues())
                                        .containsEntry("checked", 6.0)
                                        .containsEntry("failed", 3.0);
                                assertThat(r.getAlert()).isTrue();
                            });
            assertThat(StateBackends.keyedStateEntries(h)).isZero();
        }
    }

    private static OneInputStreamOperatorTestHarness<Transaction, MonitoringPartial> partials()
            throws Exception {
        return new OneInputStreamOperatorTestHarness<>(
                new PartialWindowOperator<>(new QualityMonitor(RULES), WINDOW, 0));
    }

    private static Transaction flagged(String id, long time, boolean failed) {
        Transaction txn = TestRecords.txn(id, "a", time, 100);
        txn.setQualityFlags(failed ? List.of("amount_minor.range") : List.of());
        return txn;
    }
}
