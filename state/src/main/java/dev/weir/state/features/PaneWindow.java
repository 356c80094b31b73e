package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The non-empty panes of one window, oldest first, in a growable ring. In-order events touch
 * only the newest pane and expiry only the oldest, so both are O(1) amortised; a pane that left
 * the window is dropped exactly once. An out-of-order event for a pane that does not exist yet
 * shifts the newer panes by one (O(panes)); that is the price of disorder, not of window length.
 *
 * <p>A lifetime window is a single pane that never expires.
 */
abstract class PaneWindow extends FeatureState {

    protected final FeatureSpec spec;
    protected final long paneMillis;
    protected final long panesPerWindow;
    protected final double defaultValue;

    protected long[] index = new long[2];
    protected int head;
    protected int size;

    PaneWindow(FeatureSpec spec) {
        this.spec = spec;
        this.defaultValue = spec.defaultValue();
        if (spec.window() == null) {
            this.paneMillis = 0;
            this.panesPerWindow = Long.MAX_VALUE;
        } else {
            this.paneMillis = spec.effectiveResolution().toMillis();
            this.panesPerWindow = spec.window().toMillis() / paneMillis;
        }
        allocate(2);
    }

    final long paneOf(long time) {
        return paneMillis == 0 ? 0 : Math.floorDiv(time, paneMillis);
    }

    final int capacity() {
        return index.length;
    }

    final int slot(int i) {
        return (head + i) & (index.length - 1);
    }

    /** Drops panes that left the window ending at {@code asOfPane}. */
    final void expire(long asOfPane) {
        if (panesPerWindow == Long.MAX_VALUE) {
            return;
        }
        long oldestKept = asOfPane - panesPerWindow + 1;
        while (size > 0 && index[head] < oldestKept) {
            onExpire(head);
            clear(head);
            head = (head + 1) & (index.length - 1);
            size--;
        }
        if (size == 0) {
            onEmpty();
        }
    }

    /** Whether a pane still belongs to the window ending at {@code asOfPane}. */
    final boolean inWindow(long pane, long asOfPane) {
        return panesPerWindow == Long.MAX_VALUE || pane > asOfPane - panesPerWindow;
    }

    /**
     * The slot holding {@code pane}, created empty if needed, keeping panes in order.
     *
     * @return the slot; {@code created[0]} tells whether it is new
     */
    final int slotFor(long pane, boolean[] created) {
        created[0] = false;
        if (size > 0 && index[slot(size - 1)] == pane) {
            return slot(size - 1);
        }
        if (size == 0 || index[slot(size - 1)] < pane) {
            ensureCapacity();
            int s = slot(size);
            size++;
            index[s] = pane;
            clear(s);
            created[0] = true;
            return s;
        }
        // Out of order: binary search, then insert by shifting newer panes one slot up.
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long p = index[slot(mid)];
            if (p == pane) {
                return slot(mid);
            } else if (p < pane) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        ensureCapacity();
        for (int i = size; i > lo; i--) {
            move(slot(i - 1), slot(i));
            index[slot(i)] = index[slot(i - 1)];
        }
        size++;
        int s = slot(lo);
        index[s] = pane;
        clear(s);
        created[0] = true;
        return s;
    }

    private void ensureCapacity() {
        if (size < index.length) {
            return;
        }
        int oldCap = index.length;
        int newCap = oldCap * 2;
        long[] newIndex = new long[newCap];
        for (int i = 0; i < size; i++) {
            newIndex[i] = index[slot(i)];
        }
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = slot(i);
        }
        relocate(order, newCap);
        index = newIndex;
        head = 0;
    }

    @Override
    public boolean warm(long asOf) {
        if (coverageStart == COMPLETE) {
            return true;
        }
        if (spec.window() == null || coverageStart == PENDING) {
            return false;
        }
        return asOf - coverageStart >= spec.window().toMillis();
    }

    @Override
    public final void write(DataOutput out) throws IOException {
        out.writeInt(size);
        for (int i = 0; i < size; i++) {
            int s = slot(i);
            out.writeLong(index[s]);
            writePane(s, out);
        }
        writeExtra(out);
    }

    @Override
    public final void read(DataInput in) throws IOException {
        int n = in.readInt();
        int cap = 2;
        while (cap < n) {
            cap *= 2;
        }
        index = new long[cap];
        allocate(cap);
        head = 0;
        size = n;
        for (int i = 0; i < n; i++) {
            index[i] = in.readLong();
            readPane(i, in);
        }
        readExtra(in);
        afterRead();
    }

    /** Creates payload arrays of this capacity. */
    protected abstract void allocate(int capacity);

    /** Copies payload to new arrays of {@code newCapacity}, slot {@code order[i]} to position i. */
    protected abstract void relocate(int[] order, int newCapacity);

    protected abstract void move(int from, int to);

    protected abstract void clear(int slot);

    protected void onExpire(int slot) {}

    protected void onEmpty() {}

    protected abstract void writePane(int slot, DataOutput out) throws IOException;

    protected abstract void readPane(int slot, DataInput in) throws IOException;

    protected void writeExtra(DataOutput out) throws IOException {}

    protected void readExtra(DataInput in) throws IOException {}

    /** Rebuilds derived structures (running totals, deques) from the panes. */
    protected abstract void afterRead();
}
