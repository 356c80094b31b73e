package dev.weir.operators.monitoring;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.MonitoringRecord;
import java.time.Duration;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Wires a {@link MonitorSpec} into a stream: pre-aggregation on each subtask, then merge and
 * report.
 */
public final class Monitors {

    private Monitors() {}

    /**
     * @param uid prefix of the two operators' uids ({@code <uid>-partial}, {@code <uid>-report})
     */
    public static <IN, A extends WindowAggregate<A>> DataStream<MonitoringRecord> aggregate(
            DataStream<IN> input,
            MonitorSpec<IN, A> spec,
            Duration window,
            Duration lateness,
            String uid,
            String name) {
        return input.transform(
                        name + " (per subtask)",
                        WeirTypes.MONITORING_PARTIAL,
                        new PartialWindowOperator<>(spec, window.toMillis(), lateness.toMillis()))
                .uid(uid + "-partial")
                .keyBy(new WindowReporter.PartialKey())
                .process(
                        new WindowReporter<>(spec, lateness.toMillis()),
                        WeirTypes.MONITORING_RECORD)
                .uid(uid + "-report")
                .name(name);
    }
}
