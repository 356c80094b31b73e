package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * {@link MomentsState} of the release before cold panes, unchanged ({@link ReleasedEntityEngine}).
 *
 * <p>count, sum, mean, variance, standard deviation: invertible, so the window keeps running totals
 * that panes are added to and subtracted from. Variance is the population variance. Each pane holds
 * only what the aggregation reads: a count, plus a sum (sum, mean), plus a sum of squares
 * (variance, stddev).
 */
final class ReleasedMomentsState extends ReleasedPaneWindow {

    private static final int COUNT = 0;
    private static final int SUM = 1;
    private static final int SQUARES = 2;

    private final boolean sums;
    private final boolean squares;
    private long totalCount;
    private double totalSum;
    private double totalSquares;
    private boolean[] created = new boolean[1];

    ReleasedMomentsState(FeatureSpec spec) {
        super(spec, payload(spec.aggregation()));
        this.sums = spec.aggregation() != Aggregation.COUNT;
        this.squares =
                spec.aggregation() == Aggregation.VARIANCE
                        || spec.aggregation() == Aggregation.STDDEV;
    }

    private static int payload(Aggregation aggregation) {
        return switch (aggregation) {
            case COUNT -> 1;
            case SUM, MEAN -> 2;
            default -> 3;
        };
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
        // count with a field counts the events where the field is present.
        boolean counts =
                spec.aggregation() == Aggregation.COUNT
                        ? spec.field() == null || !Double.isNaN(number) || text != null
                        : !Double.isNaN(number);
        if (matched && counts && inWindow(pane, asOfPane)) {
            int s = slotFor(pane, created);
            setLong(s, COUNT, getLong(s, COUNT) + 1);
            totalCount++;
            if (sums) {
                setDouble(s, SUM, getDouble(s, SUM) + number);
                totalSum += number;
            }
            if (squares) {
                setDouble(s, SQUARES, getDouble(s, SQUARES) + number * number);
                totalSquares += number * number;
            }
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
    protected void ownMutableParts() {
        super.ownMutableParts();
        created = new boolean[1];
    }

    @Override
    protected void onExpire(int slot) {
        totalCount -= getLong(slot, COUNT);
        if (sums) {
            totalSum -= getDouble(slot, SUM);
        }
        if (squares) {
            totalSquares -= getDouble(slot, SQUARES);
        }
    }

    @Override
    protected void onEmpty() {
        // Subtraction leaves rounding residue; an empty window is exactly zero.
        totalCount = 0;
        totalSum = 0;
        totalSquares = 0;
    }

    @Override
    protected void writePane(int slot, DataOutput out) throws IOException {
        for (int k = 0; k < stride - 1; k++) {
            out.writeLong(getLong(slot, k));
        }
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        for (int k = 0; k < stride - 1; k++) {
            setLong(slot, k, in.readLong());
        }
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
}
