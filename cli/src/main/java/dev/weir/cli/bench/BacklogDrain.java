package dev.weir.cli.bench;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A job's drain of a backlog: waiting until every payment is out, and the drain's rate. The rate is
 * taken over the last 90% of the outputs by their processing time: the first ones come in a burst
 * of what the source and the stages before the slowest one had already pushed into the network
 * buffers while that one was still starting (the scoring operator loading its model).
 */
final class BacklogDrain {

    /** Share of a drain's first outputs that its rate leaves out. */
    static final double START_SHARE = 0.10;

    private static final long POLL_MILLIS = 100;

    /** Something done as the drain passes {@link #START_SHARE}: where its steady part begins. */
    interface Action {
        void run() throws Exception;
    }

    /** A drain's rate: outputs seen, outputs counted (past the start share), and their seconds. */
    record Rate(long outputs, long counted, double seconds) {
        double perSecond() {
            return counted / seconds;
        }
    }

    private BacklogDrain() {}

    /**
     * Waits until {@code seen} (outputs seen downstream, {@link ScoreWatcher#seen}) reaches {@code
     * payments} or {@code timeout} has passed, checking the job as it goes; {@code pastStart} runs
     * once, as soon as the outputs seen pass {@link #START_SHARE} of the payments.
     */
    static void await(
            LongSupplier seen, long payments, Duration timeout, BenchJob job, Action pastStart)
            throws Exception {
        boolean started = false;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (seen.getAsLong() < payments && System.nanoTime() < deadline) {
            if (!started && seen.getAsLong() >= payments * START_SHARE) {
                pastStart.run();
                started = true;
            }
            job.checkRunning();
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * The rate over the outputs past {@link #START_SHARE}, by their processing times (epoch ms,
     * ascending: {@link ScoreWatcher#scoringTimes}).
     */
    static Rate rate(long[] times) {
        int from = (int) (times.length * START_SHARE);
        double seconds = Math.max(0.001, (times[times.length - 1] - times[from]) / 1000.0);
        return new Rate(times.length, times.length - 1 - from, seconds);
    }
}
