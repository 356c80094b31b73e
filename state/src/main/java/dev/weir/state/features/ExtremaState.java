package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * min or max: not invertible, so besides each pane's extreme the window keeps a monotonic deque of
 * (pane, value) candidates, oldest first: the panes whose extreme beats every newer pane's
 * strictly. The front is the window's extreme (among equal extremes, the newest pane's); a new
 * value evicts the candidates it beats from the back, and expiry pops the front. O(1) amortised per
 * event.
 *
 * <p>While a block of panes is cold, the deque keeps only its first candidate (the block's own
 * extreme, which its later candidates can only follow): nothing reads the others before the block
 * comes back as the oldest, when they are recomputed from its panes. So the deque holds at most the
 * candidates of two blocks plus one per cold block.
 */
final class ExtremaState extends PaneWindow {

    private static final long[] NO_PANES = new long[0];
    private static final double[] NO_VALUES = new double[0];

    /** Made on first use: a RocksDB backend makes states per event. */
    private long[] candidatePane = NO_PANES;

    private double[] candidateValue = NO_VALUES;
    private int candHead;
    private int candSize;
    private final boolean max;

    ExtremaState(FeatureSpec spec, Geometry geometry) {
        super(spec, geometry, 1);
        this.max = spec.aggregation() == Aggregation.MAX;
    }

    private boolean beats(double a, double b) {
        return max ? a >= b : a <= b;
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
        long pane = paneOf(eventTime);
        if (matched && !Double.isNaN(number) && inWindow(pane, asOfPane)) {
            boolean newest = size == 0 || pane >= paneAt(slot(size - 1));
            int s = slotFor(pane);
            double before = getDouble(s, 0);
            if (created || beats(number, before)) {
                setDouble(s, 0, number);
                if (newest) {
                    pushCandidate(pane, number);
                } else {
                    olderPaneChanged(pane, number);
                }
            }
        }
        endEvent();
        out[offset] = value();
    }

    private double value() {
        return candSize == 0 ? defaultValue() : candidateValue[candHead];
    }

    private int at(int i) {
        return (candHead + i) & (candidatePane.length - 1);
    }

    private void pushCandidate(long pane, double value) {
        while (candSize > 0) {
            int back = at(candSize - 1);
            if (candidatePane[back] == pane || beats(value, candidateValue[back])) {
                candSize--;
            } else {
                break;
            }
        }
        if (candSize == candidatePane.length) {
            grow(Math.max(4, candSize + 1));
        }
        int s = at(candSize);
        candidatePane[s] = pane;
        candidateValue[s] = value;
        candSize++;
    }

    private void grow(int needed) {
        int cap = Math.max(4, candidatePane.length);
        while (cap < needed) {
            cap *= 2;
        }
        long[] p = new long[cap];
        double[] v = new double[cap];
        for (int i = 0; i < candSize; i++) {
            p[i] = candidatePane[at(i)];
            v[i] = candidateValue[at(i)];
        }
        candidatePane = p;
        candidateValue = v;
        candHead = 0;
    }

    /** The first candidate position whose pane is at least {@code pane}. */
    private int candidateAtOrAfter(long pane) {
        int i = 0;
        while (i < candSize && candidatePane[at(i)] < pane) {
            i++;
        }
        return i;
    }

    /** Replaces the candidates at positions {@code [from, to)} by {@code n} others, in order. */
    private void splice(int from, int to, long[] panes, double[] values, int n) {
        int newSize = candSize - (to - from) + n;
        int cap = Math.max(4, candidatePane.length);
        while (cap < newSize) {
            cap *= 2;
        }
        long[] p = new long[cap];
        double[] v = new double[cap];
        int k = 0;
        for (int i = 0; i < from; i++, k++) {
            p[k] = candidatePane[at(i)];
            v[k] = candidateValue[at(i)];
        }
        for (int i = 0; i < n; i++, k++) {
            p[k] = panes[i];
            v[k] = values[i];
        }
        for (int i = to; i < candSize; i++, k++) {
            p[k] = candidatePane[at(i)];
            v[k] = candidateValue[at(i)];
        }
        candidatePane = p;
        candidateValue = v;
        candHead = 0;
        candSize = newSize;
    }

