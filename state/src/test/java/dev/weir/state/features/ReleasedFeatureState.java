package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * {@link FeatureState} of the release before cold panes, unchanged ({@link ReleasedEntityEngine}).
 *
 * <p>The state one feature keeps for one entity, updated in O(1) amortised per event.
 *
 * <p>{@link #coverageStart} says from when the state has seen every event of the entity: {@link
 * #COMPLETE} for state built from the entity's first event, otherwise the time of the first event
 * after the feature was added or redefined. Until its window has passed since then, the feature is
 * warming up.
 */
public abstract class ReleasedFeatureState implements Cloneable {

    /** The state has seen every event of the entity. */
    public static final long COMPLETE = Long.MIN_VALUE;

    /** Added or redefined on restore; set to the first event's time on the next update. */
    public static final long PENDING = Long.MAX_VALUE;

    public long coverageStart = COMPLETE;

    /**
     * Adds the event when it matches the feature's filter, then writes the feature's value(s) as of
     * {@code asOf} (the entity's newest event time, this one included) into {@code out}.
     *
     * @param number the field's numeric value (NaN when absent)
     * @param text the field's string value (null when absent or numeric)
     */
    public abstract void update(
            long eventTime,
            long asOf,
            boolean matched,
            double number,
            String text,
            double[] out,
            int offset);

    /** Whether the value no longer misses history from before {@link #coverageStart}. */
    public abstract boolean warm(long asOf);

    public abstract void write(DataOutput out) throws IOException;

    /**
     * A deep copy. The heap state backend copies an entity's state before an event changes it while
     * a checkpoint still writes the old one, so this runs once per touched entity and checkpoint:
     * field by field, not through the serialized form.
     */
    public final ReleasedFeatureState copy() {
        try {
            ReleasedFeatureState copy = (ReleasedFeatureState) clone();
            copy.ownMutableParts();
            return copy;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** Gives a fresh shallow clone its own copy of everything an update may change. */
    protected void ownMutableParts() {}

    public abstract void read(DataInput in) throws IOException;
}
