package dev.weir.operators.monitoring;

import dev.weir.schemas.Score;

/** A monitor of scores: per window of event time and per champion model version. */
abstract class ScoreMonitor<A extends WindowAggregate<A>> implements MonitorSpec<Score, A> {

    private static final long serialVersionUID = 1L;

    @Override
    public long timeOf(Score score) {
        return score.getEventTime().toEpochMilli();
    }

    @Override
    public String modelName(Score score) {
        return score.getModelName();
    }

    @Override
    public String modelVersion(Score score) {
        return score.getModelVersion();
    }
}
