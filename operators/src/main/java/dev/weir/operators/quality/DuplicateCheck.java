package dev.weir.operators.quality;

import dev.weir.state.features.Durations;
import java.time.Duration;

/**
 * A value not seen before within a window of event time ({@code unique_within} in YAML). It needs
 * keyed state, so {@link QualityRules#check} never evaluates it: the Flink operator that keeps the
 * seen values gets it from {@link QualityRules#duplicateRule()}.
 */
public final class DuplicateCheck implements Check {

    private static final long serialVersionUID = 1L;

    private final Duration window;
    private final String seenBefore;

    DuplicateCheck(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("unique_within must be positive");
        }
        this.window = window;
        this.seenBefore = "seen before within " + Durations.format(window);
    }

    public Duration window() {
        return window;
    }

    /** The reason to report for a duplicate. */
    public String detail() {
        return seenBefore;
    }

    @Override
    public String name() {
        return "duplicate";
    }

    /** Always passes: a single record cannot tell whether it is a duplicate. */
    @Override
    public String failure(Object value, long nowMillis) {
        return null;
    }

    @Override
    public String toString() {
        return "unique_within " + Durations.format(window);
    }
}
