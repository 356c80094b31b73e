package dev.weir.it;

import dev.weir.jobs.pipeline.PipelineSinks;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Score;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * A planned failure on the scores path: on the first attempt of subtask 0, after {@code quiet}
 * scores, it slows records down and fails as soon as a checkpoint completes; later attempts pass
 * everything through. Failing from the checkpoint notification does not depend on more records
 * arriving after it, and the slowdown keeps work in flight on both sides of the failure.
 */
final class PlannedFailure extends RichMapFunction<Score, Score> implements CheckpointListener {

    private static final long serialVersionUID = 1L;

    /** Failures that happened, for tests to assert their failure really took place. */
    static final AtomicInteger COUNT = new AtomicInteger();

    private final long quiet;
    private final long sleepMillis;
    private transient boolean armed;
    private transient long seen;

    PlannedFailure(long quiet, long sleepMillis) {
        this.quiet = quiet;
        this.sleepMillis = sleepMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        armed =
                getRuntimeContext().getTaskInfo().getAttemptNumber() == 0
                        && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
    }

    @Override
    public Score map(Score score) throws Exception {
        if (armed && ++seen > quiet) {
            Thread.sleep(sleepMillis);
        }
        return score;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        if (armed && seen > quiet) {
            armed = false;
            COUNT.incrementAndGet();
            throw new IllegalStateException(
                    "planned failure after completed checkpoint " + checkpointId);
        }
    }

    /** Production sinks with the planned failure in front of the scores. */
    static final class Sinks extends ForwardingSinks {
        private final PlannedFailure failure;

        Sinks(PipelineSinks delegate, PlannedFailure failure) {
            super(delegate);
            this.failure = failure;
        }

        @Override
        public void writeScores(DataStream<Score> scores) {
            super.writeScores(
                    scores.map(failure, WeirTypes.SCORE)
                            .uid("it-fail-once")
                            .name("Planned failure"));
        }
    }
}
