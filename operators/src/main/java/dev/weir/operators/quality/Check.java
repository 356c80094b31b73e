package dev.weir.operators.quality;

import java.io.Serializable;

/**
 * One test of one field's value. Implementations are immutable and precompute what they can,
 * because they run on every record.
 */
public sealed interface Check extends Serializable
        permits RequiredCheck,
                RangeCheck,
                AllowedCheck,
                PatternCheck,
                MaxLengthCheck,
                FreshnessCheck,
                DuplicateCheck {

    /** The last part of the rule name: {@code amount_minor.range}. */
    String name();

    /**
     * Why {@code value} fails, or null when it passes. The reason never contains the value: it may
     * be personal data and reasons end up in dead letters and logs.
     *
     * @param nowMillis processing time, for checks relative to now
     */
    String failure(Object value, long nowMillis);
}
