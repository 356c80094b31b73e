package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * {@link FirstLastState} of the release before cold panes, unchanged ({@link
 * ReleasedEntityEngine}).
 *
 * <p>first or last value in the window: each pane keeps its earliest and latest (time, value); the
 * window's first is the oldest pane's earliest, its last the newest pane's latest. Ties in time
 * keep the first arrival for first and the last arrival for last.
 */
final class ReleasedFirstLastState extends ReleasedPaneWindow {

    private static final int FIRST_TIME = 0;
    private static final int FIRST_VALUE = 1;
    private static final int LAST_TIME = 2;
    private static final int LAST_VALUE = 3;
    private final boolean first;
    private boolean[] created = new boolean[1];

    ReleasedFirstLastState(FeatureSpec spec) {
        super(spec, 4);
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
        long asOfPane = paneOf(asOf);
        expire(asOfPane);
        long pane = paneOf(eventTime);
        if (matched && !Double.isNaN(number) && inWindow(pane, asOfPane)) {
            int s = slotFor(pane, created);
            if (created[0] || eventTime < getLong(s, FIRST_TIME)) {
                setLong(s, FIRST_TIME, eventTime);
                setDouble(s, FIRST_VALUE, number);
            }
            if (created[0] || eventTime >= getLong(s, LAST_TIME)) {
                setLong(s, LAST_TIME, eventTime);
                setDouble(s, LAST_VALUE, number);
            }
        }
        if (size == 0) {
            out[offset] = defaultValue;
        } else {
            out[offset] =
                    first ? getDouble(head, FIRST_VALUE) : getDouble(slot(size - 1), LAST_VALUE);
        }
    }

    @Override
    protected void ownMutableParts() {
        super.ownMutableParts();
        created = new boolean[1];
    }

    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        for (int k = 0; k < 4; k++) {
            out.writeLong(getLong(slot, k));
        }
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        for (int k = 0; k < 4; k++) {
            setLong(slot, k, in.readLong());
        }
    }

    @Override
    protected void afterRead() {}
}