    /**
     * An out-of-order event made an older pane's extreme more extreme: it becomes a candidate if it
     * beats every newer pane strictly, evicting the older candidates it beats. The same deque as
     * rebuilding it from every pane, without reading the cold ones. O(candidates), rare.
     */
    private void olderPaneChanged(long pane, double value) {
        int at = candidateAtOrAfter(pane);
        int next = at < candSize && candidatePane[at(at)] == pane ? at + 1 : at;
        if (next < candSize && beats(candidateValue[at(next)], value)) {
            return;
        }
        int from = at;
        while (from > 0 && beats(value, candidateValue[at(from - 1)])) {
            from--;
        }
        splice(from, next, new long[] {pane}, new double[] {value}, 1);
    }

    /** After an out-of-order change with every pane in the ring (format 1 reads): O(panes). */
    private void rebuildCandidates() {
        candHead = 0;
        candSize = 0;
        for (int i = 0; i < size; i++) {
            int s = slot(i);
            pushCandidate(paneAt(s), getDouble(s, 0));
        }
    }

    @Override
    protected void onSpill(long block, int from, int end) {
        int first = candidateAtOrAfter(blockStart(block));
        int last = candidateAtOrAfter(blockStart(block + 1));
        if (last - first > 1) {
            splice(first + 1, last, null, null, 0);
        }
    }

    @Override
    protected void onUnspill(long block, int from, int end) {
        int first = candidateAtOrAfter(blockStart(block));
        int last = candidateAtOrAfter(blockStart(block + 1));
        // The block's candidates: from its newest pane back, those beating every newer pane.
        boolean bounded = last < candSize;
        double newer = bounded ? candidateValue[at(last)] : 0;
        long[] panes = new long[end - from];
        double[] values = new double[end - from];
        int n = 0;
        for (int i = end - 1; i >= from; i--) {
            int s = slot(i);
            double v = getDouble(s, 0);
            if (!bounded || !beats(newer, v)) {
                panes[n] = paneAt(s);
                values[n] = v;
                n++;
                newer = v;
                bounded = true;
            }
        }
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            long p = panes[i];
            panes[i] = panes[j];
            panes[j] = p;
            double v = values[i];
            values[i] = values[j];
            values[j] = v;
        }
        splice(first, last, panes, values, n);
    }

    @Override
    protected void ownMutableParts() {
        super.ownMutableParts();
        candidatePane = candidatePane.clone();
        candidateValue = candidateValue.clone();
    }

    @Override
    protected void onExpire(int slot) {
        if (candSize > 0 && candidatePane[candHead] == paneAt(slot)) {
            candHead = (candHead + 1) & (candidatePane.length - 1);
            candSize--;
        }
    }

    @Override
    protected void onEmpty() {
        candHead = 0;
        candSize = 0;
    }

    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        VarInts.writeDouble(out, getDouble(slot, 0));
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        setDouble(slot, 0, VarInts.readDouble(in));
    }

    @Override
    protected void writeExtra(DataOutput out) throws IOException {
        VarInts.writeUnsigned(out, candSize);
        long previous = 0;
        for (int i = 0; i < candSize; i++) {
            long pane = candidatePane[at(i)];
            if (i == 0) {
                out.writeLong(pane);
            } else {
                VarInts.writeUnsigned(out, pane - previous);
            }
            previous = pane;
            VarInts.writeDouble(out, candidateValue[at(i)]);
        }
    }

    @Override
    protected void readExtra(DataInput in) throws IOException {
        int n = (int) VarInts.readUnsigned(in);
        if (n > 0) {
            int cap = 4;
            while (cap < n) {
                cap *= 2;
            }
            candidatePane = new long[cap];
            candidateValue = new double[cap];
        }
        candHead = 0;
        candSize = n;
        long previous = 0;
        for (int i = 0; i < n; i++) {
            candidatePane[i] = i == 0 ? in.readLong() : previous + VarInts.readUnsigned(in);
            previous = candidatePane[i];
            candidateValue[i] = VarInts.readDouble(in);
        }
    }

    @Override
    protected void readPaneFormat1(int slot, DataInput in) throws IOException {
        setDouble(slot, 0, in.readDouble());
    }

    @Override
    protected void afterReadFormat1() {
        rebuildCandidates();
    }
}
