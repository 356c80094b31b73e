package dev.weir.jobs.pipeline;

import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import org.apache.flink.streaming.api.datastream.DataStream;

/** Where the pipeline's outputs go; production writes Kafka and Iceberg, tests may add checks. */
public interface PipelineSinks {

    void writeEvents(DataStream<Transaction> events);

    void writeScores(DataStream<Score> scores);

    void writeDeadLetters(DataStream<DeadLetter> deadLetters);
}
