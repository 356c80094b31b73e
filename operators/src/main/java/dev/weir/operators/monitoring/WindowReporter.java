package dev.weir.operators.monitoring;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.MonitoringPartial;
import dev.weir.schemas.MonitoringRecord;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Stage two of monitoring: merges the partials that every stage-one subtask emitted for a window
 * and model version, and reports the window when the watermark says no partial is missing. Keyed by
 * window and model version, so windows spread over the subtasks; state is one merged partial per
 * open key, cleared when the window is reported.
 */
public class WindowReporter<A extends WindowAggregate<A>>
        extends KeyedProcessFunction<String, MonitoringPartial, MonitoringRecord> {

    private static final long serialVersionUID = 1L;

    private static final ValueStateDescriptor<MonitoringPartial> MERGED =
            new ValueStateDescriptor<>("merged-partial", WeirTypes.MONITORING_PARTIAL);

    private final MonitorSpec<?, A> spec;
    private final long latenessMillis;

    private transient ValueState<MonitoringPartial> merged;

    public WindowReporter(MonitorSpec<?, A> spec, long latenessMillis) {
        this.spec = spec;
        this.latenessMillis = latenessMillis;
    }

    /** The key partials are merged under. */
    public static final class PartialKey implements KeySelector<MonitoringPartial, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(MonitoringPartial p) {
            return p.getKind()
                    + "|"
                    + p.getWindowStart()
                    + "|"
                    + p.getModelName()
                    + "|"
                    + p.getModelVersion();
        }
    }

    @Override
    public void open(OpenContext context) {
        merged = getRuntimeContext().getState(MERGED);
        spec.open(getRuntimeContext().getMetricGroup());
    }

    @Override
    public void processElement(
            MonitoringPartial partial, Context ctx, Collector<MonitoringRecord> out)
            throws Exception {
        MonitoringPartial current = merged.value();
        if (current == null) {
            merged.update(partial);
            ctx.timerService().registerEventTimeTimer(partial.getWindowEnd() + latenessMillis - 1);
            return;
        }
        A aggregate = spec.decode(PartialWindowOperator.bytes(current.getPayload()));
        aggregate.merge(spec.decode(PartialWindowOperator.bytes(partial.getPayload())));
        current.setPayload(ByteBuffer.wrap(aggregate.toBytes()));
        merged.update(current);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<MonitoringRecord> out)
            throws Exception {
        MonitoringPartial partial = merged.value();
        if (partial == null) {
            return;
        }
        merged.clear();
        A aggregate = spec.decode(PartialWindowOperator.bytes(partial.getPayload()));
        for (MonitoringRecord record :
                spec.report(PartialWindowOperator.keyOf(partial), aggregate)) {
            out.collect(record);
        }
    }
}
