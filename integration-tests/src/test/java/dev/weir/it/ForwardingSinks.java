package dev.weir.it;

import dev.weir.jobs.pipeline.PipelineSinks;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.util.List;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Sinks that hand everything to other sinks; tests override one output to put something in its
 * path.
 */
class ForwardingSinks implements PipelineSinks {

    private final PipelineSinks delegate;

    ForwardingSinks(PipelineSinks delegate) {
        this.delegate = delegate;
    }

    @Override
    public void writeEvents(DataStream<Transaction> events) {
        delegate.writeEvents(events);
    }

    @Override
    public void writeScores(DataStream<Score> scores) {
        delegate.writeScores(scores);
    }

    @Override
    public void writeDecisions(DataStream<Score> decisions) {
        delegate.writeDecisions(decisions);
    }

    @Override
    public void writeFeatures(DataStream<FeaturedTransaction> features, List<String> names) {
        delegate.writeFeatures(features, names);
    }

    @Override
    public void writeEntityFeatures(DataStream<EntityFeatures> entityFeatures) {
        delegate.writeEntityFeatures(entityFeatures);
    }

    @Override
    public void writeDeadLetters(DataStream<DeadLetter> deadLetters) {
        delegate.writeDeadLetters(deadLetters);
    }

    @Override
    public void writeMonitoring(DataStream<MonitoringRecord> monitoring) {
        delegate.writeMonitoring(monitoring);
    }
}
