package dev.weir.operators.quality;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A number within inclusive bounds, either of which may be open. Whole-number fields compare as
 * longs so that bounds beyond 2^53 stay exact; the parser only gives them whole bounds.
 */
public final class RangeCheck implements Check {

    private static final long serialVersionUID = 1L;

    private final BigDecimal min;
    private final BigDecimal max;
    private final long minLong;
    private final long maxLong;
    private final double minDouble;
    private final double maxDouble;
    private final String belowMin;
    private final String aboveMax;

    /**
     * @param min inclusive lower bound, or null for none; likewise {@code max}
     */
    RangeCheck(BigDecimal min, BigDecimal max) {
        if (min == null && max == null) {
            throw new IllegalArgumentException("a range needs min, max or both");
        }
        this.min = min;
        this.max = max;
        this.minLong =
                min == null ? Long.MIN_VALUE : clampToLong(min.setScale(0, RoundingMode.CEILING));
        this.maxLong =
                max == null ? Long.MAX_VALUE : clampToLong(max.setScale(0, RoundingMode.FLOOR));
        this.minDouble = min == null ? Double.NEGATIVE_INFINITY : min.doubleValue();
        this.maxDouble = max == null ? Double.POSITIVE_INFINITY : max.doubleValue();
        this.belowMin = min == null ? null : "value below min " + min.toPlainString();
        this.aboveMax = max == null ? null : "value above max " + max.toPlainString();
    }

    private static long clampToLong(BigDecimal whole) {
        if (whole.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            return Long.MAX_VALUE;
        }
        return whole.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0
                ? Long.MIN_VALUE
                : whole.longValue();
    }

    @Override
    public String name() {
        return "range";
    }

    @Override
    public String failure(Object value, long nowMillis) {
        if (value instanceof Long || value instanceof Integer) {
            long v = ((Number) value).longValue();
            return v < minLong ? belowMin : v > maxLong ? aboveMax : null;
        }
        if (value instanceof Number n) {
            double v = n.doubleValue();
            if (Double.isNaN(v)) {
                return "value is not a number";
            }
            return v < minDouble ? belowMin : v > maxDouble ? aboveMax : null;
        }
        return null; // null passes; only 'required' rejects a missing value
    }

    @Override
    public String toString() {
        return "range {min: "
                + (min == null ? "-" : min.toPlainString())
                + ", max: "
                + (max == null ? "-" : max.toPlainString())
                + "}";
    }
}
