package dev.weir.cli.cluster;

/**
 * The wait between two polls of something that is not ready yet (a process, a REST endpoint, a
 * job). An interrupt ends the wait with an {@link IllegalStateException} and keeps the thread's
 * interrupt flag, so that the poll loop around it ends too.
 */
public final class Pause {

    private Pause() {}

    public static void millis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
