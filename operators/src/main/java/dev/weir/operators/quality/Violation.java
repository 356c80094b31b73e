package dev.weir.operators.quality;

import java.util.Objects;

/**
 * A failed rule.
 *
 * @param detail why, without the value: "value above max 100000000"
 */
public record Violation(String rule, String detail) {

    public Violation {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(detail, "detail");
    }

    /** "amount_minor.range: value above max 100000000", for dead-letter reasons and logs. */
    public String reason() {
        return rule + ": " + detail;
    }
}
