package dev.weir.cli.bench;

import java.time.Duration;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Live payments at a fixed rate, each with the moment of sending as its event time and Kafka
 * timestamp: a warm-up, then the measured window, then on until every payment of the window has
 * been seen downstream or a tail timeout has passed. Traffic goes on after the window so that the
 * watermark passes the window's last payments.
 *
 * <pre>{@code
 * LiveTraffic traffic = new LiveTraffic(1_000, warmUp, duration, Duration.ofMinutes(2));
 * watcher.window(traffic.measureFrom(), traffic.measureTo());
 * watcher.start();
 * LiveTraffic.Sent sent = traffic.send(producer::sendOne, watcher::seen, job, LiveTraffic.WindowListener.NONE);
 * }</pre>
 */
final class LiveTraffic {

    /**
     * Told when the first payment of the measured window is sent and when the first one after it
     * is.
     */
    interface WindowListener {
        WindowListener NONE =
                new WindowListener() {
                    @Override
                    public void opened() {}

                    @Override
                    public void closed() {}
                };

        void opened();

        void closed();
    }

    /** What was sent: every payment, the ones in the measured window, and the rate achieved. */
    record Sent(long total, long measured, double rate) {}

    private static final long CHECK_EVERY_NANOS = 1_000_000_000L;

    private final double rate;
    private final long measureFrom;
    private final long measureTo;
    private final Duration tail;

    /** The window starts {@code warmUp} from now and lasts {@code duration}. */
    LiveTraffic(double rate, Duration warmUp, Duration duration, Duration tail) {
        this.rate = rate;
        this.measureFrom = System.currentTimeMillis() + warmUp.toMillis();
        this.measureTo = measureFrom + duration.toMillis();
        this.tail = tail;
    }

    /** Start of the measured window, epoch ms (inclusive). */
    long measureFrom() {
        return measureFrom;
    }

    /** End of the measured window, epoch ms (exclusive). */
    long measureTo() {
        return measureTo;
    }

    /**
     * Sends until the window is over and {@code seen} (payments of the window seen downstream) has
     * reached the window's payments, or the tail timeout has passed; checks the job once a second.
     *
     * @param sendOne sends one payment with the given event time ({@code
     *     SyntheticProducer::sendOne})
     */
    Sent send(LongConsumer sendOne, LongSupplier seen, BenchJob job, WindowListener window)
            throws Exception {
        long startNanos = System.nanoTime();
        long sent = 0;
        long measured = 0;
        boolean windowOpen = false;
        long nextCheck = startNanos;
        while (true) {
            long wait = startNanos + (long) (sent * 1e9 / rate) - System.nanoTime();
            if (wait > 0) {
                // Pacing: the next payment's moment in the fixed-rate schedule.
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            long now = System.currentTimeMillis();
            sendOne.accept(now);
            sent++;
            if (now >= measureFrom && now < measureTo) {
                if (!windowOpen) {
                    window.opened();
                    windowOpen = true;
                }
                measured++;
            } else if (now >= measureTo && windowOpen) {
                window.closed();
                windowOpen = false;
            }
            if (now >= measureTo
                    && (seen.getAsLong() >= measured || now >= measureTo + tail.toMillis())) {
                break;
            }
            if (System.nanoTime() >= nextCheck) {
                job.checkRunning();
                nextCheck += CHECK_EVERY_NANOS;
            }
        }
        return new Sent(sent, measured, sent / ((System.nanoTime() - startNanos) / 1e9));
    }
}
