package dev.weir.models.fairness;

import dev.weir.models.ReferenceProfile;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts per value of one segment attribute (for example {@code country}). A missing value counts
 * under {@link ReferenceProfile.Categorical#NULL}. At most {@code maxTracked} distinct values are
 * counted by name; a value first met once that many are tracked counts under {@link
 * ReferenceProfile.Categorical#OTHER}, which keeps live state bounded whatever the attribute's
 * cardinality ({@link Fairness#evaluate} then keeps the most frequent values of what was tracked).
 */
public final class SegmentCounts {

    private final String attribute;
    private final int maxTracked;
    private final Map<String, GroupCounts> groups = new TreeMap<>();

    public SegmentCounts(String attribute, int maxTracked) {
        if (maxTracked < 1) {
            throw new IllegalArgumentException("maxTracked must be at least 1");
        }
        this.attribute = attribute;
        this.maxTracked = maxTracked;
    }

    /** Counts one row of the value (null when missing). */
    public void add(String value, boolean fraud, boolean declined) {
        group(ReferenceProfile.Categorical.key(value)).add(fraud, declined);
    }

    /** Adds stored or another partial's counts of one value. */
    public void add(String key, GroupCounts counts) {
        group(key).merge(counts);
    }

    public void merge(SegmentCounts other) {
        other.groups.forEach(this::add);
    }

    public String attribute() {
        return attribute;
    }

    public int maxTracked() {
        return maxTracked;
    }

    /** The counts by value key, sorted by key. */
    public Map<String, GroupCounts> groups() {
        return Collections.unmodifiableMap(groups);
    }

    private GroupCounts group(String key) {
        GroupCounts counts = groups.get(key);
        if (counts == null) {
            int named = groups.size() - (groups.containsKey(OTHER) ? 1 : 0);
            String tracked = named >= maxTracked ? OTHER : key;
            counts = groups.computeIfAbsent(tracked, k -> new GroupCounts());
        }
        return counts;
    }

    private static final String OTHER = ReferenceProfile.Categorical.OTHER;
}
