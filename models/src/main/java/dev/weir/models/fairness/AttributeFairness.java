package dev.weir.models.fairness;

import java.util.List;

/**
 * Fairness over the values of one segment attribute.
 *
 * @param attribute the attribute (input field) name
 * @param rows rows counted
 * @param approvalReference the value with the highest approval rate among those with at least the
 *     minimum count of rows: the denominator of every disparate-impact ratio (null when none has)
 * @param tprReference the value with the most frauds among those with at least the minimum count of
 *     frauds: what every equal-opportunity difference is taken against (null when none has)
 * @param groups the values, most rows first (ties by value), {@code (other)} last
 */
public record AttributeFairness(
        String attribute,
        long rows,
        String approvalReference,
        String tprReference,
        List<GroupFairness> groups) {

    public AttributeFairness {
        groups = List.copyOf(groups);
    }

    /** The values whose disparate-impact ratio is below the minimum. */
    public List<GroupFairness> flaggedGroups() {
        return groups.stream().filter(GroupFairness::flagged).toList();
    }
}
