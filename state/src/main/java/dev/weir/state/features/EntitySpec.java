package dev.weir.state.features;

import dev.weir.state.expr.Expression;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An entity (account, merchant, device, or any key field of the input record) and its features.
 *
 * @param name lower_snake_case; prefixes the entity's feature names in the vector
 * @param keyField the record field whose value keys the entity's state
 * @param features declared features, in vector order
 * @param allowedLateness how far behind the watermark an event may be and still be aggregated;
 *     older ones go to the late-events output
 * @param ttl how long an entity's state lives after its newest event; null: its longest window (at
 *     least the allowed lateness), or 30 days when it only has lifetime features
 */
public record EntitySpec(
        String name,
        String keyField,
        List<FeatureSpec> features,
        Duration allowedLateness,
        Duration ttl)
        implements java.io.Serializable {

    public static final Duration DEFAULT_ALLOWED_LATENESS = Duration.ofHours(1);
    static final Duration LIFETIME_ONLY_TTL = Duration.ofDays(30);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    public EntitySpec {
        Objects.requireNonNull(features, "features");
        features = List.copyOf(features);
        if (allowedLateness == null) {
            allowedLateness = DEFAULT_ALLOWED_LATENESS;
        }
        List<String> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add("name '" + name + "' must be lower_snake_case");
        }
        if (keyField == null || keyField.isBlank()) {
            problems.add("key field is required");
        }
        if (features.isEmpty()) {
            problems.add("declares no feature");
        }
        if (allowedLateness.isNegative()) {
            problems.add("allowed lateness must not be negative");
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            problems.add("ttl must be positive");
        }
        Set<String> seen = new HashSet<>();
        for (FeatureSpec f : features) {
            if (!seen.add(f.name())) {
                problems.add("feature '" + f.name() + "' is declared twice");
            }
            if (f.aggregation() == Aggregation.DERIVED) {
                for (String id : Expression.parse(f.expression()).identifiers()) {
                    if (id.equals(f.name())) {
                        problems.add("derived feature '" + f.name() + "' refers to itself");
                    }
                }
            }
            if (f.filter() != null) {
                Expression.parse(f.filter());
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "entity '" + name + "': " + String.join("; ", problems));
        }
    }

    /** State lifetime after the newest event. */
    public Duration effectiveTtl() {
        if (ttl != null) {
            return ttl;
        }
        Duration longest = null;
        for (FeatureSpec f : features) {
            if (f.window() != null && (longest == null || f.window().compareTo(longest) > 0)) {
                longest = f.window();
            }
        }
        if (longest == null) {
            return LIFETIME_ONLY_TTL;
        }
        return longest.compareTo(allowedLateness) >= 0 ? longest : allowedLateness;
    }

    /**
     * Vector names of this entity's features, {@code entity.feature} (last_n: {@code .1 .. .n}).
     */
    public List<String> vectorNames() {
        List<String> names = new ArrayList<>();
        for (FeatureSpec f : features) {
            if (f.width() == 1) {
                names.add(name + "." + f.name());
            } else {
                for (int i = 1; i <= f.width(); i++) {
                    names.add(name + "." + f.name() + "." + i);
                }
            }
        }
        return names;
    }

    public FeatureSpec feature(String featureName) {
        for (FeatureSpec f : features) {
            if (f.name().equals(featureName)) {
                return f;
            }
        }
        return null;
    }
}
