package dev.weir.models.drift;

import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One numeric feature's live values in one window, accumulated against the reference {@link
 * Distribution} they will be compared with: how many values, how many NaN ("null"), how many per
 * reference bin, how many per cell of the reference's KS grid (see {@code KsDistance}) and, when
 * the reference is categorical, how many per reference value, with values the training data never
 * took counted under {@link Categorical#OTHER}.
 *
 * <p>Everything here is an exact count, so the state depends only on which values were added:
 * partial accumulators built for the same reference merge, in any order and through any number of
 * {@link #toBytes()} / {@link #fromBytes(byte[])} round trips, into bytes identical to those of one
 * accumulator that saw every value, and the drift statistics computed from it are identical bit for
 * bit. The grid is computed once from the reference's sketch when the accumulator is built; a
 * categorical reference, or one without a sketch, has none. The bytes carry the reference's bins,
 * values and grid, so a restored accumulator needs no profile.
 *
 * <p>Not thread-safe; one per key and window, as a Flink accumulator.
 */
public final class LiveDistribution {

    private static final int TYPE = 'D';
    private static final int VERSION = 2;
    private static final String WHAT = "LiveDistribution";

    private final String name;
    private final double[] edges;

    /** The reference's values when it is categorical, else null. */
    private final NumericCategories categories;

    /** The reference's KS grid, strictly ascending; empty when it has none. */
    private final double[] grid;

    private final long[] binCounts;

    /** Per category cell, null when the reference is not categorical. */
    private final long[] categoryCounts;

    /** Per grid cell (grid.length + 1 of them), empty when there is no grid. */
    private final long[] gridCounts;

    private long count;
    private long nulls;

    /** An empty accumulator for live values of the reference's feature. */
    public LiveDistribution(Distribution reference) {
        this(
                Objects.requireNonNull(reference, "reference").name(),
                reference.edges().clone(),
                reference.categorical() ? NumericCategories.of(reference) : null,
                gridOf(reference));
    }

    private LiveDistribution(
            String name, double[] edges, NumericCategories categories, double[] grid) {
        this.name = Objects.requireNonNull(name, "name");
        this.edges = edges;
        this.categories = categories;
        this.grid = grid;
        this.binCounts = new long[edges.length + 1];
        this.categoryCounts = categories == null ? null : new long[categories.cells()];
        this.gridCounts = new long[grid.length == 0 ? 0 : grid.length + 1];
    }

    /**
     * An empty accumulator for the same reference as this one, without computing its grid again
     * from the reference's sketch. It shares the bins, values and grid, which nothing changes.
     */
    public LiveDistribution emptyLike() {
        return new LiveDistribution(name, edges, categories, grid);
    }

    /** The KS grid a live accumulator for this reference counts on; empty when there is none. */
    static double[] gridOf(Distribution reference) {
        return reference.categorical() ? new double[0] : KsDistance.grid(KllSketches.of(reference));
    }

    /** Counts one live value; NaN counts as a null. */
    public void add(double value) {
        count++;
        if (Double.isNaN(value)) {
            nulls++;
            return;
        }
        binCounts[bin(value)]++;
        if (categoryCounts != null) {
            categoryCounts[categories.cell(value)]++;
        }
        if (grid.length > 0) {
            gridCounts[KsDistance.cell(grid, value)]++;
        }
    }

    /** Adds another partial of the same feature and reference into this one; returns this. */
    public LiveDistribution merge(LiveDistribution other) {
        if (!sameReference(other)) {
            throw new IllegalArgumentException(
                    "cannot merge live distributions accumulated against different references: "
                            + describe()
                            + " and "
                            + other.describe());
        }
        count += other.count;
        nulls += other.nulls;
        add(binCounts, other.binCounts);
        if (categoryCounts != null) {
            add(categoryCounts, other.categoryCounts);
        }
        add(gridCounts, other.gridCounts);
        return this;
    }

    /** The feature's name. */
    public String name() {
        return name;
    }

    /** Values seen, nulls included. */
    public long count() {
        return count;
    }

    /** NaN values seen. */
    public long nulls() {
        return nulls;
    }

    /** Non-null values per reference bin (a copy). */
    public long[] binCounts() {
        return binCounts.clone();
    }

    /**
     * Non-null values per reference value, under the keys of {@link Distribution#categories()} in
     * the order of their values, then {@link Categorical#OTHER} for values outside them; null when
     * the reference is not categorical.
     */
    public Map<String, Long> categoryCounts() {
        if (categories == null) {
            return null;
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        for (int cell = 0; cell < categories.otherCell(); cell++) {
            counts.put(categories.key(cell), categoryCounts[cell]);
        }
        counts.put(Categorical.OTHER, categoryCounts[categories.otherCell()]);
        return Collections.unmodifiableMap(counts);
    }

    /** The reference's KS grid (a copy); empty when it has none. */
    double[] grid() {
        return grid.clone();
    }

    /** Non-null values per grid cell (a copy); empty when there is no grid. */
    long[] gridCounts() {
        return gridCounts.clone();
    }

    /** Whether this accumulator was built for that reference (same name, bins, values and grid). */
    boolean accumulates(Distribution reference) {
        return name.equals(reference.name())
                && Arrays.equals(edges, reference.edges())
                && (categories == null
                        ? !reference.categorical()
                        : categories.sameAs(reference.categories()))
                && Arrays.equals(grid, gridOf(reference));
    }

    /**
     * Format 2: type tag 'D', version, name, edges, whether categorical and then the category keys,
     * grid, count, nulls, bin counts, category counts (when categorical), grid counts (varints).
     */
    public byte[] toBytes() {
        return BinaryFormat.write(TYPE, VERSION, this::write);
    }

    /**
     * Reads {@link #toBytes()}; fails with IllegalArgumentException on foreign, corrupt, older or
     * newer bytes.
     */
    public static LiveDistribution fromBytes(byte[] bytes) {
        return BinaryFormat.read(bytes, TYPE, VERSION, WHAT, LiveDistribution::read);
    }

    private void write(DataOutputStream out) throws IOException {
        out.writeUTF(name);
        BinaryFormat.writeDoubles(out, edges);
        out.writeBoolean(categories != null);
        if (categories != null) {
            BinaryFormat.writeStrings(out, categories.keys());
        }
        BinaryFormat.writeDoubles(out, grid);
        out.writeLong(count);
        out.writeLong(nulls);
        BinaryFormat.writeLongs(out, binCounts);
        if (categories != null) {
            BinaryFormat.writeLongs(out, categoryCounts);
        }
        BinaryFormat.writeVarLongs(out, gridCounts);
    }

    private static LiveDistribution read(DataInputStream in) throws IOException {
        String name = in.readUTF();
        double[] edges = BinaryFormat.readDoubles(in, "bin edges");
        NumericCategories categories =
                in.readBoolean()
                        ? NumericCategories.parse(BinaryFormat.readStrings(in, "keys"), name)
                        : null;
        double[] grid = BinaryFormat.readDoubles(in, "grid");
        long count = in.readLong();
        long nulls = in.readLong();
        long[] bins = BinaryFormat.readLongs(in, "bin counts");
        long[] categoryCounts =
                categories == null ? null : BinaryFormat.readLongs(in, "category counts");
        long[] gridCounts = BinaryFormat.readVarLongs(in, "grid counts");

        check(
                grid.length <= KsDistance.GRID_POINTS,
                grid.length + " grid points, at most " + KsDistance.GRID_POINTS);
        check(categories == null || grid.length == 0, "a categorical reference with a grid");
        for (int i = 0; i < grid.length; i++) {
            check(
                    i == 0 ? !Double.isNaN(grid[0]) : grid[i] > grid[i - 1],
                    "grid not strictly ascending at point " + i);
        }
        LiveDistribution live = new LiveDistribution(name, edges, categories, grid);
        long present = count - nulls;
        check(nulls >= 0 && present >= 0, "count " + count + ", nulls " + nulls);
        check(
                bins.length == live.binCounts.length,
                bins.length + " bins for " + edges.length + " edges");
        check(sum(bins) == present, "bin counts add up to " + sum(bins) + ", not " + present);
        System.arraycopy(bins, 0, live.binCounts, 0, bins.length);
        if (categories != null) {
            check(
                    categoryCounts.length == categories.cells(),
                    categoryCounts.length + " category counts");
            check(
                    sum(categoryCounts) == present,
                    "category counts add up to " + sum(categoryCounts));
            System.arraycopy(categoryCounts, 0, live.categoryCounts, 0, categoryCounts.length);
        }
        check(
                gridCounts.length == live.gridCounts.length,
                gridCounts.length + " grid counts for " + grid.length + " grid points");
        check(
                grid.length == 0 || sum(gridCounts) == present,
                "grid counts add up to " + sum(gridCounts) + ", not " + present);
        System.arraycopy(gridCounts, 0, live.gridCounts, 0, gridCounts.length);
        live.count = count;
        live.nulls = nulls;
        return live;
    }

    private static void check(boolean consistent, String detail) {
        BinaryFormat.requireConsistent(consistent, WHAT, detail);
    }

    private boolean sameReference(LiveDistribution other) {
        return name.equals(other.name)
                && Arrays.equals(edges, other.edges)
                && (categories == null
                        ? other.categories == null
                        : other.categories != null && categories.sameAs(other.categories))
                && Arrays.equals(grid, other.grid);
    }

    @Override
    public String toString() {
        return describe() + " count " + count + " nulls " + nulls;
    }

    private String describe() {
        return name
                + " (edges "
                + Arrays.toString(edges)
                + (categories == null ? "" : ", values " + categories)
                + (grid.length == 0 ? "" : ", " + grid.length + " grid points " + gridRange())
                + ")";
    }

    private String gridRange() {
        return "from " + grid[0] + " to " + grid[grid.length - 1];
    }

    private int bin(double value) {
        return dev.weir.models.ReferenceProfile.binOf(edges, value);
    }

    private static void add(long[] into, long[] from) {
        for (int i = 0; i < into.length; i++) {
            into[i] += from[i];
        }
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long v : values) {
            total += v;
        }
        return total;
    }
}
