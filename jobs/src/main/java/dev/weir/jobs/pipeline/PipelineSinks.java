package dev.weir.jobs.pipeline;

import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Where the pipeline's outputs go; production writes Kafka and Iceberg, tests may add checks. */
public interface PipelineSinks {

    void writeEvents(DataStream<Transaction> events);

    void writeScores(DataStream<Score> scores);

    /** The vectors exactly as scored, with the names of the feature set in vector order. */
    void writeFeatures(DataStream<FeaturedTransaction> features, java.util.List<String> names);

    void writeDeadLetters(DataStream<DeadLetter> deadLetters);

    void writeMonitoring(DataStream<MonitoringRecord> monitoring);
}
