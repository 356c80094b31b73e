package dev.weir.jobs.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * How events are batched for the model's forward pass, and the reason codes each score carries.
 * Part of {@link PipelineConfig}.
 *
 * @param reasonsTop reason codes per score, 0 for none
 */
public record ScoringConfig(int maxBatchSize, Duration maxWait, int reasonsTop) {

    /** Reads the {@code scoring.*} options; parse errors are the caller's to report. */
    static ScoringConfig from(Configuration conf) {
        return new ScoringConfig(
                conf.get(WeirOptions.SCORING_MAX_BATCH),
                conf.get(WeirOptions.SCORING_MAX_WAIT),
                conf.get(WeirOptions.SCORING_REASONS_TOP));
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (maxBatchSize < 1 || maxBatchSize > 4096) {
            problems.add(
                    WeirOptions.SCORING_MAX_BATCH.key()
                            + " must be in [1, 4096], got "
                            + maxBatchSize);
        }
        if (maxWait.isNegative()) {
            problems.add(WeirOptions.SCORING_MAX_WAIT.key() + " must not be negative");
        }
        if (reasonsTop < 0) {
            problems.add(WeirOptions.SCORING_REASONS_TOP.key() + " must not be negative");
        }
        return problems;
    }
}
