package dev.weir.models.fairness;

/**
 * The fairness figures of one segment value. Rates are null where undefined (no fraud for the TPR,
 * no legitimate row for the FPR); the ratio and the difference are null for a value with too few
 * rows or frauds, or when the reference value approves nothing.
 *
 * @param value the value's key ({@code null} for a missing value, {@code (other)} for the pooled
 *     rest)
 * @param rows rows of the value
 * @param positives frauds among them
 * @param declines rows declined (score at or above the model's threshold)
 * @param declinedPositives frauds declined
 * @param declineRate declines / rows
 * @param tpr declined frauds / frauds
 * @param fpr declined legitimate rows / legitimate rows
 * @param disparateImpact approval rate of the value / approval rate of the attribute's approval
 *     reference
 * @param equalOpportunityDifference TPR of the value - TPR of the attribute's TPR reference
 * @param flagged the disparate-impact ratio is below the minimum
 */
public record GroupFairness(
        String value,
        long rows,
        long positives,
        long declines,
        long declinedPositives,
        Double declineRate,
        Double tpr,
        Double fpr,
        Double disparateImpact,
        Double equalOpportunityDifference,
        boolean flagged) {}
