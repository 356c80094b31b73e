package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * count, sum, mean, variance, standard deviation: invertible, so the window keeps running totals
 * that panes are added to and subtracted from. Variance is the population variance. Each pane holds
 * only what the aggregation reads: a count, plus a sum (sum, mean), plus a sum of squares
 * (variance, stddev).
 */
final class MomentsState extends PaneWindow {

    private static final int COUNT = 0;
    private static final int SUM = 1;
    private static final int SQUARES = 2;

    private final Aggregation aggregation;
    private final boolean sums;
    private final boolean squares;
    private long totalCount;
    private double totalSum;
    private double totalSquares;

    MomentsState(FeatureSpec spec, Geometry geometry) {
        super(spec, geometry, payload(spec.aggregation()));
        this.aggregation = spec.aggregation();
        this.sums = aggregation != Aggregation.COUNT;
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
        long asOfPane = startEvent(asOf);
        long pane = paneOf(eventTime);
        // count with a field counts the events where the field is present.
        boolean counts =
                aggregation == Aggregation.COUNT
                        ? spec.field() == null || !Double.isNaN(number) || text != null
                        : !Double.isNaN(number);
        if (matched && counts && inWindow(pane, asOfPane)) {
            int s = slotFor(pane);
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
        endEvent();
        out[offset] = value();
    }

    private double value() {
        switch (aggregation) {
            case COUNT:
                return totalCount;
            case SUM:
                return totalSum;
            case MEAN:
                return totalCount == 0 ? defaultValue() : totalSum / totalCount;
            case VARIANCE:
                return totalCount == 0 ? defaultValue() : variance();
            case STDDEV:
                return totalCount == 0 ? defaultValue() : Math.sqrt(variance());
            default:
                throw new IllegalStateException(aggregation.toString());
        }
    }

    private double variance() {
        double mean = totalSum / totalCount;
        return Math.max(0.0, totalSquares / totalCount - mean * mean);
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
        VarInts.writeUnsigned(out, getLong(slot, COUNT));
        for (int k = 1; k < stride - 1; k++) {
            VarInts.writeDouble(out, getDouble(slot, k));
        }
    }

    @Override
    protected void readPane(int slot, DataInput in) throws IOException {
        setLong(slot, COUNT, VarInts.readUnsigned(in));
        for (int k = 1; k < stride - 1; k++) {
            setDouble(slot, k, VarInts.readDouble(in));
        }
    }

    @Override
    protected void writeExtra(DataOutput out) throws IOException {
        // The running totals are written as they are, so a restored job continues bit for bit.
        VarInts.writeUnsigned(out, totalCount);
        if (sums) {
            VarInts.writeDouble(out, totalSum);
        }
        if (squares) {
            VarInts.writeDouble(out, totalSquares);
        }
    }

    @Override
    protected void readExtra(DataInput in) throws IOException {
        totalCount = VarInts.readUnsigned(in);
        totalSum = sums ? VarInts.readDouble(in) : 0;
        totalSquares = squares ? VarInts.readDouble(in) : 0;
    }

    @Override
    protected void readPaneFormat1(int slot, DataInput in) throws IOException {
        for (int k = 0; k < stride - 1; k++) {
            setLong(slot, k, in.readLong());
        }
    }

    @Override
    protected void readExtraFormat1(DataInput in) throws IOException {
        totalCount = in.readLong();
        totalSum = in.readDouble();
        totalSquares = in.readDouble();
    }
}
