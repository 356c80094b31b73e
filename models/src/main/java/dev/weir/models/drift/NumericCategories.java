package dev.weir.models.drift;

import dev.weir.models.ReferenceProfile.Distribution;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;

/**
 * The distinct training values of a categorical numeric feature, as keyed in {@link
 * Distribution#categories()}, and the cell each live value falls in: its value's index, or {@link
 * #otherCell()} for a value the training data never took.
 *
 * <p>Live values are matched by value, parsing the keys, never by formatting the live value: the
 * text Double.toString gives for some doubles changed in JDK 19, so a profile written on one JDK
 * must still match values on another.
 */
final class NumericCategories {

    /** The reference's keys, ordered by value. */
    private final String[] keys;

    private final double[] values;

    private NumericCategories(String[] keys, double[] values) {
        this.keys = keys;
        this.values = values;
    }

    static NumericCategories of(Distribution reference) {
        return parse(reference.categories().keySet().toArray(new String[0]), reference.name());
    }

    /** Keys in any order; fails when one is not a number or two are the same value. */
    static NumericCategories parse(String[] keys, String feature) {
        double[] parsed = new double[keys.length];
        for (int i = 0; i < keys.length; i++) {
            try {
                parsed[i] = Double.parseDouble(keys[i]) + 0.0; // -0.0 is the value 0.0
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "category key '" + keys[i] + "' of feature " + feature + " is not a number",
                        e);
            }
        }
        Integer[] order = new Integer[keys.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble(i -> parsed[i]));
        String[] sortedKeys = new String[keys.length];
        double[] sortedValues = new double[keys.length];
        for (int i = 0; i < order.length; i++) {
            sortedKeys[i] = keys[order[i]];
            sortedValues[i] = parsed[order[i]];
            if (i > 0 && sortedValues[i] == sortedValues[i - 1]) {
                throw new IllegalArgumentException(
                        "category keys '"
                                + sortedKeys[i - 1]
                                + "' and '"
                                + sortedKeys[i]
                                + "' of feature "
                                + feature
                                + " are the same value");
            }
        }
        return new NumericCategories(sortedKeys, sortedValues);
    }

    /** The cell of a non-NaN value. */
    int cell(double value) {
        int index = Arrays.binarySearch(values, value + 0.0);
        return index >= 0 ? index : otherCell();
    }

    /** Cells: one per training value and the last for other values. */
    int cells() {
        return keys.length + 1;
    }

    int otherCell() {
        return keys.length;
    }

    /** The reference's keys, ordered by value (a copy). */
    String[] keys() {
        return keys.clone();
    }

    String key(int cell) {
        return keys[cell];
    }

    /** Whether both hold the same keys. */
    boolean sameAs(NumericCategories other) {
        return Arrays.equals(keys, other.keys);
    }

    boolean sameAs(Map<String, Double> categories) {
        return categories != null
                && categories.size() == keys.length
                && categories.keySet().containsAll(Arrays.asList(keys));
    }

    @Override
    public String toString() {
        return Arrays.toString(keys);
    }
}
