package dev.weir.operators.features;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntityEngine;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.EntityState;
import dev.weir.state.features.EntityStateSerializer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One entity's features in keyed state (key: the entity's key field). Per event: one state read,
 * one state write, the engine's O(1) update, and the values appended to the event's vector. An
 * event-time timer drops the state once the entity has been idle for its TTL.
 */
public class EntityFeatureStage extends KeyedProcessFunction<String, FeaturedTransaction, FeaturedTransaction> {

    private static final long serialVersionUID = 1L;

    /** Events too far behind their entity's newest event to be aggregated. */
    public static final OutputTag<FeaturedTransaction> LATE =
            new OutputTag<>("late-events", WeirTypes.FEATURED_TRANSACTION);

    /** Name of the keyed state; one per stage, so it never changes. */
    public static final String STATE_NAME = "entity-features";

    public static final String METRIC_GROUP = "weir";
    public static final String EVENTS = "featureEvents";
    public static final String LATE_EVENTS = "lateEvents";
    public static final String WARMING_EVENTS = "eventsWithWarmingFeatures";
    public static final String STATES_EXPIRED = "entityStatesExpired";

    /** Buffer of one key's events in BATCH mode, replayed in event-time order. */
    public static final String BATCH_BUFFER = "batch-buffer";

    private final EntitySpec spec;
    private final boolean batch;

    private transient EntityEngine engine;
    private transient ListState<FeaturedTransaction> buffered;
    private transient ValueState<EntityState> state;
    private transient double[] buffer;
    private transient Counter events;
    private transient Counter late;
    private transient Counter warmingEvents;
    private transient Counter expired;

    public EntityFeatureStage(EntitySpec spec) {
        this(spec, false);
    }

    /**
     * @param batch for BATCH execution, where Flink groups each key's events but does not order
     *     them by time: the stage buffers a key's events and replays them in event-time order
     *     (ties in arrival order) when the key's input ends, so values equal the in-order stream's
     */
    public EntityFeatureStage(EntitySpec spec, boolean batch) {
        this.spec = spec;
        this.batch = batch;
    }

    /** The state descriptor, for the State Processor API and tests. */
    public static ValueStateDescriptor<EntityState> descriptor(EntitySpec spec) {
        return new ValueStateDescriptor<>(STATE_NAME, new EntityStateSerializer(spec, Transaction.getClassSchema()));
    }

    @Override
    public void open(OpenContext openContext) {
        engine = new EntityEngine(spec, Transaction.getClassSchema());
        state = getRuntimeContext().getState(descriptor(spec));
        buffer = new double[engine.width()];
        if (batch) {
            buffered = getRuntimeContext().getListState(
                    new ListStateDescriptor<>(BATCH_BUFFER, WeirTypes.FEATURED_TRANSACTION));
        }
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        events = group.counter(EVENTS);
        late = group.counter(LATE_EVENTS);
        warmingEvents = group.counter(WARMING_EVENTS);
        expired = group.counter(STATES_EXPIRED);
    }

    @Override
    public void processElement(FeaturedTransaction in, Context ctx, Collector<FeaturedTransaction> out) throws Exception {
        if (batch) {
            buffered.add(in);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
            return;
        }
        process(in, ctx, out);
    }

    private void process(FeaturedTransaction in, Context ctx, Collector<FeaturedTransaction> out) throws Exception {
        Transaction txn = in.getTransaction();
        long eventTime = txn.getEventTime().toEpochMilli();
        EntityState current = state.value();
        long oldExpiry = Long.MIN_VALUE;
        if (current == null) {
            current = engine.newState();
        } else {
            oldExpiry = engine.expiryTime(current);
        }
        List<String> warming = new ArrayList<>(in.getWarming());
        int warmingBefore = warming.size();
        if (engine.update(current, txn, eventTime, buffer, 0, warming) == EntityEngine.Outcome.TOO_LATE) {
            late.inc();
            ctx.output(LATE, in);
            return;
        }
        state.update(current);
        long newExpiry = engine.expiryTime(current);
        if (!batch && newExpiry != oldExpiry) {
            if (oldExpiry != Long.MIN_VALUE) {
                ctx.timerService().deleteEventTimeTimer(oldExpiry);
            }
            ctx.timerService().registerEventTimeTimer(newExpiry);
        }
        events.inc();
        if (warming.size() > warmingBefore) {
            warmingEvents.inc();
        }
        out.collect(FeatureVectors.append(in, buffer, warming));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FeaturedTransaction> out) throws Exception {
        if (batch) {
            List<FeaturedTransaction> events = new ArrayList<>();
            buffered.get().forEach(events::add);
            buffered.clear();
            // List.sort is stable: equal event times keep their arrival order.
            events.sort(java.util.Comparator.comparingLong(e -> e.getTransaction().getEventTime().toEpochMilli()));
            for (FeaturedTransaction event : events) {
                process(event, ctx, out);
            }
            return;
        }
        EntityState current = state.value();
        if (current != null && timestamp >= engine.expiryTime(current)) {
            state.clear();
            expired.inc();
        }
    }
}
