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
import org.apache.datasketches.kll.KllDoublesSketch;

/**
 * One numeric feature's live values in one window, accumulated against the reference {@link
 * Distribution} they will be compared with: how many values, how many NaN ("null"), how many per
 * reference bin, a KLL sketch of the values and, when the reference is categorical, how many per
 * reference value, with values the training data never took counted under {@link
 * Categorical#OTHER}.
 *
 * <p>Partials merge: partial accumulators built for the same reference and merged hold exactly the
 * counts of one accumulator that saw every value, and a sketch of the same n, min and max whose
 * ranks agree within KLL's error (KLL compacts at random, so two sketches of the same values are
 * not bit-identical once they exceed about k values). {@link #toBytes()} and {@link
 * #fromBytes(byte[])} round-trip exactly; the bytes carry the reference's bins and values, so a
 * restored accumulator needs no profile.
 *
 * <p>Not thread-safe; one per key and window, as a Flink accumulator.
 */
public final class LiveDistribution {

    private static final int TYPE = 'D';
    private static final int VERSION = 1;
    private static final String WHAT = "LiveDistribution";

    private final String name;
    private final double[] edges;

    /** The reference's values when it is categorical, else null. */
    private final NumericCategories categories;

    private final long[] binCounts;

    /** Per category cell, null when the reference is not categorical. */
    private final long[] categoryCounts;

    private final KllDoublesSketch sketch;
    private long count;
    private long nulls;

    /** An empty accumulator for live values of the reference's feature. */
    public LiveDistribution(Distribution reference) {
        this(
                Objects.requireNonNull(reference, "reference").name(),
                reference.edges().clone(),
                reference.categorical() ? NumericCategories.of(reference) : null,
                KllSketches.empty());
    }

    private LiveDistribution(
            String name, double[] edges, NumericCategories categories, KllDoublesSketch sketch) {
        this.name = Objects.requireNonNull(name, "name");
        this.edges = edges;
        this.categories = categories;
        this.binCounts = new long[edges.length + 1];
        this.categoryCounts = categories == null ? null : new long[categories.cells()];
        this.sketch = sketch;
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
        sketch.update(value);
    }

    /** Adds another partial of the same feature and reference into this one; returns this. */
    public LiveDistribution merge(LiveDistribution other) {
        if (!sameReference(other.name, other.edges, other.categories)) {
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
        sketch.merge(other.sketch);
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

    /** The live values' sketch; drift statistics read it, nobody may update it. */
    KllDoublesSketch sketch() {
        return sketch;
    }

    /** Whether this accumulator was built for that reference (same name, bins and values). */
    boolean accumulates(Distribution reference) {
        return name.equals(reference.name())
                && Arrays.equals(edges, reference.edges())
                && (categories == null
                        ? !reference.categorical()
                        : categories.sameAs(reference.categories()));
    }

    /**
     * Format 1: type tag 'D', version, name, edges, whether categorical and then the category keys,
     * count, nulls, bin counts, category counts (when categorical), sketch bytes.
     */
    public byte[] toBytes() {
        return BinaryFormat.write(TYPE, VERSION, this::write);
    }

    /**
     * Reads {@link #toBytes()}; fails with IllegalArgumentException on foreign, corrupt or newer
     * bytes.
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
        out.writeLong(count);
        out.writeLong(nulls);
        BinaryFormat.writeLongs(out, binCounts);
        if (categories != null) {
            BinaryFormat.writeLongs(out, categoryCounts);
        }
        byte[] sketchBytes = sketch.toByteArray();
        out.writeInt(sketchBytes.length);
        out.write(sketchBytes);
    }

    private static LiveDistribution read(DataInputStream in) throws IOException {
        String name = in.readUTF();
        double[] edges = BinaryFormat.readDoubles(in, "bin edges");
        NumericCategories categories =
                in.readBoolean()
                        ? NumericCategories.parse(BinaryFormat.readStrings(in, "keys"), name)
                        : null;
        long count = in.readLong();
        long nulls = in.readLong();
        long[] bins = BinaryFormat.readLongs(in, "bin counts");
        long[] categoryCounts =
                categories == null ? null : BinaryFormat.readLongs(in, "category counts");
        byte[] sketchBytes = new byte[BinaryFormat.readLength(in, "sketch")];
        in.readFully(sketchBytes);

        LiveDistribution live =
                new LiveDistribution(
                        name,
                        edges,
                        categories,
                        KllSketches.heapify(sketchBytes, WHAT + " " + name));
        long present = count - nulls;
        check(nulls >= 0 && present >= 0, "count " + count + ", nulls " + nulls);
        check(
                bins.length == live.binCounts.length,
                bins.length + " bins for " + edges.length + " edges");
        check(sum(bins) == present, "bin counts add up to " + sum(bins) + ", not " + present);
        check(
                live.sketch.getN() == present,
                "sketch of " + live.sketch.getN() + ", not " + present);
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
        live.count = count;
        live.nulls = nulls;
        return live;
    }

    private static void check(boolean consistent, String detail) {
        BinaryFormat.requireConsistent(consistent, WHAT, detail);
    }

    private boolean sameReference(String otherName, double[] otherEdges, NumericCategories other) {
        return name.equals(otherName)
                && Arrays.equals(edges, otherEdges)
                && (categories == null ? other == null : other != null && categories.sameAs(other));
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
                + ")";
    }

    private int bin(double value) {
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
