package dev.weir.jobs.bootstrap;

import dev.weir.schemas.Transaction;
import org.apache.flink.api.common.eventtime.TimestampAssigner;

/**
 * Stamps records with their position in this subtask's output. BATCH mode sorts a keyed input by
 * key and timestamp, and not stably: with event times as timestamps, events of one key at the same
 * millisecond could lose the order {@link InEventTimeOrder} gave them; positions keep it.
 */
final class EmissionOrder implements TimestampAssigner<Transaction> {

    private long next;

    @Override
    public long extractTimestamp(Transaction element, long recordTimestamp) {
        return next++;
    }
}
