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

    private static final int FIRST_TIME = 0;
    private static final int FIRST_VALUE = 1;
    private static final int LAST_TIME = 2;
    private static final int LAST_VALUE = 3;
    private final boolean first;

    FirstLastState(FeatureSpec spec, Geometry geometry) {
        super(spec, geometry, 4);
        this.first = spec.aggregation() == Aggregation.FIRST;
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
            int s = slotFor(pane);
            if (created || eventTime < getLong(s, FIRST_TIME)) {
                setLong(s, FIRST_TIME, eventTime);
                setDouble(s, FIRST_VALUE, number);
            }
            if (created || eventTime >= getLong(s, LAST_TIME)) {
                setLong(s, LAST_TIME, eventTime);
                setDouble(s, LAST_VALUE, number);
            }
        }
        endEvent();
        out[offset] = value();
    }

    private double value() {
        if (size == 0) {
            return defaultValue();
        }
        return first ? getDouble(head, FIRST_VALUE) : getDouble(slot(size - 1), LAST_VALUE);
    }

    /**
     * Only the end the aggregation reads (first: the earliest, last: the latest); its time as an
     * offset from the pane's start (a few bytes), its value as it is.
     */
    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        int time = first ? FIRST_TIME : LAST_TIME;
        VarInts.writeSigned(out, getLong(slot, time) - paneAt(slot) * paneMillis());
        VarInts.writeDouble(out, getDouble(slot, time + 1));
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        int time = first ? FIRST_TIME : LAST_TIME;
        setLong(slot, time, paneAt(slot) * paneMillis() + VarInts.readSigned(in));
        setDouble(slot, time + 1, VarInts.readDouble(in));
    }

    @Override
    protected void readPaneFormat1(int slot, DataInput in) throws IOException {
        for (int k = 0; k < 4; k++) {
            setLong(slot, k, in.readLong());
        }
    }
}
