package dev.weir.operators.features;

/**
 * When an entity stage aggregates an event. Both judge lateness by the watermark: an event more
 * than its entity's allowed lateness behind the watermark goes to the late-events output.
 */
public enum FeatureOrdering {
    /**
     * Each entity's events are held in keyed state and released in event-time order (ties by
     * transaction id) as the watermark passes them. Values do not depend on arrival order,
     * partitioning or parallelism, and equal the batch backfill's; an event waits for the
     * watermark.
     */
    ORDERED,
    /**
     * Each event is aggregated when it arrives: the lowest latency. An event that arrives after
     * newer events of its entity is added to its own pane, and its values are as of the entity's
     * newest event, so they depend on arrival order.
     */
    ARRIVAL
}
