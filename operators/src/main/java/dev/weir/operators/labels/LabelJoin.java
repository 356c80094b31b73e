package dev.weir.operators.labels;

import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Decision;
import dev.weir.schemas.Label;
import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.LabelOutcomeType;
import dev.weir.schemas.Score;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins late ground truth with the logged scores by transaction id. A score waits in keyed state
 * for its label for {@code scoreTtl} of event time; a label that arrives before its score (the
 * topics are independent) waits {@code labelWait}. Each wait ends in a timer that clears the state
 * and reports the miss, so state per transaction is bounded by the TTL and nothing is dropped
 * without being counted. Only what performance and fairness need is kept of a score, not its
 * feature vector nor its transaction id, which is the key (about 125 bytes with its key and timer
 * in RocksDB, plus the values of the fairness segment attributes; operators/README.md). When a
 * challenger scored the transaction too, its verdict waits beside the champion's and is matched
 * with the same label, so both versions get realised performance over the same transactions (what
 * the governor needs to promote a challenger).
 */
public class LabelJoin extends KeyedCoProcessFunction<String, Score, Label, LabelOutcome> {

    private static final long serialVersionUID = 1L;

    public static final String MATCHED = "labelsMatched";
    public static final String EXPIRED_SCORES = "scoresExpiredUnlabelled";
    public static final String UNMATCHED_LABELS = "labelsUnmatched";
    public static final String DUPLICATE_LABELS = "labelsDuplicate";

    static final ValueStateDescriptor<LabelOutcome> WAITING_SCORE =
            new ValueStateDescriptor<>("waiting-score", WeirTypes.WAITING_LABEL_OUTCOME);
    static final ValueStateDescriptor<Label> WAITING_LABEL =
            new ValueStateDescriptor<>("waiting-label", WeirTypes.LABEL);

    /**
     * The challenger's verdict on the same transaction, when one scored it: its realised
     * performance too.
     */
    static final ValueStateDescriptor<LabelOutcome> WAITING_CHALLENGER =
            new ValueStateDescriptor<>("waiting-challenger-score", WeirTypes.WAITING_LABEL_OUTCOME);

    /**
     * Set once a transaction is matched, until the score's TTL ends: a second label is a duplicate.
     */
    static final ValueStateDescriptor<Long> MATCHED_UNTIL =
            new ValueStateDescriptor<>(
                    "matched-until", org.apache.flink.api.common.typeinfo.Types.LONG);

    /**
     * The transaction id of a score while it waits: the key holds it, so the state does not keep it
     * a second time (36 of about 100 bytes for a UUID); an outcome gets it back from the key when
     * it is emitted. Scores that waited in an earlier release kept their id, the same value.
     */
    private static final String KEYED = "";

    private final long scoreTtlMillis;
    private final long labelWaitMillis;
    private final List<String> segmentAttributes;

    private transient ValueState<LabelOutcome> waitingScore;
    private transient ValueState<Label> waitingLabel;
    private transient ValueState<LabelOutcome> waitingChallenger;
    private transient ValueState<Long> matchedUntil;
    private transient Counter matched;
    private transient Counter expired;
    private transient Counter unmatched;
    private transient Counter duplicates;

    public LabelJoin(long scoreTtlMillis, long labelWaitMillis) {
        this(scoreTtlMillis, labelWaitMillis, List.of());
    }

    /**
     * @param segmentAttributes fields of each score's monitored_inputs kept with it as the
     *     outcome's segments, for fairness monitoring (a missing field is kept as "null")
     */
    public LabelJoin(long scoreTtlMillis, long labelWaitMillis, List<String> segmentAttributes) {
        if (scoreTtlMillis <= 0 || labelWaitMillis <= 0) {
            throw new IllegalArgumentException("score TTL and label wait must be positive");
        }
        this.scoreTtlMillis = scoreTtlMillis;
        this.labelWaitMillis = labelWaitMillis;
        this.segmentAttributes = List.copyOf(segmentAttributes);
    }

    @Override
    public void open(OpenContext context) {
        waitingScore = getRuntimeContext().getState(WAITING_SCORE);
        waitingLabel = getRuntimeContext().getState(WAITING_LABEL);
        waitingChallenger = getRuntimeContext().getState(WAITING_CHALLENGER);
        matchedUntil = getRuntimeContext().getState(MATCHED_UNTIL);
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup("weir");
        matched = group.counter(MATCHED);
        expired = group.counter(EXPIRED_SCORES);
        unmatched = group.counter(UNMATCHED_LABELS);
        duplicates = group.counter(DUPLICATE_LABELS);
    }

