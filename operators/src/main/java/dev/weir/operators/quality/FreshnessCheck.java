package dev.weir.operators.quality;

import dev.weir.state.features.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * An event time neither too far behind nor too far ahead of processing time. Either limit may be
 * open. The caller passes processing time in, so replaying old data is the caller's decision (a
 * backfill would fail {@code max_age} for every record).
 */
public final class FreshnessCheck implements Check {

    private static final long serialVersionUID = 1L;

    private final Duration maxAge;
    private final Duration maxFuture;
    private final long maxAgeMillis;
    private final long maxFutureMillis;
    private final String ageLimit;
    private final String futureLimit;

    /**
     * @param maxAge null for no lower limit; likewise {@code maxFuture}
     */
    FreshnessCheck(Duration maxAge, Duration maxFuture) {
        if (maxAge == null && maxFuture == null) {
            throw new IllegalArgumentException("freshness needs max_age, max_future or both");
        }
        this.maxAge = maxAge;
        this.maxFuture = maxFuture;
        this.maxAgeMillis = maxAge == null ? Long.MAX_VALUE : maxAge.toMillis();
        this.maxFutureMillis = maxFuture == null ? Long.MAX_VALUE : maxFuture.toMillis();
        this.ageLimit = " before processing time (max_age " + format(maxAge) + ")";
        this.futureLimit = " after processing time (max_future " + format(maxFuture) + ")";
    }

    private static String format(Duration limit) {
        return limit == null ? "-" : limit.isZero() ? "0s" : Durations.format(limit);
    }

    public Optional<Duration> maxAge() {
        return Optional.ofNullable(maxAge);
    }

    public Optional<Duration> maxFuture() {
        return Optional.ofNullable(maxFuture);
    }

    @Override
    public String name() {
        return "freshness";
    }

    @Override
    public String failure(Object value, long nowMillis) {
        long eventMillis;
        if (value instanceof Instant instant) {
            eventMillis = instant.toEpochMilli();
        } else if (value instanceof Long millis) {
            eventMillis = millis; // a generic record keeps timestamp-millis as a plain long
        } else if (value == null) {
            return null;
        } else {
            return "not a timestamp";
        }
        long behind = behind(nowMillis, eventMillis);
        if (behind > maxAgeMillis) {
            return "event time " + Elapsed.format(behind) + ageLimit;
        }
        if (behind < -maxFutureMillis) {
            return "event time " + Elapsed.format(-behind) + futureLimit;
        }
        return null;
    }

    /** now - event, saturated: a wild event time must not wrap around into a plausible one. */
    private static long behind(long nowMillis, long eventMillis) {
        long behind = nowMillis - eventMillis;
        if (((nowMillis ^ eventMillis) & (nowMillis ^ behind)) < 0) {
            return eventMillis < 0 ? Long.MAX_VALUE : -Long.MAX_VALUE;
        }
        return Math.max(behind, -Long.MAX_VALUE);
    }

    @Override
    public String toString() {
        return "freshness {max_age: " + format(maxAge) + ", max_future: " + format(maxFuture) + "}";
    }
}
