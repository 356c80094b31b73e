package dev.weir.state.features;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One declared feature of an entity.
 *
 * @param name unique within its entity; the vector name is {@code entity.name}
 * @param aggregation what it computes
 * @param field the record field it reads (null for count, time since previous, derived)
 * @param filter an {@link dev.weir.state.expr.Expression} over record fields; only matching events
 *     count (null: all)
 * @param window window length, null for the entity's lifetime (windowed aggregations only)
 * @param resolution pane length; null picks {@link #defaultResolution(Duration)}
 * @param n number of values for last_n
 * @param halfLife half-life of decayed aggregations
 * @param expression expression of a derived feature
 * @param defaultValue value when there is nothing to aggregate (empty window, no previous event)
 */
public record FeatureSpec(
        String name,
        Aggregation aggregation,
        String field,
        String filter,
        Duration window,
        Duration resolution,
        int n,
        Duration halfLife,
        String expression,
        double defaultValue)
        implements java.io.Serializable {

    public static final Duration MAX_WINDOW = Duration.ofDays(90);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");

    /** Nice pane lengths, finest first; the default is the finest giving at most 360 panes. */
    private static final Duration[] RESOLUTIONS = {
        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10),
                Duration.ofSeconds(15),
        Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5),
                Duration.ofMinutes(10),
        Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2),
        Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(12), Duration.ofDays(1)
    };

    static final int MAX_DEFAULT_PANES = 360;

    /** Checks the spec alone; cross-feature checks are in {@link EntitySpec}. */
    public FeatureSpec {
        List<String> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add("name '" + name + "' must be lower_snake_case");
        }
        if (aggregation == null) {
            problems.add("aggregation is required");
        } else {
            if (aggregation.needsField() && (field == null || field.isBlank())) {
                problems.add(aggregation + " needs a field");
            }
            if (!aggregation.needsField() && field != null && aggregation != Aggregation.COUNT) {
                problems.add(aggregation + " takes no field");
            }
            if (window != null && !aggregation.windowed()) {
                problems.add(aggregation + " takes no window (it runs over the entity's lifetime)");
            }
            if (aggregation == Aggregation.LAST_N && (n < 1 || n > 100)) {
                problems.add("last_n needs n between 1 and 100");
            }
            if ((aggregation == Aggregation.DECAYED_SUM || aggregation == Aggregation.DECAYED_MEAN)
                    && (halfLife == null || halfLife.isNegative() || halfLife.isZero())) {
                problems.add(aggregation + " needs a positive half_life");
            }
            if (aggregation == Aggregation.DERIVED
                    && (expression == null || expression.isBlank())) {
                problems.add("derived needs an expression");
            }
            if (aggregation == Aggregation.DERIVED && filter != null) {
                problems.add("derived takes no filter");
            }
        }
        if (window != null) {
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(MAX_WINDOW) > 0) {
                problems.add("window must be between 1s and 90d, got " + Durations.format(window));
            }
        }
        if (resolution != null) {
            if (window == null) {
                problems.add("resolution needs a window");
            } else if (resolution.toMillis() < 1
                    || window.toMillis() % resolution.toMillis() != 0) {
                problems.add(
                        "resolution "
                                + Durations.format(resolution)
                                + " must divide the window "
                                + Durations.format(window));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "feature '" + name + "': " + String.join("; ", problems));
        }
    }

    /** The finest nice pane length that divides the window into at most 360 panes. */
    public static Duration defaultResolution(Duration window) {
        for (Duration r : RESOLUTIONS) {
            if (window.toMillis() % r.toMillis() == 0
                    && window.toMillis() / r.toMillis() <= MAX_DEFAULT_PANES) {
                return r;
            }
        }
        // Windows that no nice pane divides: the window split into 360 equal panes when possible.
        long ms = window.toMillis();
        for (long panes = MAX_DEFAULT_PANES; panes >= 1; panes--) {
            if (ms % panes == 0) {
                return Duration.ofMillis(ms / panes);
            }
        }
        return window;
    }

    /** The pane length used: the declared resolution or the default for the window. */
    public Duration effectiveResolution() {
        if (window == null) {
            return null;
        }
        return resolution != null ? resolution : defaultResolution(window);
    }

    /** How many values the feature contributes to the vector. */
    public int width() {
        return aggregation == Aggregation.LAST_N ? n : 1;
    }

    /**
     * Identifies what the feature's state means: two specs with the same fingerprint can share
     * state. The default value is left out: changing it needs no new state.
     */
    public String canonical() {
        return String.join(
                "|",
                "v1",
                name,
                aggregation.toString(),
                String.valueOf(field),
                String.valueOf(filter),
                window == null ? "lifetime" : Durations.format(window),
                window == null ? "-" : Durations.format(effectiveResolution()),
                String.valueOf(n),
                halfLife == null ? "-" : Durations.format(halfLife),
                String.valueOf(expression));
    }

    public long fingerprint() {
        return Fingerprints.of(canonical());
    }

    // Builders for the Java API: FeatureSpec.count("txn_count_1h").window("1h")...

    public static Builder of(String name, Aggregation aggregation) {
        return new Builder(name, aggregation);
    }

    /**
     * {@code FeatureSpec.of("amount_sum_24h",
     * Aggregation.SUM).field("amount_minor").window("24h").build()}
     */
    public static final class Builder {
        private final String name;
        private final Aggregation aggregation;
        private String field;
        private String filter;
        private Duration window;
        private Duration resolution;
        private int n;
        private Duration halfLife;
        private String expression;
        private double defaultValue;

        private Builder(String name, Aggregation aggregation) {
            this.name = name;
            this.aggregation = aggregation;
        }

        public Builder field(String field) {
            this.field = field;
            return this;
        }

        public Builder filter(String filter) {
            this.filter = filter;
            return this;
        }

        public Builder window(String window) {
            this.window = parse("window", window);
            return this;
        }

        public Builder resolution(String resolution) {
            this.resolution = parse("resolution", resolution);
            return this;
        }

        public Builder n(int n) {
            this.n = n;
            return this;
        }

        public Builder halfLife(String halfLife) {
            this.halfLife = parse("half_life", halfLife);
            return this;
        }

        private static Duration parse(String key, String text) {
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + " " + e.getMessage(), e);
            }
        }

        public Builder expression(String expression) {
            this.expression = expression;
            return this;
        }

        public Builder defaultValue(double defaultValue) {
            this.defaultValue = defaultValue;
            return this;
        }

        public FeatureSpec build() {
            return new FeatureSpec(
                    name,
                    aggregation,
                    field,
                    filter,
                    window,
                    resolution,
                    n,
                    halfLife,
                    expression,
                    defaultValue);
        }
    }
}
