package dev.weir.operators.features;

import dev.weir.schemas.Transaction;
import dev.weir.state.features.ColdPanes;
import dev.weir.state.features.EntityEngine;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.EntityState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * One entity's keyed state ({@link EntityFeatureStage#STATE_NAME}, {@link
 * EntityFeatureStage#COLD_NAME}) and how one event changes it: the engine's update and the move of
 * the expiry timer. The keyed stage and the savepoint bootstrap ({@code weir bootstrap}) both
 * aggregate through it, so a bootstrapped state is the one the stage would hold after the same
 * events.
 *
 * <pre>{@code
 * EntityAggregation aggregation = new EntityAggregation(spec, getRuntimeContext()); // in open()
 * aggregation.aggregate(txn, eventTime, warming, ctx.timerService(), time -> false);
 * }</pre>
 */
public final class EntityAggregation {

    /** Ties in event time are taken in transaction-id order, so every run takes them alike. */
    public static final Comparator<Transaction> TIES =
            Comparator.comparing(Transaction::getTransactionId);

    /** Whether an event-time timer must stay although the entity's expiry moved away from it. */
    @FunctionalInterface
    public interface TimerInUse {
        boolean test(long time) throws Exception;
    }

    /**
     * Expiry timers fall on a grid of this fraction of the TTL, rounded up: the events of an entity
     * within one step leave its timer where it is instead of deleting one and registering another
     * per event (on RocksDB, two changes of the timer queue), and idle state stays at most a 64th
     * of its TTL longer.
     */
    static final int EXPIRY_STEPS_PER_TTL = 64;

    private final EntityEngine engine;
    private final long expiryStepMillis;
    private final ValueState<EntityState> state;
    private final MapState<Long, byte[]> coldState;
    private final ColdPanes cold;
    private final double[] buffer;

    /** Registers the entity's keyed state in {@code context} (a keyed operator's, in open()). */
    public EntityAggregation(EntitySpec spec, RuntimeContext context) {
        engine = new EntityEngine(spec, Transaction.getClassSchema());
        expiryStepMillis = Math.max(1, spec.effectiveTtl().toMillis() / EXPIRY_STEPS_PER_TTL);
        state = context.getState(EntityFeatureStage.descriptor(spec));
        coldState = context.getMapState(EntityFeatureStage.coldDescriptor());
        cold = new MapStateColdPanes(coldState);
        buffer = new double[engine.width()];
    }

    /**
     * Aggregates {@code txn} into the current key's state, leaves the entity's values after it in
     * {@link #values()} and moves the key's expiry timer when its step changed.
     *
     * @param warming the features still warming up; the engine appends the entity's
     * @param inUse whether a timer at the old expiry must stay
     * @return the key's state after the event
     */
    public EntityState aggregate(
            Transaction txn,
            long eventTime,
            List<String> warming,
            TimerService timers,
            TimerInUse inUse)
            throws Exception {
        EntityState current = state.value();
        long oldExpiry = Long.MIN_VALUE;
        if (current == null) {
            current = engine.newState();
        } else {
            oldExpiry = expiryTimer(current);
        }
        engine.update(current, cold, txn, eventTime, buffer, 0, warming);
        state.update(current);
        long newExpiry = expiryTimer(current);
        if (newExpiry != oldExpiry) {
            if (oldExpiry != Long.MIN_VALUE && !inUse.test(oldExpiry)) {
                timers.deleteEventTimeTimer(oldExpiry);
            }
            timers.registerEventTimeTimer(newExpiry);
        }
        return current;
    }

    /** When the expiry timer of {@code current} fires: its expiry, rounded up to the step. */
    long expiryTimer(EntityState current) {
        long expiry = engine.expiryTime(current);
        long past = Math.floorMod(expiry, expiryStepMillis);
        if (past == 0) {
            return expiry;
        }
        long timer = expiry - past + expiryStepMillis;
        return timer < expiry ? Long.MAX_VALUE : timer;
    }

    /**
     * Registers the current key's expiry timer, if it has state: for a timer that fired before the
     * expiry without being the expiry timer, which may then be missing (the release before set it
     * at the exact expiry, where the next event does not look for it). A no-op when it is there.
     */
    public void keepExpiryTimer(TimerService timers) throws Exception {
        EntityState current = state.value();
        if (current != null) {
            timers.registerEventTimeTimer(expiryTimer(current));
        }
    }

    /**
     * Drops the current key's state when {@code time} has reached its expiry.
     *
     * @return whether it was dropped
     */
    public boolean expire(long time) throws Exception {
        EntityState current = state.value();
        if (current == null || time < engine.expiryTime(current)) {
            return false;
        }
        state.clear();
        if (engine.hasColdPanes(current)) {
            // Only then: on RocksDB, clearing a map state costs an iterator even when empty.
            coldState.clear();
        }
        return true;
    }

    /** The entity's values after the last {@link #aggregate}, overwritten by the next. */
    public double[] values() {
        return buffer;
    }

    /** The entity's key in {@code txn}; null when its key field is null or blank. */
    public String keyOf(Transaction txn) {
        return engine.key(txn);
    }

    /** The values of an event without the entity's key: each feature's default. A new array. */
    public double[] defaults() {
        double[] defaults = new double[engine.width()];
        engine.writeDefaults(defaults, 0);
        return defaults;
    }

    /** The entity's cold panes in the keyed map state of the current key. */
    private static final class MapStateColdPanes implements ColdPanes {
        private final MapState<Long, byte[]> blocks;

        MapStateColdPanes(MapState<Long, byte[]> blocks) {
            this.blocks = blocks;
        }

        @Override
        public byte[] get(long key) {
            try {
                return blocks.get(key);
            } catch (Exception e) {
                throw new FlinkRuntimeException("cannot read cold panes", e);
            }
        }

        @Override
        public void put(long key, byte[] block) {
            try {
                blocks.put(key, block);
            } catch (Exception e) {
                throw new FlinkRuntimeException("cannot write cold panes", e);
            }
        }

        @Override
        public void remove(long key) {
            try {
                blocks.remove(key);
            } catch (Exception e) {
                throw new FlinkRuntimeException("cannot remove cold panes", e);
            }
        }

        @Override
        public Iterable<Long> keys() {
            try {
                List<Long> keys = new ArrayList<>();
                blocks.keys().forEach(keys::add);
                return keys;
            } catch (Exception e) {
                throw new FlinkRuntimeException("cannot list cold panes", e);
            }
        }

        @Override
        public boolean isEmpty() {
            try {
                return blocks.isEmpty();
            } catch (Exception e) {
                throw new FlinkRuntimeException("cannot read cold panes", e);
            }
        }

        @Override
        public void clear() {
            blocks.clear();
        }
    }
}
