package dev.weir.operators.decode;

import dev.weir.operators.quality.DuplicateCheck;
import dev.weir.operators.quality.Rule;
import dev.weir.operators.quality.Severity;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Transaction;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The duplicate-transaction rule ({@code unique_within}): keyed by transaction id, remembers the
 * event time of the first occurrence to arrive and flags (soft) or rejects (hard) a later one whose
 * event time is within the rule's window of it, before or after. A repeat outside the window
 * passes, and the later of the two occurrences is remembered from then on. An event-time timer
 * clears the id once the window has passed after the remembered occurrence, so state is one entry
 * per id seen within the window, whatever account it came under. Input is already governed; a
 * rejected payment goes to the dead letters re-encoded, without Kafka coordinates (they are not
 * known past the shuffle; the transaction id identifies it).
 *
 * <p>The previous release keyed this operator by account and kept each account's ids in {@link
 * #SEEN_BY_ACCOUNT}. That state is still registered, so that release's savepoints restore, but it
 * is never read: the old per-account timers fire after the restore and clear it. Ids seen before
 * the upgrade are therefore not remembered across it: a repeat of one passes, which can happen only
 * within the rule's window of event time after the upgrade.
 */
public class DeduplicateTransactions
        extends KeyedProcessFunction<String, Transaction, Transaction> {

    private static final long serialVersionUID = 1L;

    /** Event time of the remembered occurrence of the key's transaction id. */
    static final ValueStateDescriptor<Long> FIRST_SEEN =
            new ValueStateDescriptor<>("first-seen", Types.LONG);

    /** The previous release's ids per account, kept registered only to be cleared by its timers. */
    static final MapStateDescriptor<String, Long> SEEN_BY_ACCOUNT =
            new MapStateDescriptor<>("seen-ids", Types.STRING, Types.LONG);

    private final String rule;
    private final boolean hard;
    private final long windowMillis;
    private final String topic;

    private transient ValueState<Long> firstSeen;
    private transient MapState<String, Long> seenByAccount;
    private transient Counter failures;
    private transient Counter deadLetters;

    public DeduplicateTransactions(Rule rule, String topic) {
        this.rule = rule.name();
        this.hard = rule.severity() == Severity.HARD;
        this.windowMillis = window(rule).toMillis();
        this.topic = topic;
    }

    /** The window of a duplicate rule. */
    public static java.time.Duration window(Rule rule) {
        if (!(rule.check() instanceof DuplicateCheck duplicate)) {
            throw new IllegalArgumentException("rule " + rule.name() + " is not a duplicate rule");
        }
        return duplicate.window();
    }

    @Override
    public void open(OpenContext context) {
        firstSeen = getRuntimeContext().getState(FIRST_SEEN);
        seenByAccount = getRuntimeContext().getMapState(SEEN_BY_ACCOUNT);
        org.apache.flink.metrics.MetricGroup group =
                getRuntimeContext().getMetricGroup().addGroup(DecodeTransactions.METRIC_GROUP);
        failures =
                group.addGroup("quality")
                        .addGroup("rule", rule)
                        .counter(DecodeTransactions.RULE_FAILURES);
        deadLetters = group.counter(DecodeTransactions.DEAD_LETTERS);
    }

    @Override
    public void processElement(Transaction txn, Context ctx, Collector<Transaction> out)
            throws Exception {
        long time = txn.getEventTime().toEpochMilli();
        Long first = firstSeen.value();
        if (first == null) {
            firstSeen.update(time);
            ctx.timerService().registerEventTimeTimer(time + windowMillis);
            out.collect(txn);
            return;
        }
        if (Math.abs(time - first) >= windowMillis) {
            if (time > first) {
                ctx.timerService().deleteEventTimeTimer(first + windowMillis);
                firstSeen.update(time);
                ctx.timerService().registerEventTimeTimer(time + windowMillis);
            }
            out.collect(txn);
            return;
        }
        failures.inc();
        List<String> flags = new ArrayList<>(txn.getQualityFlags());
        flags.add(rule);
        txn.setQualityFlags(flags);
        if (!hard) {
            out.collect(txn);
            return;
        }
        DeadLetter letter =
                DeadLetter.newBuilder()
                        .setRaw(DecodeTransactions.encode(txn))
                        .setSourceTopic(topic)
                        .setSourcePartition(-1)
                        .setSourceOffset(-1)
                        .setReason(
                                "quality: "
                                        + rule
                                        + " (transaction id seen within "
                                        + java.time.Duration.ofMillis(windowMillis)
                                        + ")")
                        .setDeadLetterTime(
                                java.time.Instant.ofEpochMilli(
                                        ctx.timerService().currentProcessingTime()))
                        .build();
        deadLetters.inc();
        ctx.output(DeadLetters.TAG, letter);
        ctx.output(DecodeTransactions.REJECTED, txn);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Transaction> out)
            throws Exception {
        Long first = firstSeen.value();
        if (first != null && first + windowMillis <= timestamp) {
            firstSeen.clear();
        } else {
            // A timer the previous release set for an account (the key is an account id).
            seenByAccount.clear();
        }
    }
}
