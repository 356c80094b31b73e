package dev.weir.operators.features;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.EntityState;
import dev.weir.state.features.EntityStateSerializer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One entity's features in keyed state (key: the entity's key field). Per event: one read and one
 * write of the entity's hot state ({@link #STATE_NAME}), the engine's O(1) update, and the values
 * appended to the event's vector; the older panes are in map state ({@link #COLD_NAME}, by block),
 * read and written only when a block of panes leaves or rejoins the hot state (state/README.md). An
 * event-time timer drops both once the entity has been idle for its TTL. An event without the key
 * (its key field null or blank) gets the features' defaults at once and touches no state: it
 * arrives keyed by something else, so that it needs no path of its own around the stage.
 *
 * <p>Lateness is judged by the watermark: an event more than the entity's allowed lateness behind
 * it goes to {@link #LATE}; every other event is aggregated. In {@link FeatureOrdering#ORDERED}
 * mode events wait in keyed state ({@link #PENDING_NAME}, by event time) for an event-time timer at
 * their own time, and timers fire in time order, so each entity sees its events in event-time order
 * (ties by transaction id) whatever order partitions delivered them in. The same code runs the
 * BATCH backfill, where all timers of a key fire at the end of its input.
 *
 * <p>The watermark stops when the input does, and would hold the last events until new ones come.
 * With a maximum wait, a key's waiting events are released in event-time order once the watermark
 * has not moved for that long (processing time); a later event older than them is then out of order
 * (counted in {@link #BEHIND_WATERMARK} terms: aggregated as of the entity's newest event).
 */
public class EntityFeatureStage
        extends KeyedProcessFunction<String, FeaturedTransaction, FeaturedTransaction> {

    private static final long serialVersionUID = 1L;

    /** Events more than the allowed lateness behind the watermark. */
    public static final OutputTag<FeaturedTransaction> LATE =
            new OutputTag<>("late-events", WeirTypes.FEATURED_TRANSACTION);

    /**
     * Events that waited across an upgrade which changed the features of the entities before this
     * one: their vector cannot be completed consistently ({@link VectorVersions}).
     */
    public static final OutputTag<FeaturedTransaction> VECTOR_CHANGED =
            new OutputTag<>("vector-changed-events", WeirTypes.FEATURED_TRANSACTION);

    /**
     * The entity's values after each event it aggregates, and a record without names when its state
     * expires: its latest state, in the order the stage changed it (when the stage publishes them).
     */
    public static final OutputTag<EntityFeatures> ENTITY_FEATURES =
            new OutputTag<>("entity-features", WeirTypes.ENTITY_FEATURES);

    /** Name of the keyed state; one per stage, so it never changes. */
    public static final String STATE_NAME = "entity-features";

    /** Events waiting for the watermark (ordered mode), by event time. */
    public static final String PENDING_NAME = "pending-events";

    /**
     * How many event times have events waiting in {@link #PENDING_NAME}; absent when none. On
     * RocksDB, asking the map state itself whether it is empty seeks past the deletions of every
     * event released since the last compaction, which grows with a busy entity's traffic.
     */
    public static final String PENDING_TIMES_NAME = "pending-times";

    /** The entity's cold panes: encoded blocks by their start in event time. */
    public static final String COLD_NAME = "entity-cold-panes";

    public static final String METRIC_GROUP = "weir";
    public static final String EVENTS = "featureEvents";
    public static final String LATE_EVENTS = "lateEvents";
    public static final String BEHIND_WATERMARK = "eventsBehindWatermark";
    public static final String WARMING_EVENTS = "eventsWithWarmingFeatures";
    public static final String STATES_EXPIRED = "entityStatesExpired";
    public static final String RELEASED_BY_MAX_WAIT = "eventsReleasedByMaxWait";
    public static final String VECTOR_CHANGED_EVENTS = "eventsWithChangedVector";
    public static final String EVENTS_WITHOUT_KEY = "eventsWithoutKey";

    /** Ties in event time are taken in transaction-id order, so every run takes them alike. */
    private static final Comparator<FeaturedTransaction> TIES =
            Comparator.comparing(FeaturedTransaction::getTransaction, EntityAggregation.TIES);

    private final EntitySpec spec;
    private final FeatureOrdering ordering;
    private final long allowedLatenessMillis;
    private final long maxWaitMillis;

    /** Null: the stage neither checks nor restamps versions (single-stage tools and tests). */
    private final VectorVersions versions;

    /** Whether the stage writes {@link #ENTITY_FEATURES}. */
    private final boolean publish;

    private transient List<String> vectorNames;

    private transient EntityAggregation aggregation;
    private transient MapState<Long, List<FeaturedTransaction>> pending;
    private transient ValueState<Integer> pendingTimes;

    /** A timer at the old expiry may also release waiting events of that very time. */
    private transient EntityAggregation.TimerInUse releasesWaiting;

    private transient Counter events;
    private transient Counter late;
    private transient Counter behindWatermark;
    private transient Counter warmingEvents;
    private transient Counter expired;
    private transient Counter releasedByMaxWait;
    private transient Counter vectorChanged;
    private transient Counter withoutKey;

    /** The entity's values for events without its key. */
    private transient double[] defaults;

    /** The last watermark this subtask saw, and when (processing time) it last moved. */
    private transient long watermarkSeen;

    private transient long watermarkMovedAt;

    public EntityFeatureStage(EntitySpec spec, FeatureOrdering ordering) {
        this(spec, ordering, 0);
    }

    /**
     * @param maxWaitMillis in ordered mode, how long (processing time) events may wait for a
     *     watermark that does not move before they are released anyway; 0 waits for the watermark
     */
    public EntityFeatureStage(EntitySpec spec, FeatureOrdering ordering, long maxWaitMillis) {
        this(spec, ordering, maxWaitMillis, null);
    }

    /**
     * @param versions the stage's place in its feature set's vector
     */
    public EntityFeatureStage(
            EntitySpec spec,
            FeatureOrdering ordering,
            long maxWaitMillis,
            VectorVersions versions) {
        this(spec, ordering, maxWaitMillis, versions, false);
    }

    /**
     * @param publish whether to write the entity's latest values to {@link #ENTITY_FEATURES}
     */
    public EntityFeatureStage(
            EntitySpec spec,
            FeatureOrdering ordering,
            long maxWaitMillis,
            VectorVersions versions,
            boolean publish) {
        this.spec = spec;
        this.ordering = ordering;
        this.allowedLatenessMillis = spec.allowedLateness().toMillis();
        this.maxWaitMillis = maxWaitMillis;
        this.versions = versions;
        this.publish = publish;
    }

    /** The state descriptor, for the State Processor API and tests. */
    public static ValueStateDescriptor<EntityState> descriptor(EntitySpec spec) {
        return new ValueStateDescriptor<>(
                STATE_NAME, new EntityStateSerializer(spec, Transaction.getClassSchema()));
    }

    /** The descriptor of the entity's cold panes. */
    public static MapStateDescriptor<Long, byte[]> coldDescriptor() {
        return new MapStateDescriptor<>(
                COLD_NAME, Types.LONG, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    /** The descriptor of the events waiting for the watermark. */
    public static MapStateDescriptor<Long, List<FeaturedTransaction>> pendingDescriptor() {
        return new MapStateDescriptor<>(
                PENDING_NAME, Types.LONG, Types.LIST(WeirTypes.FEATURED_TRANSACTION));
    }

    /** The descriptor of the count of event times with events waiting. */
    public static ValueStateDescriptor<Integer> pendingTimesDescriptor() {
        return new ValueStateDescriptor<>(PENDING_TIMES_NAME, Types.INT);
    }

    @Override
    public void open(OpenContext openContext) {
        aggregation = new EntityAggregation(spec, getRuntimeContext());
        defaults = aggregation.defaults();
        // Registered in both modes: a savepoint taken in the ordered mode may hold waiting events.
        pending = getRuntimeContext().getMapState(pendingDescriptor());
        pendingTimes = getRuntimeContext().getState(pendingTimesDescriptor());
        releasesWaiting = pending::contains;
        vectorNames = spec.vectorNames();
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        events = group.counter(EVENTS);
        late = group.counter(LATE_EVENTS);
        behindWatermark = group.counter(BEHIND_WATERMARK);
        warmingEvents = group.counter(WARMING_EVENTS);
        expired = group.counter(STATES_EXPIRED);
        releasedByMaxWait = group.counter(RELEASED_BY_MAX_WAIT);
        vectorChanged = group.counter(VECTOR_CHANGED_EVENTS);
        withoutKey = group.counter(EVENTS_WITHOUT_KEY);
        watermarkSeen = Long.MIN_VALUE;
        watermarkMovedAt = Long.MIN_VALUE;
    }

    @Override
    public void processElement(
            FeaturedTransaction in, Context ctx, Collector<FeaturedTransaction> out)
            throws Exception {
        if (aggregation.keyOf(in.getTransaction()) == null) {
            // Keyed by something else (FeatureStages keys it by its transaction id): it has no
            // entity, so it gets the defaults at once, in either ordering, and touches no state.
            withoutKey.inc();
            String version = versions == null ? in.getFeatureSetVersion() : versions.output();
            out.collect(FeatureVectors.append(in, defaults, in.getWarming(), version));
            return;
        }
        long eventTime = in.getTransaction().getEventTime().toEpochMilli();
        long watermark = ctx.timerService().currentWatermark();
        observe(watermark, ctx.timerService().currentProcessingTime());
        if (watermark > Long.MIN_VALUE + allowedLatenessMillis
                && eventTime < watermark - allowedLatenessMillis) {
            late.inc();
            ctx.output(LATE, in);
            return;
        }
        if (eventTime <= watermark) {
            // Within the allowed lateness but behind the watermark: newer events of the entity may
            // already be aggregated, so this one is out of order (state/README.md).
            behindWatermark.inc();
        }
        if (ordering == FeatureOrdering.ARRIVAL) {
            aggregate(in, eventTime, ctx, out);
            return;
        }
        List<FeaturedTransaction> waiting = pending.get(eventTime);
        if (waiting == null) {
            waiting = new ArrayList<>(1);
            ctx.timerService().registerEventTimeTimer(eventTime);
            pendingTimes.update(waitingTimes() + 1);
        }
        waiting.add(in);
        pending.put(eventTime, waiting);
        if (maxWaitMillis > 0) {
            checkAfterMaxWait(ctx.timerService().currentProcessingTime(), ctx);
        }
    }

    /** A processing-time check per key and second at the latest: timers of equal time coalesce. */
    private void checkAfterMaxWait(long now, Context ctx) {
        ctx.timerService()
                .registerProcessingTimeTimer((now + maxWaitMillis) / 1_000 * 1_000 + 1_000);
    }

    private void observe(long watermark, long now) {
        if (watermark != watermarkSeen || watermarkMovedAt == Long.MIN_VALUE) {
            watermarkSeen = watermark;
            watermarkMovedAt = now;
        }
    }

    private void aggregate(
            FeaturedTransaction in, long eventTime, Context ctx, Collector<FeaturedTransaction> out)
            throws Exception {
        if (versions != null && !versions.accepts(in)) {
            vectorChanged.inc();
            ctx.output(VECTOR_CHANGED, in);
            return;
        }
        List<String> warming = new ArrayList<>(in.getWarming());
        int warmingBefore = warming.size();
        EntityState current =
                aggregation.aggregate(
                        in.getTransaction(),
                        eventTime,
                        warming,
                        ctx.timerService(),
                        releasesWaiting);
        double[] buffer = aggregation.values();
        events.inc();
        if (warming.size() > warmingBefore) {
            warmingEvents.inc();
        }
        String version = versions == null ? in.getFeatureSetVersion() : versions.output();
        out.collect(FeatureVectors.append(in, buffer, warming, version));
        if (publish) {
            List<Double> values = new ArrayList<>(buffer.length);
            for (double v : buffer) {
                values.add(v);
            }
            ctx.output(
                    ENTITY_FEATURES,
                    new EntityFeatures(
                            spec.name(),
                            ctx.getCurrentKey(),
                            java.time.Instant.ofEpochMilli(current.newestEventTime),
                            in.getTransaction().getTransactionId(),
                            version,
                            vectorNames,
                            values,
                            new ArrayList<>(warming.subList(warmingBefore, warming.size()))));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<FeaturedTransaction> out)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            if (ordering == FeatureOrdering.ORDERED && maxWaitMillis == 0) {
                return; // a check left by a run with a maximum wait; this one has none
            }
            if (watermarkMovedAt == Long.MIN_VALUE) {
                watermarkMovedAt = now; // restored: the watermark gets its maximum wait from here
            }
            if (now - watermarkMovedAt >= maxWaitMillis) {
                releaseAll(ctx, out);
            } else if (waitingTimes() > 0) {
                checkAfterMaxWait(watermarkMovedAt, ctx);
            }
            return;
        }
        observe(ctx.timerService().currentWatermark(), now);
        List<FeaturedTransaction> due = pending.get(timestamp);
        if (due != null) {
            pending.remove(timestamp);
            releasedOneTime();
            due.sort(TIES); // stable: equal ids keep their arrival order
            for (FeaturedTransaction event : due) {
                aggregate(event, timestamp, ctx, out);
            }
        }
        boolean dropped = aggregation.expire(timestamp);
        if (!dropped && due == null) {
            // Neither a release nor the expiry: a timer at the exact expiry, set by the release
            // before, or one whose events the maximum wait released. The expiry timer stays due.
            aggregation.keepExpiryTimer(ctx.timerService());
        }
        if (dropped) {
            expired.inc();
            if (publish) {
                ctx.output(
                        ENTITY_FEATURES,
                        new EntityFeatures(
                                spec.name(),
                                ctx.getCurrentKey(),
                                java.time.Instant.ofEpochMilli(timestamp),
                                "",
                                "",
                                List.of(),
                                List.of(),
                                List.of()));
            }
        }
    }

    /**
     * The event times with events waiting. A key restored from a savepoint of the release before,
     * which did not count them, counts only those since; its events waiting then are still released
     * by their event-time timers and by {@link #releaseAll}, which reads the map state itself.
     */
    private int waitingTimes() throws Exception {
        Integer times = pendingTimes.value();
        return times == null ? 0 : times;
    }

    private void releasedOneTime() throws Exception {
        int left = waitingTimes() - 1;
        if (left > 0) {
            pendingTimes.update(left);
        } else {
            pendingTimes.clear();
        }
    }

    /** The watermark has stalled for the maximum wait: every waiting event of the key, in order. */
    private void releaseAll(OnTimerContext ctx, Collector<FeaturedTransaction> out)
            throws Exception {
        List<Long> times = new ArrayList<>();
        pending.keys().forEach(times::add);
        times.sort(null);
        for (long time : times) {
            List<FeaturedTransaction> due = pending.get(time);
            pending.remove(time);
            due.sort(TIES);
            for (FeaturedTransaction event : due) {
                releasedByMaxWait.inc();
                aggregate(event, time, ctx, out);
            }
            // The event-time timer of this time stays; it finds nothing waiting and only checks
            // expiry.
        }
        pendingTimes.clear();
    }
}
