package dev.weir.jobs.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * What the pipeline sets on its execution environment: checkpoints, network buffer timeouts and
 * parallelism. Part of {@link PipelineConfig}.
 */
public record EnvironmentConfig(
        Duration checkpointInterval,
        Duration bufferTimeout,
        Duration sideBufferTimeout,
        int parallelism) {

    /**
     * Reads the {@code pipeline.*} options but the watermark ones; parse errors are the caller's to
     * report.
     */
    static EnvironmentConfig from(Configuration conf) {
        return new EnvironmentConfig(
                conf.get(WeirOptions.CHECKPOINT_INTERVAL),
                conf.get(WeirOptions.BUFFER_TIMEOUT),
                conf.get(WeirOptions.SIDE_BUFFER_TIMEOUT),
                conf.get(WeirOptions.PARALLELISM));
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (bufferTimeout.isNegative()) {
            problems.add(
                    WeirOptions.BUFFER_TIMEOUT.key()
                            + " must not be negative (0 sends every record at once)");
        }
        if (checkpointInterval.toMillis() < 100) {
            problems.add(WeirOptions.CHECKPOINT_INTERVAL.key() + " must be at least 100ms");
        }
        if (parallelism == 0 || parallelism < -1) {
            problems.add(
                    WeirOptions.PARALLELISM.key() + " must be -1 or positive, got " + parallelism);
        }
        return problems;
    }
}
