package dev.weir.models.fairness;

/**
 * The exact counts behind one segment value's fairness figures: rows, frauds among them, declines
 * and declined frauds. Mutable so a window or a data set can be counted row by row; counts of the
 * same value merge by addition, in any order.
 */
public final class GroupCounts {

    private long rows;
    private long positives;
    private long declines;
    private long declinedPositives;

    public GroupCounts() {}

    /** Counts read back from their stored form; fails on counts no data set can have. */
    public GroupCounts(long rows, long positives, long declines, long declinedPositives) {
        if (rows < 0
                || positives < 0
                || declinedPositives < 0
                || positives > rows
                || declines > rows
                || declinedPositives > Math.min(positives, declines)
                || declines - declinedPositives > rows - positives) {
            throw new IllegalArgumentException(
                    "inconsistent counts: rows "
                            + rows
                            + ", positives "
                            + positives
                            + ", declines "
                            + declines
                            + ", declined positives "
                            + declinedPositives);
        }
        this.rows = rows;
        this.positives = positives;
        this.declines = declines;
        this.declinedPositives = declinedPositives;
    }

    /** Counts one row: whether it was fraud and whether the model declined it. */
    public void add(boolean fraud, boolean declined) {
        rows++;
        if (fraud) {
            positives++;
        }
        if (declined) {
            declines++;
            if (fraud) {
                declinedPositives++;
            }
        }
    }

    public void merge(GroupCounts other) {
        rows += other.rows;
        positives += other.positives;
        declines += other.declines;
        declinedPositives += other.declinedPositives;
    }

    public long rows() {
        return rows;
    }

    public long positives() {
        return positives;
    }

    public long declines() {
        return declines;
    }

    public long declinedPositives() {
        return declinedPositives;
    }
}
