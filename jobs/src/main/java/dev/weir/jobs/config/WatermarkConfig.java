package dev.weir.jobs.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * Watermarks of the Kafka inputs: out-of-orderness and idleness per partition, and alignment across
 * the transaction partitions. Part of {@link PipelineConfig}.
 *
 * @param alignmentMaxDrift zero turns alignment off
 */
public record WatermarkConfig(
        Duration outOfOrderness,
        Duration idleness,
        Duration alignmentMaxDrift,
        Duration alignmentUpdateInterval) {

    /** Reads the {@code pipeline.watermark.*} options; parse errors are the caller's to report. */
    static WatermarkConfig from(Configuration conf) {
        return new WatermarkConfig(
                conf.get(WeirOptions.OUT_OF_ORDERNESS),
                conf.get(WeirOptions.IDLENESS),
                conf.get(WeirOptions.ALIGNMENT_MAX_DRIFT),
                conf.get(WeirOptions.ALIGNMENT_UPDATE_INTERVAL));
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (outOfOrderness.isNegative() || idleness.isNegative() || idleness.isZero()) {
            problems.add("watermark durations must be positive");
        }
        if (alignmentMaxDrift.isNegative()) {
            problems.add(
                    WeirOptions.ALIGNMENT_MAX_DRIFT.key()
                            + " must not be negative (0 turns alignment off)");
        }
        if (alignmentUpdateInterval.isNegative() || alignmentUpdateInterval.isZero()) {
            problems.add(WeirOptions.ALIGNMENT_UPDATE_INTERVAL.key() + " must be positive");
        } else if (!alignmentMaxDrift.isZero()
                && idleness.compareTo(alignmentUpdateInterval.multipliedBy(5)) < 0) {
            // Flink 2.1 can mark a split idle while alignment pauses it and never resume it when
            // the
            // idleness timeout is close to the alignment interval (FLINK-40093).
            problems.add(
                    WeirOptions.IDLENESS.key()
                            + " ("
                            + idleness
                            + ") must be at least five times "
                            + WeirOptions.ALIGNMENT_UPDATE_INTERVAL.key()
                            + " ("
                            + alignmentUpdateInterval
                            + ") while alignment is on");
        }
        return problems;
    }
}
