package dev.weir.state.expr;

/**
 * What a {@link CompiledExpression} reads during one evaluation, by the indices of its {@link
 * Slot}s. Implementations hold the current event and values; they are called for every identifier
 * of every evaluation, so they should be plain array reads.
 */
public interface Frame {

    /** The numeric field at this index: NaN when it is absent. */
    double fieldNumber(int field);

    /** The string field at this index: null when it is absent. */
    String fieldText(int field);

    /** The value at this index. */
    double value(int index);
}
