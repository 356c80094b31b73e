package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * {@link ExtremaState} of the release before cold panes, unchanged ({@link ReleasedEntityEngine}).
 *
 * <p>min or max: not invertible, so besides each pane's extreme the window keeps a monotonic deque
 * of (pane, value) candidates: the front is the window's extreme, a new value evicts the candidates
 * it beats from the back, and expiry pops the front. O(1) amortised per event.
 */
final class ReleasedExtremaState extends ReleasedPaneWindow {

    private long[] candidatePane = new long[4];
    private double[] candidateValue = new double[4];
    private int candHead;
    private int candSize;
    private final boolean max;
    private boolean[] created = new boolean[1];

    ReleasedExtremaState(FeatureSpec spec) {
        super(spec, 1);
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
        long asOfPane = paneOf(asOf);
        expire(asOfPane);
        long pane = paneOf(eventTime);
        if (matched && !Double.isNaN(number) && inWindow(pane, asOfPane)) {
            boolean newest = size == 0 || pane >= paneAt(slot(size - 1));
            int s = slotFor(pane, created);
            double before = getDouble(s, 0);
            if (created[0] || beats(number, before)) {
                setDouble(s, 0, number);
                if (newest) {
                    pushCandidate(pane, number);
                } else {
                    rebuildCandidates();
                }
            }
        }
        out[offset] = candSize == 0 ? defaultValue : candidateValue[candHead];
    }

    private void pushCandidate(long pane, double value) {
        while (candSize > 0) {
            int back = (candHead + candSize - 1) & (candidatePane.length - 1);
            if (candidatePane[back] == pane || beats(value, candidateValue[back])) {
                candSize--;
            } else {
                break;
            }
        }
        if (candSize == candidatePane.length) {
            int cap = candidatePane.length * 2;
            long[] p = new long[cap];
            double[] v = new double[cap];
            for (int i = 0; i < candSize; i++) {
                int s = (candHead + i) & (candidatePane.length - 1);
                p[i] = candidatePane[s];
                v[i] = candidateValue[s];
            }
            candidatePane = p;
            candidateValue = v;
            candHead = 0;
        }
        int s = (candHead + candSize) & (candidatePane.length - 1);
        candidatePane[s] = pane;
        candidateValue[s] = value;
        candSize++;
    }

    /** After an out-of-order change to an older pane: O(panes), rare. */
    private void rebuildCandidates() {
        candHead = 0;
        candSize = 0;
        for (int i = 0; i < size; i++) {
            int s = slot(i);
            pushCandidate(paneAt(s), getDouble(s, 0));
        }
    }

    @Override
    protected void ownMutableParts() {
        super.ownMutableParts();
        candidatePane = candidatePane.clone();
        candidateValue = candidateValue.clone();
        created = new boolean[1];
    }

    @Override
    protected void onExpire(int slot) {
        if (candSize > 0 && candidatePane[candHead] == paneAt(slot)) {
            candHead = (candHead + 1) & (candidatePane.length - 1);
            candSize--;
        }
    }

    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        out.writeDouble(getDouble(slot, 0));
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        setDouble(slot, 0, in.readDouble());
    }

    @Override
    protected void afterRead() {
        rebuildCandidates();
    }
}
