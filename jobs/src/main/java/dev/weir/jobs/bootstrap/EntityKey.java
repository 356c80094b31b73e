package dev.weir.jobs.bootstrap;

import dev.weir.schemas.Transaction;
import dev.weir.state.features.FieldReader;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * An entity's key field, read as the entity stage reads it (so each key lands in the key group the
 * stage will look it up in); events without one never reach the stage.
 */
final class EntityKey implements KeySelector<Transaction, String>, FilterFunction<Transaction> {

    private static final long serialVersionUID = 1L;

    private final String field;
    private transient FieldReader reader;

    EntityKey(String field) {
        this.field = field;
    }

    @Override
    public String getKey(Transaction txn) {
        if (reader == null) {
            reader = FieldReader.of(Transaction.getClassSchema(), field);
        }
        return reader.key(txn);
    }

    /** Whether the event has the key. */
    @Override
    public boolean filter(Transaction txn) {
        return getKey(txn) != null;
    }
}
