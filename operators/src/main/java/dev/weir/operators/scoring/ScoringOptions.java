package dev.weir.operators.scoring;

import static org.apache.flink.configuration.ConfigOptions.key;

import dev.weir.models.NativeThreads;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * TaskManager options of the scoring operator, read from the TaskManager's configuration (the
 * cluster's {@code config.yaml}, or the local cluster's configuration), not from the job's: ND4J's
 * thread pools belong to the TaskManager process, so every scoring subtask in it must use the same
 * value.
 */
public final class ScoringOptions {

    public static final ConfigOption<Integer> NATIVE_THREADS =
            key("weir.scoring.native-threads")
                    .intType()
                    .defaultValue(NativeThreads.DEFAULT)
                    .withDescription(
                            "Native threads (OpenMP, ND4J's pool, OpenBLAS) one scoring subtask's forward pass"
                                    + " may use. 1: the pass runs on the subtask's own thread, and Flink's"
                                    + " parallelism is the unit of concurrency. More helps only large batches on"
                                    + " cores no other task uses.");

    private ScoringOptions() {}

    /** The native threads per scoring subtask that {@code taskManager} asks for. */
    public static int nativeThreads(Configuration taskManager) {
        int threads = taskManager.get(NATIVE_THREADS);
        if (threads < 1) {
            throw new IllegalArgumentException(
                    NATIVE_THREADS.key() + " must be >= 1, got " + threads);
        }
        return threads;
    }
}
