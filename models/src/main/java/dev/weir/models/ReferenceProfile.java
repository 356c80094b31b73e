package dev.weir.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/**
 * What the training data looked like, for drift monitoring to compare live traffic with: per
 * feature and for the score, fixed bins (edges at the training deciles, shares of training rows per
 * bin), quantiles, mean, standard deviation, a KLL quantile sketch and, for features with few
 * distinct values, the share of each value; and the shares of categorical input fields that are not
 * features. Stored as {@code profile.json} beside the model.
 *
 * <p>Profiles written before sketches, categories and inputs existed still load: their {@code
 * sketch} and {@code categories} are null and {@code inputs} is empty.
 *
 * @param features one profile per feature, in vector order
 * @param score the profile of the model's score on the training rows
 * @param rows training rows the profile was computed from
 * @param inputs categorical input fields of the raw events, sorted by name (never null)
 */
public record ReferenceProfile(
        List<Distribution> features, Distribution score, long rows, List<Categorical> inputs) {

    /**
     * The bin of {@code value} among ascending inner {@code edges}: bin 0 below edges[0], bin i at
     * or above edges[i-1] and below edges[i], the last bin at or above the last edge.
     */
    public static int binOf(double[] edges, double value) {
        int lo = 0;
        int hi = edges.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (value < edges[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Quantile levels kept for every distribution. */
    public static final double[] LEVELS = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};

    /**
     * KLL accuracy: a normalized rank error of about 1.3% (99% confidence), a few KB per sketch.
     */
    public static final int SKETCH_K = 200;

    public ReferenceProfile {
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
    }

    public static ReferenceProfile compute(List<String> names, double[][] rows, double[] scores) {
        List<Distribution> features = new ArrayList<>();
        for (int f = 0; f < names.size(); f++) {
            double[] column = new double[rows.length];
            for (int r = 0; r < rows.length; r++) {
                column[r] = rows[r][f];
            }
            features.add(Distribution.of(names.get(f), column));
        }
        return new ReferenceProfile(
                features, Distribution.of("score", scores), rows.length, List.of());
    }

    /**
     * This profile with the shares of categorical input fields, one value per training row and
     * field (null for a missing value); fields are kept sorted by name so the saved file is stable.
     */
    public ReferenceProfile withInputs(Map<String, String[]> valuesPerField) {
        List<Categorical> computed = new ArrayList<>();
        new TreeMap<>(valuesPerField)
                .forEach(
                        (name, values) -> {
                            if (values.length != rows) {
                                throw new IllegalArgumentException(
                                        "input field "
                                                + name
                                                + " has "
                                                + values.length
                                                + " values but the profile covers "
                                                + rows
                                                + " training rows");
                            }
                            computed.add(Categorical.of(name, values));
                        });
        return new ReferenceProfile(features, score, rows, computed);
    }

    /** The feature's distribution, if the profile has one by that name. */
    public Optional<Distribution> feature(String name) {
        return features.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** The categorical input field's shares, if the profile has one by that name. */
    public Optional<Categorical> categorical(String name) {
        return inputs.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /**
     * @param name feature name (or "score")
     * @param edges inner bin edges (ascending, distinct): bin 0 is below edges[0], the last bin at
     *     or above the last edge
     * @param shares share of training rows per bin ({@code edges.length + 1} values, summing to 1)
     * @param quantiles values at {@link #LEVELS}
     * @param sketch serialized {@link KllDoublesSketch} (k = {@link #SKETCH_K}) of the non-NaN
     *     training values; null in profiles written before sketches existed
     * @param categories when the training values take at most {@link #MAX_CATEGORIES} distinct
     *     values: the share of each, keyed by {@link #categoryKey(double)} and ordered by value;
     *     null otherwise. Such a feature is compared with live traffic value by value, not by bins.
     */
    public record Distribution(
            String name,
            double[] edges,
            double[] shares,
            double[] quantiles,
            double mean,
            double std,
            byte[] sketch,
            Map<String, Double> categories) {

        /** Most distinct training values a feature may take to be profiled value by value. */
        public static final int MAX_CATEGORIES = 12;

        /** The profile of one feature's training values. */
        public static Distribution of(String name, double[] values) {
            return distribution(name, values);
        }

        /** The bin a value falls in. */
        public int bin(double value) {
            return binOf(edges, value);
        }

        /** Whether drift compares this feature value by value ({@code categories} is present). */
        public boolean categorical() {
            return categories != null;
        }

        /**
         * The canonical key of a numeric value in {@code categories}: {@link Double#toString} of
         * the value, with -0.0 folded into 0.0 (so 1 is "1.0", 0.25 is "0.25"). The key parses back
         * to exactly the same double, and live values are matched to keys by parsing the keys, not
         * by comparing text: Double.toString's text for a few doubles changed in JDK 19.
         */
        public static String categoryKey(double value) {
            return Double.toString(value + 0.0); // -0.0 + 0.0 == +0.0
        }

        /** A fresh copy of the training values' sketch, or null when the profile has none. */
        public KllDoublesSketch kllSketch() {
            return sketch == null ? null : KllDoublesSketch.heapify(Memory.wrap(sketch));
        }
    }

    /**
     * The shares of one categorical input field over the training rows.
     *
     * @param name field name
     * @param shares share of training rows per value, keyed by {@link #key(String)}; at most {@link
     *     #MAX_CATEGORIES} values plus {@link #OTHER} for the rest
     */
    public record Categorical(String name, Map<String, Double> shares) {

        /** The key of a missing value. */
        public static final String NULL = "null";

        /**
         * The key that pools the training values beyond the {@link #MAX_CATEGORIES} most frequent,
         * which keeps profiles and live state small for fields such as ids.
         */
        public static final String OTHER = "(other)";

        public static final int MAX_CATEGORIES = 200;

        /** The key a value is counted under: the value itself, {@value #NULL} when missing. */
        public static String key(String value) {
            return value == null ? NULL : value;
        }

        /** The share of a key in the training rows, 0 when it never occurred. */
        public double share(String key) {
            return shares.getOrDefault(key, 0.0);
        }

        /** The shares of a field's training values, one per row (null for a missing value). */
        public static Categorical of(String name, String[] values) {
            Map<String, Long> counts = new HashMap<>();
            for (String value : values) {
                counts.merge(key(value), 1L, Long::sum);
            }
            List<Map.Entry<String, Long>> byCount = new ArrayList<>(counts.entrySet());
            // Most frequent first, ties by key, so the kept values do not depend on hash order.
            byCount.sort(
                    Map.Entry.<String, Long>comparingByValue()
                            .reversed()
                            .thenComparing(Map.Entry.comparingByKey()));
            Map<String, Double> shares = new TreeMap<>();
            long pooled = 0;
            for (int i = 0; i < byCount.size(); i++) {
                if (i < MAX_CATEGORIES) {
                    shares.put(
                            byCount.get(i).getKey(),
                            (double) byCount.get(i).getValue() / values.length);
                } else {
                    pooled += byCount.get(i).getValue();
                }
            }
            if (pooled > 0) {
                shares.merge(OTHER, (double) pooled / values.length, Double::sum);
            }
            return new Categorical(name, Collections.unmodifiableMap(shares));
        }
    }

    private static Distribution distribution(String name, double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double[] quantiles = new double[LEVELS.length];
        for (int i = 0; i < LEVELS.length; i++) {
            quantiles[i] =
                    n == 0 ? Double.NaN : sorted[Math.min(n - 1, (int) Math.floor(LEVELS[i] * n))];
        }
        // Decile edges, duplicates removed: a feature with few distinct values gets fewer bins.
        double[] edges =
                IntStream.rangeClosed(1, 9)
                        .mapToDouble(d -> n == 0 ? 0 : sorted[Math.min(n - 1, d * n / 10)])
                        .distinct()
                        .filter(e -> n > 0 && e > sorted[0])
                        .toArray();
        Distribution d =
                new Distribution(
                        name, edges, new double[edges.length + 1], quantiles, 0, 0, null, null);
        double sum = 0;
        for (double v : values) {
            d.shares()[d.bin(v)]++;
            sum += v;
        }
        double mean = n == 0 ? Double.NaN : sum / n;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        for (int b = 0; b < d.shares().length; b++) {
            d.shares()[b] = n == 0 ? 0 : d.shares()[b] / n;
        }
        return new Distribution(
                name,
                edges,
                d.shares(),
                quantiles,
                mean,
                n == 0 ? Double.NaN : Math.sqrt(squares / n),
                sketch(values),
                categories(values));
    }

    private static byte[] sketch(double[] values) {
        KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(SKETCH_K);
        for (double v : values) {
            if (!Double.isNaN(v)) {
                sketch.update(v);
            }
        }
        return sketch.toByteArray();
    }

    /**
     * Shares per distinct non-NaN value, or null when there are more than MAX_CATEGORIES of them.
     */
    private static Map<String, Double> categories(double[] values) {
        Map<Double, Long> counts = new HashMap<>();
        long present = 0;
        for (double v : values) {
            if (Double.isNaN(v)) {
                continue;
            }
            counts.merge(v + 0.0, 1L, Long::sum);
            present++;
            if (counts.size() > Distribution.MAX_CATEGORIES) {
                return null;
            }
        }
        if (present == 0) {
            return null;
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        List<Double> distinct = new ArrayList<>(counts.keySet());
        distinct.sort(Comparator.naturalOrder());
        for (double v : distinct) {
            shares.put(Distribution.categoryKey(v), (double) counts.get(v) / present);
        }
        return Collections.unmodifiableMap(shares);
    }
}
