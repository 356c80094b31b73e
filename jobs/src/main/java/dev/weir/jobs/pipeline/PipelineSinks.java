package dev.weir.jobs.pipeline;

import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Where the pipeline's outputs go; production writes Kafka and Iceberg, tests may add checks. */
public interface PipelineSinks {

    void writeEvents(DataStream<Transaction> events);

    /** The exactly-once record of every score, visible when the checkpoint after it completes. */
    void writeScores(DataStream<Score> scores);

    /**
     * The fast path: the same scores, visible to consumers as soon as they are computed. At least
     * once: after a failure the events since the last checkpoint are scored and written again, with
     * the same transaction id, model version, feature vector and decision; the score itself is
     * computed again in another micro-batch and may differ from the first in float rounding.
     */
    void writeDecisions(DataStream<Score> decisions);

    /** The vectors exactly as scored, with the names of the feature set in vector order. */
    void writeFeatures(DataStream<FeaturedTransaction> features, java.util.List<String> names);

    /**
     * Each entity's values after every event it aggregated, in the order its stage changed them,
     * and a record without names when its state expired; only when {@code features.publish} is on.
     * At least once: a latest-value stream, where a repeat after a restart writes the same value
     * again.
     */
    void writeEntityFeatures(DataStream<EntityFeatures> entityFeatures);

    void writeDeadLetters(DataStream<DeadLetter> deadLetters);

    void writeMonitoring(DataStream<MonitoringRecord> monitoring);
}
