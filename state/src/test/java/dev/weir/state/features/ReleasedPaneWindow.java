package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * {@link PaneWindow} of the release before cold panes, unchanged ({@link ReleasedEntityEngine}).
 *
 * <p>The non-empty panes of one window, oldest first, in a growable ring. In-order events touch
 * only the newest pane and expiry only the oldest, so both are O(1) amortised; a pane that left the
 * window is dropped exactly once. An out-of-order event for a pane that does not exist yet shifts
 * the newer panes by one (O(panes)); that is the price of disorder, not of window length.
 *
 * <p>Each pane is one block of {@link #stride} longs in a single array, its index first and the
 * aggregation's payload after it (doubles as raw bits): one or two cache lines per event, whatever
 * the number of panes. A lifetime window is a single pane that never expires.
 */
abstract class ReleasedPaneWindow extends ReleasedFeatureState {

    protected final FeatureSpec spec;
    protected final long paneMillis;
    protected final long panesPerWindow;
    protected final double defaultValue;
    protected final int stride;

    protected long[] data;
    protected int head;
    protected int size;
    private int capacity;

    ReleasedPaneWindow(FeatureSpec spec, int payloadLongs) {
        this.spec = spec;
        this.defaultValue = spec.defaultValue();
        if (spec.window() == null) {
            this.paneMillis = 0;
            this.panesPerWindow = Long.MAX_VALUE;
        } else {
            this.paneMillis = spec.effectiveResolution().toMillis();
            this.panesPerWindow = spec.window().toMillis() / paneMillis;
        }
        this.stride = 1 + payloadLongs;
        this.capacity = 2;
        this.data = new long[capacity * stride];
        allocateExtra(capacity);
    }

    final long paneOf(long time) {
        return paneMillis == 0 ? 0 : Math.floorDiv(time, paneMillis);
    }

    final int slot(int i) {
        return (head + i) & (capacity - 1);
    }

    final long paneAt(int slot) {
        return data[slot * stride];
    }

    final long getLong(int slot, int k) {
        return data[slot * stride + 1 + k];
    }

    final void setLong(int slot, int k, long v) {
        data[slot * stride + 1 + k] = v;
    }

    final double getDouble(int slot, int k) {
        return Double.longBitsToDouble(data[slot * stride + 1 + k]);
    }

    final void setDouble(int slot, int k, double v) {
        data[slot * stride + 1 + k] = Double.doubleToRawLongBits(v);
    }

    /** Drops panes that left the window ending at {@code asOfPane}. */
    final void expire(long asOfPane) {
        if (panesPerWindow == Long.MAX_VALUE) {
            return;
        }
        long oldestKept = asOfPane - panesPerWindow + 1;
        boolean dropped = false;
        while (size > 0 && paneAt(head) < oldestKept) {
            onExpire(head);
            clearSlot(head);
            head = (head + 1) & (capacity - 1);
            size--;
            dropped = true;
        }
        if (dropped && size == 0) {
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
        if (size > 0 && paneAt(slot(size - 1)) == pane) {
            return slot(size - 1);
        }
        if (size == 0 || paneAt(slot(size - 1)) < pane) {
            ensureCapacity();
            int s = slot(size);
            size++;
            clearSlot(s);
            data[s * stride] = pane;
            created[0] = true;
            return s;
        }
        // Out of order: binary search, then insert by shifting newer panes one slot up.
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long p = paneAt(slot(mid));
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
            int from = slot(i - 1);
            int to = slot(i);
            System.arraycopy(data, from * stride, data, to * stride, stride);
            moveExtra(from, to);
        }
        size++;
        int s = slot(lo);
        clearSlot(s);
        data[s * stride] = pane;
        created[0] = true;
        return s;
    }

    private void clearSlot(int slot) {
        Arrays.fill(data, slot * stride, slot * stride + stride, 0L);
        clearExtra(slot);
    }

    private void ensureCapacity() {
        if (size < capacity) {
            return;
        }
        int newCapacity = capacity * 2;
        long[] grown = new long[newCapacity * stride];
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = slot(i);
            System.arraycopy(data, order[i] * stride, grown, i * stride, stride);
        }
        relocateExtra(order, newCapacity);
        data = grown;
        capacity = newCapacity;
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
            out.writeLong(paneAt(s));
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
        capacity = cap;
        data = new long[cap * stride];
        allocateExtra(cap);
        head = 0;
        size = n;
        for (int i = 0; i < n; i++) {
            data[i * stride] = in.readLong();
            readPane(i, in);
        }
        readExtra(in);
        afterRead();
    }

    @Override
    protected void ownMutableParts() {
        data = data.clone();
    }

    /** Object payload kept outside the long array (sketches), if any. */
    protected void allocateExtra(int capacity) {}

    protected void relocateExtra(int[] order, int newCapacity) {}

    protected void moveExtra(int from, int to) {}

    protected void clearExtra(int slot) {}

    protected void onExpire(int slot) {}

    protected void onEmpty() {}

    protected abstract void writePane(int slot, DataOutput out) throws IOException;

    protected abstract void readPane(int slot, DataInput in) throws IOException;

    protected void writeExtra(DataOutput out) throws IOException {}

    protected void readExtra(DataInput in) throws IOException {}

    /** Rebuilds derived structures (deques) from the panes. */
    protected void afterRead() {}
}
