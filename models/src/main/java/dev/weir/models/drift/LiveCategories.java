package dev.weir.models.drift;

import dev.weir.models.ReferenceProfile.Categorical;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One categorical input field's live values in one window, counted per value of the reference
 * {@link Categorical} they will be compared with: a missing value under {@link Categorical#NULL},
 * values the training data never had (or pooled) under {@link Categorical#OTHER}. Counting only the
 * reference's values keeps the state bounded whatever the field's live cardinality.
 *
 * <p>Partials built for the same reference merge into exactly the counts of one accumulator that
 * saw every value; {@link #toBytes()} and {@link #fromBytes(byte[])} round-trip exactly and carry
 * the reference's values, so a restored accumulator needs no profile. Not thread-safe.
 */
public final class LiveCategories {

    private static final int TYPE = 'C';
    private static final int VERSION = 1;
    private static final String WHAT = "LiveCategories";

    private final String name;

    /** The reference's keys and {@link Categorical#OTHER}, sorted. */
    private final String[] keys;

    private final Map<String, Integer> index;
    private final int otherCell;
    private final long[] counts;
    private long count;
    private long nulls;

    /** An empty accumulator for live values of the reference's field. */
    public LiveCategories(Categorical reference) {
        this(Objects.requireNonNull(reference, "reference").name(), keys(reference));
    }

    private LiveCategories(String name, String[] keys) {
        this.name = Objects.requireNonNull(name, "name");
        this.keys = keys;
        this.index = new HashMap<>(keys.length * 2);
        for (int i = 0; i < keys.length; i++) {
            index.put(keys[i], i);
        }
        Integer other = index.get(Categorical.OTHER);
        if (other == null || index.size() != keys.length) {
            throw new IllegalArgumentException(
                    "keys of "
                            + name
                            + " must be distinct and include "
                            + Categorical.OTHER
                            + ": "
                            + Arrays.toString(keys));
        }
        this.otherCell = other;
        this.counts = new long[keys.length];
    }

    /** Counts one live value; null is a missing value. */
    public void add(String value) {
        count++;
        if (value == null) {
            nulls++;
        }
        counts[index.getOrDefault(Categorical.key(value), otherCell)]++;
    }

    /** Adds another partial of the same field and reference into this one; returns this. */
    public LiveCategories merge(LiveCategories other) {
        if (!name.equals(other.name) || !Arrays.equals(keys, other.keys)) {
            throw new IllegalArgumentException(
                    "cannot merge live categories accumulated against different references: "
                            + name
                            + " "
                            + Arrays.toString(keys)
                            + " and "
                            + other.name
                            + " "
                            + Arrays.toString(other.keys));
        }
        count += other.count;
        nulls += other.nulls;
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        return this;
    }

    /** The field's name. */
    public String name() {
        return name;
    }

    /** Values seen, missing ones included. */
    public long count() {
        return count;
    }

    /** Missing (null) values seen. */
    public long nulls() {
        return nulls;
    }

    /** Values per reference key and {@link Categorical#OTHER}, keys sorted. */
    public Map<String, Long> counts() {
        Map<String, Long> byKey = new LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            byKey.put(keys[i], counts[i]);
        }
        return Collections.unmodifiableMap(byKey);
    }

    /** Whether this accumulator was built for that reference (same name and values). */
    boolean accumulates(Categorical reference) {
        return name.equals(reference.name()) && Arrays.equals(keys, keys(reference));
    }

    /** Format 1: type tag 'C', version, name, keys, count, nulls, counts per key. */
    public byte[] toBytes() {
        return BinaryFormat.write(TYPE, VERSION, this::write);
    }

    /**
     * Reads {@link #toBytes()}; fails with IllegalArgumentException on foreign, corrupt or newer
     * bytes.
     */
    public static LiveCategories fromBytes(byte[] bytes) {
        return BinaryFormat.read(bytes, TYPE, VERSION, WHAT, LiveCategories::read);
    }

    private void write(DataOutputStream out) throws IOException {
        out.writeUTF(name);
        BinaryFormat.writeStrings(out, keys);
        out.writeLong(count);
        out.writeLong(nulls);
        BinaryFormat.writeLongs(out, counts);
    }

    private static LiveCategories read(DataInputStream in) throws IOException {
        String name = in.readUTF();
        String[] keys = BinaryFormat.readStrings(in, "keys");
        long count = in.readLong();
        long nulls = in.readLong();
        long[] counts = BinaryFormat.readLongs(in, "counts");
        String[] sortedKeys = new TreeSet<>(Arrays.asList(keys)).toArray(new String[0]);
        check(Arrays.equals(keys, sortedKeys), "keys not sorted and distinct");
        LiveCategories live = new LiveCategories(name, keys);
        check(counts.length == keys.length, counts.length + " counts for " + keys.length + " keys");
        check(nulls >= 0 && nulls <= count, "count " + count + ", nulls " + nulls);
        long total = Arrays.stream(counts).sum();
        check(total == count, "counts add up to " + total + ", not " + count);
        System.arraycopy(counts, 0, live.counts, 0, counts.length);
        live.count = count;
        live.nulls = nulls;
        return live;
    }

    private static void check(boolean consistent, String detail) {
        BinaryFormat.requireConsistent(consistent, WHAT, detail);
    }

    @Override
    public String toString() {
        return name + " " + counts();
    }

    private static String[] keys(Categorical reference) {
        TreeSet<String> keys = new TreeSet<>(reference.shares().keySet());
        keys.add(Categorical.OTHER);
        return keys.toArray(new String[0]);
    }
}
