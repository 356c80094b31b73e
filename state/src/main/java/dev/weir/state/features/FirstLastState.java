package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * first or last value in the window: each pane keeps its earliest and latest (time, value); the
 * window's first is the oldest pane's earliest, its last the newest pane's latest. Ties in time
 * keep the first arrival for first and the last arrival for last.
 */
final class FirstLastState extends PaneWindow {

    private long[] firstTime;
    private double[] firstValue;
    private long[] lastTime;
    private double[] lastValue;
    private final boolean first;
    private final boolean[] created = new boolean[1];

    FirstLastState(FeatureSpec spec) {
        super(spec);
        this.first = spec.aggregation() == Aggregation.FIRST;
    }

    @Override
    public void update(long eventTime, long asOf, boolean matched, double number, String text, double[] out, int offset) {
        long asOfPane = paneOf(asOf);
        expire(asOfPane);
        long pane = paneOf(eventTime);
        if (matched && !Double.isNaN(number) && inWindow(pane, asOfPane)) {
            int s = slotFor(pane, created);
            if (created[0] || eventTime < firstTime[s]) {
                firstTime[s] = eventTime;
                firstValue[s] = number;
            }
            if (created[0] || eventTime >= lastTime[s]) {
                lastTime[s] = eventTime;
                lastValue[s] = number;
            }
        }
        if (size == 0) {
            out[offset] = defaultValue;
        } else {
            out[offset] = first ? firstValue[head] : lastValue[slot(size - 1)];
        }
    }

    @Override
    protected void allocate(int capacity) {
        firstTime = new long[capacity];
        firstValue = new double[capacity];
        lastTime = new long[capacity];
        lastValue = new double[capacity];
    }

    @Override
    protected void relocate(int[] order, int newCapacity) {
        long[] ft = new long[newCapacity];
        double[] fv = new double[newCapacity];
        long[] lt = new long[newCapacity];
        double[] lv = new double[newCapacity];
        for (int i = 0; i < order.length; i++) {
            ft[i] = firstTime[order[i]];
            fv[i] = firstValue[order[i]];
            lt[i] = lastTime[order[i]];
            lv[i] = lastValue[order[i]];
        }
        firstTime = ft;
        firstValue = fv;
        lastTime = lt;
        lastValue = lv;
    }

    @Override
    protected void move(int from, int to) {
        firstTime[to] = firstTime[from];
        firstValue[to] = firstValue[from];
        lastTime[to] = lastTime[from];
        lastValue[to] = lastValue[from];
    }

    @Override
    protected void clear(int slot) {
        firstTime[slot] = 0;
        firstValue[slot] = 0;
        lastTime[slot] = 0;
        lastValue[slot] = 0;
    }

    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        out.writeLong(firstTime[slot]);
        out.writeDouble(firstValue[slot]);
        out.writeLong(lastTime[slot]);
        out.writeDouble(lastValue[slot]);
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        firstTime[slot] = in.readLong();
        firstValue[slot] = in.readDouble();
        lastTime[slot] = in.readLong();
        lastValue[slot] = in.readDouble();
    }

    @Override
    protected void afterRead() {}
}
