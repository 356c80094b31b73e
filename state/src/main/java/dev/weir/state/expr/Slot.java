package dev.weir.state.expr;

/**
 * Where a compiled expression reads an identifier, resolved once by a {@link Scope}: a record field
 * (number or string) by the index the scope gave it, or an already computed value by its index. The
 * {@link Frame} of an evaluation answers for these indices.
 *
 * @param kind what is read, and its type
 * @param index the field's or value's index in the frame
 */
public record Slot(Kind kind, int index) {

    /** What a slot reads. */
    public enum Kind {
        /** A numeric record field: {@link Frame#fieldNumber(int)}. */
        NUMBER_FIELD,
        /** A string-valued record field: {@link Frame#fieldText(int)}. */
        TEXT_FIELD,
        /**
         * A number computed before the expression, such as a feature value: {@link
         * Frame#value(int)}.
         */
        VALUE
    }

    public Slot {
        if (kind == null || index < 0) {
            throw new IllegalArgumentException(
                    "a slot needs a kind and an index >= 0, got " + kind + " " + index);
        }
    }

    public static Slot numberField(int index) {
        return new Slot(Kind.NUMBER_FIELD, index);
    }

    public static Slot textField(int index) {
        return new Slot(Kind.TEXT_FIELD, index);
    }

    public static Slot value(int index) {
        return new Slot(Kind.VALUE, index);
    }

    /** Whether the slot holds a string rather than a number. */
    public boolean text() {
        return kind == Kind.TEXT_FIELD;
    }
}
