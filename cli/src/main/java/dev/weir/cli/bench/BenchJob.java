package dev.weir.cli.bench;

/**
 * A benchmark's running job, wherever it runs: on a local MiniCluster through its {@code
 * JobClient}, or on the standalone cluster through Flink's REST API. The measuring loops ({@link
 * LiveTraffic}, {@link BacklogDrain}) check it as they go, so that a job that failed ends the run
 * with its cause instead of a timeout.
 */
interface BenchJob extends AutoCloseable {

    /** Throws, with the job's failure where it has one, when the job no longer runs. */
    void checkRunning() throws Exception;

    /** Cancels the job unless it has ended already, and waits until it has. */
    @Override
    void close() throws Exception;
}
