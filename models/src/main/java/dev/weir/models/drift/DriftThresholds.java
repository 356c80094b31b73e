package dev.weir.models.drift;

import java.io.Serializable;

/**
 * When a window's live values count as drifted from the training data ({@link DriftStatistics}).
 *
 * <p>Every distribution rule asks for two things: an effect at least this large, so a huge window
 * does not flag a difference too small to matter, and a chi-square (or, for ks, Kolmogorov-Smirnov)
 * test significant at {@code significance}, so a small window does not flag noise. The effect
 * thresholds are set at about the same size of shift: a normal feature whose mean moves by a
 * quarter of a standard deviation has a KS distance of 0.10, a Jensen-Shannon distance of about 0.1
 * and a Cramér's V of about 0.1 over decile bins; PSI 0.25, the conventional "large shift", takes
 * about half a standard deviation.
 *
 * <p>With the {@link #DEFAULTS}, windows of 1,000 values drawn from the training distribution
 * itself (normal, lognormal, a 0/1 flag, a ten-valued input; 500 windows each) are flagged in at
 * most 1% of windows, measured at 0% in {@code DriftFalseAlarmTest}; shifts of half a standard
 * deviation, a threefold scale, a 0/1 share moving from 0.3 to 0.6 and one category growing from 5%
 * to 30% are flagged in every window.
 *
 * @param psiWarn PSI at which a significant shift that fired no alert rule is reported as a warning
 *     (default 0.1, the conventional "moderate shift")
 * @param psiAlert PSI at which a significant shift is drift (default 0.25)
 * @param ksAlert Kolmogorov-Smirnov distance at which a numeric feature has drifted, if it also
 *     exceeds the KS critical value at {@code significance} (default 0.1)
 * @param jsAlert Jensen-Shannon distance (base 2) at which a significant shift of a numeric feature
 *     is drift (default 0.1)
 * @param significance p-value below which a difference counts as real (default 0.001: with one test
 *     per feature and window, one false alarm in a thousand windows at most from this side)
 * @param minCramersV Cramér's V at which a significant shift of a categorical feature or input is
 *     drift (default 0.1, Cohen's "small" effect)
 * @param minSamples live values below which nothing is flagged (default 200); the statistics are
 *     still reported
 * @param nullRateAlert how far a numeric feature's live null (NaN) rate may exceed the training
 *     data's (0) before it is drift (default 0.05)
 */
public record DriftThresholds(
        double psiWarn,
        double psiAlert,
        double ksAlert,
        double jsAlert,
        double significance,
        double minCramersV,
        long minSamples,
        double nullRateAlert)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final DriftThresholds DEFAULTS =
            new DriftThresholds(0.1, 0.25, 0.1, 0.1, 0.001, 0.1, 200, 0.05);

    public DriftThresholds {
        requireRange("psiWarn", psiWarn, 0, psiAlert);
        requireRange("psiAlert", psiAlert, psiWarn, Double.MAX_VALUE);
        requireRange("ksAlert", ksAlert, 0, 1);
        requireRange("jsAlert", jsAlert, 0, 1);
        if (!(significance > 0 && significance < 1)) {
            throw new IllegalArgumentException(
                    "significance must be strictly between 0 and 1, got " + significance);
        }
        requireRange("minCramersV", minCramersV, 0, 1);
        if (minSamples < 1) {
            throw new IllegalArgumentException("minSamples must be at least 1, got " + minSamples);
        }
        requireRange("nullRateAlert", nullRateAlert, 0, 1);
    }

    /** These thresholds with another minimum window size. */
    public DriftThresholds withMinSamples(long samples) {
        return new DriftThresholds(
                psiWarn,
                psiAlert,
                ksAlert,
                jsAlert,
                significance,
                minCramersV,
                samples,
                nullRateAlert);
    }

    private static void requireRange(String name, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(
                    name + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
