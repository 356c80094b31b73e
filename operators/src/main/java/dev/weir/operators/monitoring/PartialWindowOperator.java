package dev.weir.operators.monitoring;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.MonitoringPartial;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Stage one of monitoring: summarises the records of each tumbling event-time window on the subtask
 * that sees them, without a shuffle, and emits one partial per window and model version once the
 * watermark has passed the window's end (plus the allowed lateness). Stage two, {@link
 * WindowReporter}, merges the partials of all subtasks.
 *
 * <p>Open windows live in operator list state: on restore, and on rescaling, each partial lands on
 * some subtask and merges with whatever else that subtask holds for the window, which is correct
 * because aggregates merge. A record for a window already emitted is counted as late ({@value
 * #LATE_RECORDS}) and ignored, or, for specs that must count every record, counted in the earliest
 * window still open.
 */
public class PartialWindowOperator<IN, A extends WindowAggregate<A>>
        extends AbstractStreamOperator<MonitoringPartial>
        implements OneInputStreamOperator<IN, MonitoringPartial> {

    private static final long serialVersionUID = 1L;

    public static final String LATE_RECORDS = "monitoringLateRecords";

    private static final ListStateDescriptor<MonitoringPartial> OPEN_WINDOWS =
            new ListStateDescriptor<>("open-windows", WeirTypes.MONITORING_PARTIAL);

    private final MonitorSpec<IN, A> spec;
    private final long windowMillis;
    private final long latenessMillis;

    private transient Map<WindowKey, A> open;
    private transient ListState<MonitoringPartial> state;
    private transient Counter late;
    private transient long watermark;

    public PartialWindowOperator(MonitorSpec<IN, A> spec, long windowMillis, long latenessMillis) {
        if (windowMillis <= 0 || latenessMillis < 0) {
            throw new IllegalArgumentException("window must be positive and lateness not negative");
        }
        this.spec = spec;
        this.windowMillis = windowMillis;
        this.latenessMillis = latenessMillis;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        open = new HashMap<>();
        state = context.getOperatorStateStore().getListState(OPEN_WINDOWS);
        for (MonitoringPartial partial : state.get()) {
            WindowKey key = keyOf(partial);
            A restored = spec.decode(bytes(partial.getPayload()));
            A existing = open.get(key);
            if (existing == null) {
                open.put(key, restored);
            } else {
                existing.merge(restored);
            }
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        spec.open(getMetricGroup());
        late = getMetricGroup().counter(LATE_RECORDS);
        watermark = Long.MIN_VALUE;
    }

    @Override
    public void processElement(StreamRecord<IN> element) {
        IN record = element.getValue();
        if (!spec.accepts(record)) {
            return;
        }
        long time = spec.timeOf(record);
        long start = Math.floorDiv(time, windowMillis) * windowMillis;
        long end = start + windowMillis;
        if (closes(end) <= watermark) {
            late.inc();
            if (!spec.countsLateInOpenWindow() || watermark == Long.MAX_VALUE) {
                return;
            }
            // The earliest window still open: the one holding watermark - lateness + 1.
            start = Math.floorDiv(watermark - latenessMillis + 1, windowMillis) * windowMillis;
            end = start + windowMillis;
        }
        String name = spec.modelName(record);
        String version = spec.modelVersion(record);
        A aggregate =
                open.computeIfAbsent(
                        new WindowKey(start, end, name, version), k -> spec.create(name, version));
        spec.add(aggregate, record);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // Partials go out before the watermark, so stage two has them all when its timer fires.
        Iterator<Map.Entry<WindowKey, A>> it = open.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<WindowKey, A> entry = it.next();
            WindowKey key = entry.getKey();
            if (closes(key.end()) <= mark.getTimestamp()) {
                output.collect(
                        new StreamRecord<>(partial(key, entry.getValue()), closes(key.end())));
                it.remove();
            }
        }
        watermark = mark.getTimestamp();
        super.processWatermark(mark);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.clear();
        for (Map.Entry<WindowKey, A> entry : open.entrySet()) {
            state.add(partial(entry.getKey(), entry.getValue()));
        }
    }

    /** The last event-time millisecond the window waits for. */
    private long closes(long end) {
        return end + latenessMillis - 1;
    }

    private MonitoringPartial partial(WindowKey key, A aggregate) {
        return MonitoringPartial.newBuilder()
                .setKind(spec.kind())
                .setWindowStart(key.start())
                .setWindowEnd(key.end())
                .setModelName(key.modelName())
                .setModelVersion(key.modelVersion())
                .setPayload(ByteBuffer.wrap(aggregate.toBytes()))
                .build();
    }

    static WindowKey keyOf(MonitoringPartial partial) {
        return new WindowKey(
                partial.getWindowStart(),
                partial.getWindowEnd(),
                partial.getModelName(),
                partial.getModelVersion());
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
