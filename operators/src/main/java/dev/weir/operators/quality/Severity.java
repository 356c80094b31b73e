package dev.weir.operators.quality;

import java.util.Locale;

/** What a failed rule does to its record. */
public enum Severity {
    /** The record goes to the dead letters. */
    HARD,
    /** The record continues, flagged with the rule's name. */
    SOFT;

    /** {@code hard} or {@code soft}, in any case. */
    static Severity parse(String text) {
        for (Severity s : values()) {
            if (s.name().equalsIgnoreCase(text.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown severity '" + text + "' (known: hard, soft)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
