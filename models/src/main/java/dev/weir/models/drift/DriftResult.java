package dev.weir.models.drift;

import java.util.List;

/**
 * How one feature, score or input field's live values in one window compare with the training data.
 * Statistics that do not apply, or have no live values to work on, are NaN.
 *
 * @param name the feature, score or input field
 * @param categorical whether it was compared value by value (categories) rather than by bins
 * @param liveCount live values in the window, nulls included
 * @param referenceCount training rows of the reference
 * @param nullRate share of live values that were null (NaN, or a missing input value)
 * @param psi population stability index over the bins or categories
 * @param ks Kolmogorov-Smirnov distance between the training data's sketch and the live values,
 *     evaluated exactly at up to 200 of the training data's quantiles (numeric only)
 * @param js Jensen-Shannon distance, base 2, over the bins or categories
 * @param chiSquare chi-square statistic of the homogeneity test over the bins or categories
 * @param chiSquareDof its degrees of freedom
 * @param chiSquareP its p-value
 * @param cramersV Cramér's V with both rows weighted alike ({@link Divergences#cramersV})
 * @param drifted whether any rule of {@link DriftThresholds} fired
 * @param warning whether, without drift, PSI reached the warning level on a significant shift
 * @param reasons the rules that fired (or the warning), e.g. "psi 0.412 >= 0.25 (chi-square p
 *     3.1e-12)"
 */
public record DriftResult(
        String name,
        boolean categorical,
        long liveCount,
        long referenceCount,
        double nullRate,
        double psi,
        double ks,
        double js,
        double chiSquare,
        int chiSquareDof,
        double chiSquareP,
        double cramersV,
        boolean drifted,
        boolean warning,
        List<String> reasons) {

    public DriftResult {
        reasons = List.copyOf(reasons);
    }
}
