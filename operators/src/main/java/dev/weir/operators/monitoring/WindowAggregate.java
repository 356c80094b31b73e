package dev.weir.operators.monitoring;

/**
 * A mergeable summary of one monitoring kind over one event-time window, kept per subtask and
 * merged across subtasks before it is reported. Its binary form is what checkpoints hold and what
 * travels between the two stages, so it must round-trip exactly and be versioned.
 */
public interface WindowAggregate<A extends WindowAggregate<A>> {

    /** Adds the other aggregate's content to this one. */
    void merge(A other);

    byte[] toBytes();
}
