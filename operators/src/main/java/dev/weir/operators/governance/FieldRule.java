package dev.weir.operators.governance;

import java.io.Serializable;
import java.util.Objects;

/**
 * The action on one field.
 *
 * @param keepLast for {@link Action#MASK}, how many trailing characters stay readable; 0 for the
 *     other actions
 */
public record FieldRule(String field, Action action, int keepLast) implements Serializable {

    /** Enough of a card number to tell cards apart with their holder, as on receipts. */
    public static final int DEFAULT_KEEP_LAST = 4;

    public FieldRule {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(action, "action");
        if (keepLast < 0 || (action != Action.MASK && keepLast != 0)) {
            throw new IllegalArgumentException(
                    "keep_last of " + field + " must be 0 or more, and only with mask");
        }
    }

    @Override
    public String toString() {
        return field + ": " + action + (action == Action.MASK ? " keep_last " + keepLast : "");
    }
}