    @Override
    public void processElement1(Score score, Context ctx, Collector<LabelOutcome> out)
            throws Exception {
        LabelOutcome logged =
                LabelOutcome.newBuilder()
                        .setOutcome(LabelOutcomeType.UNKNOWN)
                        .setTransactionId(KEYED)
                        .setModelName(score.getModelName())
                        .setModelVersion(score.getModelVersion())
                        .setScore(score.getScore())
                        .setDeclined(score.getDecision() == Decision.DECLINE)
                        .setEventTime(score.getEventTime().toEpochMilli())
                        .setOutcomeTime(score.getEventTime().toEpochMilli())
                        .setSegments(segments(score))
                        .build();
        LabelOutcome challenger = challengerOf(score, logged);
        Label label = waitingLabel.value();
        if (label != null) {
            waitingLabel.clear();
            ctx.timerService().deleteEventTimeTimer(labelDeadline(label));
            emitMatch(logged, challenger, label, ctx, out);
            return;
        }
        if (waitingScore.value() != null || matchedUntil.value() != null) {
            return; // the same transaction scored again (a replayed input): keep the first
        }
        waitingScore.update(logged);
        if (challenger != null) {
            waitingChallenger.update(challenger);
        }
        ctx.timerService().registerEventTimeTimer(scoreDeadline(logged));
    }

    @Override
    public void processElement2(Label label, Context ctx, Collector<LabelOutcome> out)
            throws Exception {
        LabelOutcome logged = waitingScore.value();
        if (logged != null) {
            LabelOutcome challenger = waitingChallenger.value();
            waitingScore.clear();
            waitingChallenger.clear();
            ctx.timerService().deleteEventTimeTimer(scoreDeadline(logged));
            emitMatch(logged, challenger, label, ctx, out);
            return;
        }
        if (matchedUntil.value() != null || waitingLabel.value() != null) {
            duplicates.inc();
            return;
        }
        waitingLabel.update(label);
        ctx.timerService().registerEventTimeTimer(labelDeadline(label));
    }

    private void emitMatch(
            LabelOutcome logged,
            LabelOutcome challenger,
            Label label,
            Context ctx,
            Collector<LabelOutcome> out)
            throws Exception {
        long labelTime = label.getLabelTime().toEpochMilli();
        for (LabelOutcome outcome :
                challenger == null ? List.of(logged) : List.of(logged, challenger)) {
            outcome.setTransactionId(ctx.getCurrentKey());
            outcome.setOutcome(LabelOutcomeType.MATCHED);
            outcome.setIsFraud(label.getIsFraud());
            outcome.setOutcomeTime(Math.max(labelTime, outcome.getEventTime()));
            out.collect(outcome);
        }
        matched.inc();
        long until = scoreDeadline(logged);
        matchedUntil.update(until);
        ctx.timerService().registerEventTimeTimer(until);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<LabelOutcome> out)
            throws Exception {
        LabelOutcome logged = waitingScore.value();
        if (logged != null && scoreDeadline(logged) <= timestamp) {
            waitingScore.clear();
            waitingChallenger.clear();
            logged.setTransactionId(ctx.getCurrentKey());
            logged.setOutcome(LabelOutcomeType.EXPIRED_SCORE);
            logged.setOutcomeTime(timestamp);
            out.collect(logged);
            expired.inc();
        }
        Label label = waitingLabel.value();
        if (label != null && labelDeadline(label) <= timestamp) {
            waitingLabel.clear();
            out.collect(
                    LabelOutcome.newBuilder()
                            .setOutcome(LabelOutcomeType.UNMATCHED_LABEL)
                            .setTransactionId(label.getTransactionId())
                            .setIsFraud(label.getIsFraud())
                            .setOutcomeTime(timestamp)
                            .build());
            unmatched.inc();
        }
        Long until = matchedUntil.value();
        if (until != null && until <= timestamp) {
            matchedUntil.clear();
        }
    }

    /** The segment attributes' values of a score: only what fairness needs waits in state. */
    private Map<String, String> segments(Score score) {
        if (segmentAttributes.isEmpty()) {
            return Map.of();
        }
        Map<String, String> inputs = score.getMonitoredInputs();
        Map<String, String> values = new HashMap<>();
        for (String attribute : segmentAttributes) {
            String value = inputs == null ? null : inputs.get(attribute);
            values.put(attribute, value == null ? "null" : value);
        }
        return values;
    }

    /** What the challenger said about the same transaction, as an outcome of its own version. */
    private static LabelOutcome challengerOf(Score score, LabelOutcome champion) {
        if (score.getChallengerVersion() == null || score.getChallengerScore() == null) {
            return null;
        }
        return LabelOutcome.newBuilder(champion)
                .setModelVersion(score.getChallengerVersion())
                .setScore(score.getChallengerScore())
                .setDeclined(score.getChallengerDecision() == Decision.DECLINE)
                .build();
    }

    private long scoreDeadline(LabelOutcome logged) {
        return logged.getEventTime() + scoreTtlMillis;
    }

    private long labelDeadline(Label label) {
        return label.getLabelTime().toEpochMilli() + labelWaitMillis;
    }
}
