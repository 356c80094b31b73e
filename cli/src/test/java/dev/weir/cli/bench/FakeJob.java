package dev.weir.cli.bench;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A job for the measuring loops: counts its checks, runs an action on each, and may have failed.
 */
final class FakeJob implements BenchJob {

    final AtomicInteger checks = new AtomicInteger();
    private final Runnable onCheck;
    private final RuntimeException failure;

    private FakeJob(Runnable onCheck, RuntimeException failure) {
        this.onCheck = onCheck;
        this.failure = failure;
    }

    static FakeJob running() {
        return new FakeJob(() -> {}, null);
    }

    /** A running job that does {@code onCheck} each time it is checked (progress downstream). */
    static FakeJob running(Runnable onCheck) {
        return new FakeJob(onCheck, null);
    }

    static FakeJob failed(String message) {
        return new FakeJob(() -> {}, new IllegalStateException(message));
    }

    @Override
    public void checkRunning() {
        checks.incrementAndGet();
        if (failure != null) {
            throw failure;
        }
        onCheck.run();
    }

    @Override
    public void close() {}
}
