package dev.weir.state.features;

import java.util.Locale;

/** What a feature computes over the events of its entity. */
public enum Aggregation {
    COUNT(false),
    SUM(true),
    MEAN(true),
    MIN(true),
    MAX(true),
    VARIANCE(true),
    STDDEV(true),
    /** Approximate, HyperLogLog (Apache DataSketches); works on any field type. */
    DISTINCT_COUNT(true),
    FIRST(true),
    LAST(true),
    /** The N most recent values, newest first; N features. */
    LAST_N(true),
    /** Seconds since the previous matching event of the entity. */
    TIME_SINCE_PREVIOUS(false),
    /** Exponentially decayed sum with a half-life. */
    DECAYED_SUM(true),
    /** Exponentially decayed mean with a half-life. */
    DECAYED_MEAN(true),
    /** An expression over other features of the entity and fields of the event. */
    DERIVED(false);

    private final boolean needsField;

    Aggregation(boolean needsField) {
        this.needsField = needsField;
    }

    public boolean needsField() {
        return needsField;
    }

    /** Whether the aggregation takes a window (the others run over the entity's lifetime). */
    public boolean windowed() {
        return switch (this) {
            case COUNT, SUM, MEAN, MIN, MAX, VARIANCE, STDDEV, DISTINCT_COUNT, FIRST, LAST -> true;
            default -> false;
        };
    }

    public static Aggregation parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown aggregation '"
                            + name
                            + "' (known: "
                            + java.util.Arrays.toString(values()).toLowerCase(Locale.ROOT)
                            + ")");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
