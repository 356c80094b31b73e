package dev.weir.models.fairness;

import dev.weir.models.ReferenceProfile;
import java.io.Serializable;
import java.util.HashSet;
import java.util.List;

/**
 * What fairness is evaluated over and how (models/README.md, Fairness).
 *
 * @param attributes the segment attributes, input fields such as {@code country}; empty turns the
 *     evaluation off
 * @param minCount rows a value needs to enter the disparate-impact ratio, and frauds it needs to
 *     enter the equal-opportunity difference; smaller values are reported with their counts only
 * @param maxValues values reported by name per attribute, the most frequent; the rest are pooled as
 *     {@code (other)}
 * @param minDisparateImpact a value whose disparate-impact ratio is below it is flagged (0.8: the
 *     four-fifths rule)
 */
public record FairnessSettings(
        List<String> attributes, int minCount, int maxValues, double minDisparateImpact)
        implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final List<String> DEFAULT_ATTRIBUTES = List.of("country", "channel");
    public static final int DEFAULT_MIN_COUNT = 30;
    public static final int DEFAULT_MAX_VALUES = ReferenceProfile.Categorical.MAX_CATEGORIES;
    public static final double DEFAULT_MIN_DISPARATE_IMPACT = 0.8;

    public FairnessSettings {
        attributes = List.copyOf(attributes);
        if (new HashSet<>(attributes).size() != attributes.size()) {
            throw new IllegalArgumentException("segment attributes repeat: " + attributes);
        }
        if (attributes.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("a segment attribute name is empty");
        }
        if (minCount < 1) {
            throw new IllegalArgumentException("fairness minimum count must be at least 1");
        }
        if (maxValues < 1) {
            throw new IllegalArgumentException("fairness values per attribute must be at least 1");
        }
        if (!(minDisparateImpact > 0 && minDisparateImpact <= 1)) {
            throw new IllegalArgumentException(
                    "minimum disparate impact must be in (0, 1], got " + minDisparateImpact);
        }
    }

    public static FairnessSettings defaults() {
        return new FairnessSettings(
                DEFAULT_ATTRIBUTES,
                DEFAULT_MIN_COUNT,
                DEFAULT_MAX_VALUES,
                DEFAULT_MIN_DISPARATE_IMPACT);
    }

    /** The same settings with another minimum count. */
    public FairnessSettings withMinCount(int other) {
        return new FairnessSettings(attributes, other, maxValues, minDisparateImpact);
    }

    /** The same settings over other attributes. */
    public FairnessSettings withAttributes(List<String> other) {
        return new FairnessSettings(other, minCount, maxValues, minDisparateImpact);
    }
}
