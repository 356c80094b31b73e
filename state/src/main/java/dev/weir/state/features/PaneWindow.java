package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The non-empty panes of one window, oldest first. In-order events touch only the newest pane and
 * expiry only the oldest, so both are O(1) amortised; a pane that left the window is dropped
 * exactly once. A lifetime window is a single pane that never expires.
 *
 * <p><b>Hot and cold panes.</b> Pane indexes are grouped in blocks of {@link Geometry#blockPanes}
 * (1/{@value #BLOCKS_PER_WINDOW} of the window, at least {@value #MIN_BLOCK_PANES}). The ring holds
 * the panes of the oldest block (where panes expire) and of the newest block (where in-order events
 * land); each complete block between them that holds at least {@value #MIN_COLD_PANES} panes is
 * <em>cold</em>: encoded in {@link ColdPanes} through the entity's {@link ColdBlocks}, and named
 * here only by a bit mask. So the state an event reads and writes is bounded by two blocks, plus
 * fewer than {@value #MIN_COLD_PANES} panes per block between them, per feature, whatever the
 * window length. A block goes cold once, when a newer block starts, and comes back once, when it
 * becomes the oldest; an event for a pane of a cold block (out of order) brings that block back for
 * the event. The aggregations keep their algorithms and see the same panes in the same order as if
 * every pane were in the ring: what they do with the panes between the oldest and newest blocks
 * happens through {@link #loadAll()} or the {@link #onSpill}/{@link #onUnspill} hooks.
 *
 * <p>Each pane is one block of {@link #stride} longs in a single array, its index first and the
 * aggregation's payload after it (doubles as raw bits).
 */
abstract class PaneWindow extends FeatureState {

    /** A window spans at most this many blocks, plus one. */
    static final int BLOCKS_PER_WINDOW = 8;

    /** Smaller blocks are not worth a state access: windows of up to this many panes stay hot. */
    static final int MIN_BLOCK_PANES = 16;

    /**
     * The cold rule: a complete block between the oldest and the newest goes cold only when it
     * holds at least this many (non-empty) panes. A smaller one stays hot: its write, read and
     * delete, and on the heap its encoding, would cost more than carrying its few panes
     * (state/README.md, Cost and memory, for the measurement).
     */
    static final int MIN_COLD_PANES = 8;

    protected final FeatureSpec spec;

    /** Shared by every state of the definition: a RocksDB backend makes states per event. */
    private final Geometry geometry;

    protected final int stride;

    protected long[] data;
    protected int head;
    protected int size;
    private int capacity;

    /** The cold blocks: bit i stands for block {@code coldBase + i}; bit 0 is set when any is. */
    private long coldBase;

    private long coldMask;

    /** The entity's cold blocks, for the current event. */
    private ColdBlocks cold;

    /** Panes opened a block or came back: blocks between the oldest and newest may be hot. */
    private boolean unsettled;

    /** Whether the last {@link #slotFor} created its pane. */
    protected boolean created;

    /**
     * A window's panes and blocks, computed once per feature definition (not per state: a RocksDB
     * backend makes the states anew for every event).
     */
    record Geometry(long paneMillis, long panesPerWindow, long blockPanes, double defaultValue) {
        static Geometry of(FeatureSpec spec) {
            if (spec.window() == null) {
                return new Geometry(0, Long.MAX_VALUE, 0, spec.defaultValue());
            }
            long pane = spec.effectiveResolution().toMillis();
            long panes = spec.window().toMillis() / pane;
            return new Geometry(
                    pane,
                    panes,
                    Math.max(MIN_BLOCK_PANES, (panes + BLOCKS_PER_WINDOW - 1) / BLOCKS_PER_WINDOW),
                    spec.defaultValue());
        }
    }

    PaneWindow(FeatureSpec spec, Geometry geometry, int payloadLongs) {
        this.spec = spec;
        this.geometry = geometry;
        this.stride = 1 + payloadLongs;
        this.capacity = 2;
        this.data = new long[capacity * stride];
        allocateExtra(capacity);
    }

    /** Binds the entity's cold blocks for the next update. */
    final void bind(ColdBlocks cold) {
        this.cold = cold;
    }

    /**
     * Starts an event of the entity: drops the panes that left the window ending at {@code asOf}.
     *
     * @return the pane of {@code asOf}
     */
    protected final long startEvent(long asOf) {
        long asOfPane = paneOf(asOf);
        expire(asOfPane);
        return asOfPane;
    }

    /** Ends an event: the blocks that became complete go cold. */
    protected final void endEvent() {
        if (unsettled) {
            settle();
        }
    }

    final long paneMillis() {
        return geometry.paneMillis();
    }

    final double defaultValue() {
        return geometry.defaultValue();
    }

    final long paneOf(long time) {
        long paneMillis = geometry.paneMillis();
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
        long panesPerWindow = geometry.panesPerWindow();
        if (panesPerWindow == Long.MAX_VALUE || size == 0) {
            return;
        }
        long oldestKept = asOfPane - panesPerWindow + 1;
        if (paneAt(slot(size - 1)) < oldestKept) {
            // Every pane left: what they held (cold ones included) no longer counts, unread.
            dropCold();
            for (int i = 0; i < size; i++) {
                clearSlot(slot(i));
            }
            head = 0;
            size = 0;
            onEmpty();
            return;
        }
        if (paneAt(head) >= oldestKept) {
            return;
        }
        // Where the oldest cold block must come back: once the ring's oldest pane is past it.
        long coldAfter = coldMask != 0 ? blockStart(coldBase + 1) : Long.MAX_VALUE;
        do {
            onExpire(head);
            clearSlot(head);
            head = (head + 1) & (capacity - 1);
            size--;
            // (onExpire may have brought every cold block back: a distinct count's flip.)
            if (paneAt(head) >= coldAfter && coldMask != 0) {
                unspill(coldBase);
                coldAfter = coldMask != 0 ? blockStart(coldBase + 1) : Long.MAX_VALUE;
            }
        } while (paneAt(head) < oldestKept);
    }

    /** Whether a pane still belongs to the window ending at {@code asOfPane}. */
    final boolean inWindow(long pane, long asOfPane) {
        long panesPerWindow = geometry.panesPerWindow();
        return panesPerWindow == Long.MAX_VALUE || pane > asOfPane - panesPerWindow;
    }

    /**
     * The slot holding {@code pane}, created empty if needed, keeping panes in order.
     *
     * @return the slot; {@link #created} tells whether it is new
     */
    final int slotFor(long pane) {
        created = false;
        if (size > 0 && paneAt(slot(size - 1)) == pane) {
            return slot(size - 1);
        }
        if (coldMask != 0 && isCold(blockOf(pane))) {
            unspill(blockOf(pane)); // out of order, into a cold block: back for this event
            unsettled = true;
        }
        if (size == 0 || paneAt(slot(size - 1)) < pane) {
            // In order: a pane that opens a block may leave the previous newest one in the middle.
            unsettled |= size > 0 && blockOf(pane) != blockOf(paneAt(slot(size - 1)));
            openRun(size, 1);
            int s = slot(size - 1);
            data[s * stride] = pane;
            created = true;
            return s;
        }
        int lo = positionOf(pane);
        if (paneAt(slot(lo)) == pane) {
            return slot(lo);
        }
        // Out of order: insert by shifting newer panes one position up.
        unsettled = true;
        openRun(lo, 1);
        int s = slot(lo);
        data[s * stride] = pane;
        created = true;
        return s;
    }

    /** The first position whose pane is at least {@code pane} ({@link #size} if none is). */
    final int positionOf(long pane) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (paneAt(slot(mid)) < pane) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    // ---- blocks ----

    final long blockOf(long pane) {
        return Math.floorDiv(pane, geometry.blockPanes());
    }

    /** The key of a block in {@link ColdPanes}: its start in event time. */
    private long keyOf(long block) {
        return block * geometry.blockPanes() * geometry.paneMillis();
    }

    /** The first pane of a block. */
    final long blockStart(long block) {
        return block * geometry.blockPanes();
    }

    /** Whether this feature keeps a cold block under {@code key}. */
    final boolean holdsCold(long key) {
        if (coldMask == 0) {
            return false;
        }
        long span = geometry.blockPanes() * geometry.paneMillis();
        return Math.floorMod(key, span) == 0 && isCold(key / span);
    }

    /** Whether any block is cold. */
    final boolean hasCold() {
        return coldMask != 0;
    }

    private boolean isCold(long block) {
        long bit = block - coldBase;
        return bit >= 0 && bit < 64 && ((coldMask >>> bit) & 1) != 0;
    }

    private void markCold(long block) {
        if (coldMask == 0) {
            coldBase = block;
            coldMask = 1;
            return;
        }
        if (block < coldBase) {
            long shift = coldBase - block;
            if (shift >= 64 || Long.numberOfLeadingZeros(coldMask) < shift) {
                throw new IllegalStateException("cold blocks span more than 64 blocks");
            }
            coldMask <<= shift;
            coldBase = block;
        }
        long bit = block - coldBase;
        if (bit >= 64) {
            throw new IllegalStateException("cold blocks span more than 64 blocks");
        }
        coldMask |= 1L << bit;
    }

    private void unmarkCold(long block) {
        coldMask &= ~(1L << (block - coldBase));
        if (coldMask != 0) {
            int skip = Long.numberOfTrailingZeros(coldMask);
            coldMask >>>= skip;
            coldBase += skip;
        }
    }

    /**
     * Sends the complete blocks between the oldest and the newest that hold at least {@value
     * #MIN_COLD_PANES} panes to {@link ColdPanes}, oldest first: what keeps the hot state at two
     * blocks, plus the few panes of blocks too small to go cold.
     */
    private void settle() {
        unsettled = false;
        if (size < MIN_COLD_PANES || geometry.blockPanes() == 0) {
            return;
        }
        long oldest = blockOf(paneAt(head));
        long newest = blockOf(paneAt(slot(size - 1)));
        if (newest - oldest < 2) {
            return;
        }
        int from = positionOf(blockStart(oldest + 1));
        int to = positionOf(blockStart(newest));
        while (from < to) {
            long block = blockOf(paneAt(slot(from)));
            int end = positionOf(blockStart(block + 1));
            if (end - from >= MIN_COLD_PANES) {
                spill(block, from, end);
                to -= end - from;
            } else {
                from = end;
            }
        }
    }

    /** Encodes the panes at positions {@code [from, end)}, all of {@code block}, as cold. */
    private void spill(long block, int from, int end) {
        onSpill(block, from, end);
        DataOutputSerializer out = cold.sectionBuffer();
        try {
            VarInts.writeUnsigned(out, end - from);
            long start = blockStart(block);
            for (int i = from; i < end; i++) {
                int s = slot(i);
                VarInts.writeUnsigned(out, paneAt(s) - start);
                writePane(s, out);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        byte[] section = out.getCopyOfBuffer();
        removeRun(from, end);
        markCold(block);
        cold.put(keyOf(block), this.section, section);
    }

    /** Brings a cold block back into the ring, in pane order. */
    private void unspill(long block) {
        byte[] section = cold.take(keyOf(block), this.section);
        unmarkCold(block);
        DataInputDeserializer in = cold.reader(section);
        try {
            int n = (int) VarInts.readUnsigned(in);
            long start = blockStart(block);
            int at = positionOf(start);
            openRun(at, n);
            for (int i = 0; i < n; i++) {
                int s = slot(at + i);
                data[s * stride] = start + VarInts.readUnsigned(in);
                readPane(s, in);
            }
            onUnspill(block, at, at + n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Brings every cold block back, for algorithms that visit all panes; rare. */
    protected final void loadAll() {
        while (coldMask != 0) {
            unspill(coldBase);
        }
        unsettled = true;
    }

    /** Forgets every cold block unread: the whole window left. */
    private void dropCold() {
        for (long mask = coldMask, block = coldBase; mask != 0; mask >>>= 1, block++) {
            if ((mask & 1) != 0) {
                cold.drop(keyOf(block), section);
            }
        }
        coldMask = 0;
    }

    // ---- the ring ----

    /** Opens {@code n} cleared positions at {@code at}; the panes from there move up. */
    private void openRun(int at, int n) {
        ensureCapacity(size + n);
        if (at == 0) {
            head = (head - n) & (capacity - 1);
        } else {
            for (int i = size - 1; i >= at; i--) {
                move(slot(i), slot(i + n));
            }
        }
        size += n;
        for (int i = at; i < at + n; i++) {
            clearSlot(slot(i));
        }
    }

    /** Removes the positions {@code [from, end)}; the panes after them move down. */
    private void removeRun(int from, int end) {
        int n = end - from;
        for (int i = from; i < end; i++) {
            clearSlot(slot(i));
        }
        if (from == 0) {
            head = (head + n) & (capacity - 1);
            size -= n;
            return;
        }
        for (int i = end; i < size; i++) {
            move(slot(i), slot(i - n));
        }
        for (int i = size - n; i < size; i++) {
            clearSlot(slot(i));
        }
        size -= n;
    }

    private void move(int from, int to) {
        System.arraycopy(data, from * stride, data, to * stride, stride);
        moveExtra(from, to);
    }

    private void clearSlot(int slot) {
        Arrays.fill(data, slot * stride, slot * stride + stride, 0L);
        clearExtra(slot);
    }

    private void ensureCapacity(int needed) {
        if (needed <= capacity) {
            return;
        }
        int newCapacity = capacity;
        while (newCapacity < needed) {
            newCapacity *= 2;
        }
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

    // ---- serialization ----

    /**
     * Format 2: the hot panes (the first index in full, then differences), the cold blocks' mask
     * and base, then the aggregation's own state.
     */
    @Override
    public final void write(DataOutput out) throws IOException {
        VarInts.writeUnsigned(out, size);
        long previous = 0;
        for (int i = 0; i < size; i++) {
            int s = slot(i);
            if (i == 0) {
                out.writeLong(paneAt(s));
            } else {
                VarInts.writeUnsigned(out, paneAt(s) - previous);
            }
            previous = paneAt(s);
            writePane(s, out);
        }
        VarInts.writeUnsigned(out, coldMask);
        if (coldMask != 0) {
            out.writeLong(coldBase);
        }
        writeExtra(out);
    }

    @Override
    public final void read(DataInput in, int format) throws IOException {
        int n = format == 1 ? in.readInt() : (int) VarInts.readUnsigned(in);
        int cap = 2;
        while (cap < n) {
            cap *= 2;
        }
        if (cap != capacity) {
            capacity = cap;
            data = new long[cap * stride];
            allocateExtra(cap);
        }
        head = 0;
        size = n;
        long previous = 0;
        for (int i = 0; i < n; i++) {
            if (format == 1) {
                data[i * stride] = in.readLong();
                readPaneFormat1(i, in);
            } else {
                data[i * stride] = i == 0 ? in.readLong() : previous + VarInts.readUnsigned(in);
                previous = data[i * stride];
                readPane(i, in);
            }
        }
        if (format == 1) {
            coldMask = 0;
            coldBase = 0;
            readExtraFormat1(in);
            afterReadFormat1();
            // Every pane of the window is hot: the next event sends the middle blocks cold.
            unsettled = true;
        } else {
            coldMask = VarInts.readUnsigned(in);
            coldBase = coldMask != 0 ? in.readLong() : 0;
            readExtra(in);
        }
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

    /** The panes at positions {@code [from, end)}, all of {@code block}, are about to go cold. */
    protected void onSpill(long block, int from, int end) {}

    /** The panes of {@code block} came back at positions {@code [from, end)}. */
    protected void onUnspill(long block, int from, int end) {}

    /** A pane's payload, format 2 (hot state and cold blocks alike). */
    protected abstract void writePane(int slot, DataOutput out) throws IOException;

    protected abstract void readPane(int slot, DataInput in) throws IOException;

    protected void writeExtra(DataOutput out) throws IOException {}

    protected void readExtra(DataInput in) throws IOException {}

    /** A pane's payload as format 1 wrote it. */
    protected abstract void readPaneFormat1(int slot, DataInput in) throws IOException;

    protected void readExtraFormat1(DataInput in) throws IOException {}

    /** Rebuilds what format 1 did not store (deques) from the panes. */
    protected void afterReadFormat1() {}
}
