package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * count, sum, mean, variance, standard deviation: invertible, so the window keeps running totals
 * that panes are added to and subtracted from. Variance is the population variance.
 */
final class MomentsState extends PaneWindow {

    private long[] count;
    private double[] sum;
    private double[] squares;
    private long totalCount;
    private double totalSum;
    private double totalSquares;
    private final boolean[] created = new boolean[1];

    MomentsState(FeatureSpec spec) {
        super(spec);
    }

    @Override
    public void update(long eventTime, long asOf, boolean matched, double number, String text, double[] out, int offset) {
        long asOfPane = paneOf(asOf);
        expire(asOfPane);
        long pane = paneOf(eventTime);
        // count with a field counts the events where the field is present.
        boolean counts = spec.aggregation() == Aggregation.COUNT
                ? spec.field() == null || !Double.isNaN(number) || text != null
                : !Double.isNaN(number);
        if (matched && counts && inWindow(pane, asOfPane)) {
            int s = slotFor(pane, created);
            double x = spec.aggregation() == Aggregation.COUNT ? 0 : number;
            count[s]++;
            sum[s] += x;
            squares[s] += x * x;
            totalCount++;
            totalSum += x;
            totalSquares += x * x;
        }
        out[offset] = value();
    }

    private double value() {
        switch (spec.aggregation()) {
            case COUNT:
                return totalCount;
            case SUM:
                return totalSum;
            case MEAN:
                return totalCount == 0 ? defaultValue : totalSum / totalCount;
            case VARIANCE:
                return totalCount == 0 ? defaultValue : variance();
            case STDDEV:
                return totalCount == 0 ? defaultValue : Math.sqrt(variance());
            default:
                throw new IllegalStateException(spec.aggregation().toString());
        }
    }

    private double variance() {
        double mean = totalSum / totalCount;
        return Math.max(0.0, totalSquares / totalCount - mean * mean);
    }

    @Override
    protected void onExpire(int slot) {
        totalCount -= count[slot];
        totalSum -= sum[slot];
        totalSquares -= squares[slot];
    }

    @Override
    protected void onEmpty() {
        // Subtraction leaves rounding residue; an empty window is exactly zero.
        totalCount = 0;
        totalSum = 0;
        totalSquares = 0;
    }

    @Override
    protected void allocate(int capacity) {
        count = new long[capacity];
        sum = new double[capacity];
        squares = new double[capacity];
    }

    @Override
    protected void relocate(int[] order, int newCapacity) {
        long[] c = new long[newCapacity];
        double[] s = new double[newCapacity];
        double[] q = new double[newCapacity];
        for (int i = 0; i < order.length; i++) {
            c[i] = count[order[i]];
            s[i] = sum[order[i]];
            q[i] = squares[order[i]];
        }
        count = c;
        sum = s;
        squares = q;
    }

    @Override
    protected void move(int from, int to) {
        count[to] = count[from];
        sum[to] = sum[from];
        squares[to] = squares[from];
    }

    @Override
    protected void clear(int slot) {
        count[slot] = 0;
        sum[slot] = 0;
        squares[slot] = 0;
    }

    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        out.writeLong(count[slot]);
        out.writeDouble(sum[slot]);
        out.writeDouble(squares[slot]);
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        count[slot] = in.readLong();
        sum[slot] = in.readDouble();
        squares[slot] = in.readDouble();
    }

    @Override
    protected void writeExtra(DataOutput out) throws IOException {
        // The running totals are written as they are, so a restored job continues bit for bit.
        out.writeLong(totalCount);
        out.writeDouble(totalSum);
        out.writeDouble(totalSquares);
    }

    @Override
    protected void readExtra(DataInput in) throws IOException {
        totalCount = in.readLong();
        totalSum = in.readDouble();
        totalSquares = in.readDouble();
    }

    @Override
    protected void afterRead() {}
}
