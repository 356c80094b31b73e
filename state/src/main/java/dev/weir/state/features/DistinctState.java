package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * Approximate distinct count: a HyperLogLog sketch (Apache DataSketches, lgK = {@value #LG_K},
 * relative standard error about 2.3%, exact for small counts) per pane, combined over the sliding
 * window with the two-stacks technique, since sketch unions cannot be subtracted.
 *
 * <p>Panes older than {@code flipPane} are the "front": each holds the union of itself and every
 * newer front pane, so the oldest one covers the whole front. Newer panes are the "back", whose
 * values also go into one running sketch. The window is then front-oldest union back: one sketch
 * union per event. When a back pane expires, the back becomes the front (one union per pane,
 * amortised O(1) per pane). An out-of-order value for a front pane recomputes the front (O(panes)).
 * Both visit every pane, the cold ones too ({@link #loadAll()}): once per window length, and per
 * out-of-order value in the front.
 */
final class DistinctState extends PaneWindow {

    static final int LG_K = 11;

    private StoredSketch[] pane;
    private StoredSketch[] suffix;
    private StoredSketch back = newSketch();
    private long flipPane = Long.MIN_VALUE;

    /** Scratch for the window's union; made on first use (states are made per event on RocksDB). */
    private Union query;

    DistinctState(FeatureSpec spec, Geometry geometry) {
        super(spec, geometry, 0);
    }

    @Override
    public void update(
            long eventTime,
            long asOf,
            boolean matched,
            double number,
            String text,
            double[] out,
            int offset) {
        long asOfPane = startEvent(asOf);
        long p = paneOf(eventTime);
        boolean present = text != null || !Double.isNaN(number);
        if (matched && present && inWindow(p, asOfPane)) {
            int s = slotFor(p);
            if (pane[s] == null) {
                pane[s] = newSketch();
            }
            add(pane[s].forUpdate(), number, text);
            if (p >= flipPane) {
                add(back.forUpdate(), number, text);
            } else {
                rebuildFront();
            }
        }
        endEvent();
        out[offset] = value();
    }

    private double value() {
        return estimate();
    }

    private static void add(HllSketch sketch, double number, String text) {
        if (text != null) {
            sketch.update(text);
        } else {
            sketch.update(number);
        }
    }

    private double estimate() {
        if (size == 0) {
            return defaultValue();
        }
        StoredSketch front = paneAt(head) < flipPane ? suffix[head] : null;
        if (front == null) {
            return Math.round(back.get().getEstimate());
        }
        if (query == null) {
            query = new Union(LG_K);
        }
        query.reset();
        query.update(front.get());
        query.update(back.get());
        return Math.round(query.getEstimate());
    }

    @Override
    protected void onExpire(int slot) {
        if (paneAt(slot) >= flipPane) {
            flip();
        }
    }

    /** Every pane becomes front: suffix unions from the newest down, and an empty back. */
    private void flip() {
        loadAll();
        Union running = new Union(LG_K);
        for (int i = size - 1; i >= 0; i--) {
            int s = slot(i);
            running.update(pane[s].get());
            suffix[s] = StoredSketch.of(running.getResult(TgtHllType.HLL_8));
        }
        back = newSketch();
        flipPane = paneAt(slot(size - 1)) + 1;
    }

    /** After an out-of-order value landed in a front pane: recompute the front's unions. */
    private void rebuildFront() {
        loadAll();
        Union running = new Union(LG_K);
        for (int i = size - 1; i >= 0; i--) {
            int s = slot(i);
            if (paneAt(s) < flipPane) {
                running.update(pane[s].get());
                suffix[s] = StoredSketch.of(running.getResult(TgtHllType.HLL_8));
            }
        }
    }

    @Override
    protected void onEmpty() {
        back = newSketch();
        flipPane = Long.MIN_VALUE;
    }

    @Override
    protected void ownMutableParts() {
        super.ownMutableParts();
        pane = copies(pane);
        suffix = copies(suffix);
        back = back.copy();
        query = null;
    }

    private static StoredSketch newSketch() {
        return StoredSketch.of(new HllSketch(LG_K, TgtHllType.HLL_8));
    }

    private static StoredSketch[] copies(StoredSketch[] sketches) {
        StoredSketch[] copies = new StoredSketch[sketches.length];
        for (int i = 0; i < sketches.length; i++) {
            copies[i] = sketches[i] == null ? null : sketches[i].copy();
        }
        return copies;
    }

    @Override
    protected void allocateExtra(int capacity) {
        pane = new StoredSketch[capacity];
        suffix = new StoredSketch[capacity];
    }

    @Override
    protected void relocateExtra(int[] order, int newCapacity) {
        StoredSketch[] p = new StoredSketch[newCapacity];
        StoredSketch[] f = new StoredSketch[newCapacity];
        for (int i = 0; i < order.length; i++) {
            p[i] = pane[order[i]];
            f[i] = suffix[order[i]];
        }
        pane = p;
        suffix = f;
    }

    @Override
    protected void moveExtra(int from, int to) {
        pane[to] = pane[from];
        suffix[to] = suffix[from];
    }

    @Override
    protected void clearExtra(int slot) {
        pane[slot] = null;
        suffix[slot] = null;
    }

    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        StoredSketch.write(pane[slot], out);
        StoredSketch.write(suffix[slot], out);
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        pane[slot] = StoredSketch.read(in);
        suffix[slot] = StoredSketch.read(in);
    }

    @Override
    protected void writeExtra(DataOutput out) throws IOException {
        out.writeLong(flipPane);
        StoredSketch.write(back, out);
    }

    @Override
    protected void readExtra(DataInput in) throws IOException {
        flipPane = in.readLong();
        back = StoredSketch.read(in);
    }

    @Override
    protected void readPaneFormat1(int slot, DataInput in) throws IOException {
        readPane(slot, in);
    }

    @Override
    protected void readExtraFormat1(DataInput in) throws IOException {
        readExtra(in);
    }
}
