package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.kafka.RawRecord;
import org.apache.flink.api.connector.source.Source;

/**
 * The pipeline's inputs: payments, model-control commands and late labels.
 *
 * @param transactions the payments to score
 * @param control model-control commands, broadcast to the scoring operators
 * @param labels ground truth joined with the scores
 */
public record PipelineSources(
        Source<RawRecord, ?, ?> transactions,
        Source<RawRecord, ?, ?> control,
        Source<RawRecord, ?, ?> labels) {

    /**
     * @param bounded stop at the offsets that are latest when the job starts (tests, backfills)
     */
    public static PipelineSources kafka(PipelineConfig config, boolean bounded) {
        return new PipelineSources(
                TransactionSource.build(config, bounded),
                TransactionSource.control(config, bounded),
                TransactionSource.labels(config, bounded));
    }
}
