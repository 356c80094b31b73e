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
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The duplicate-transaction rule ({@code unique_within}): keyed by account, remembers the event
 * time of each transaction id the account used within the rule's window, and flags (soft) or
 * rejects (hard) a repeat within it. Keyed by account rather than by transaction id so that an
 * account's payments keep their order on the way to the account features (a shuffle by id would
 * interleave them); a repeated id under another account is therefore not caught. Event-time
 * timers remove ids once their window has passed, so state is one entry per id an account used
 * within the window. Input is already governed; a rejected payment goes to the dead letters
 * re-encoded, without Kafka coordinates (they are not known past the shuffle; the transaction id
 * identifies it).
 */
public class DeduplicateTransactions extends KeyedProcessFunction<String, Transaction, Transaction> {

    private static final long serialVersionUID = 1L;

    static final MapStateDescriptor<String, Long> SEEN = new MapStateDescriptor<>("seen-ids", Types.STRING, Types.LONG);

    private final String rule;
    private final boolean hard;
    private final long windowMillis;
    private final String topic;

    private transient MapState<String, Long> seen;
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
        seen = getRuntimeContext().getMapState(SEEN);
        org.apache.flink.metrics.MetricGroup group =
                getRuntimeContext().getMetricGroup().addGroup(DecodeTransactions.METRIC_GROUP);
        failures = group.addGroup("quality").addGroup("rule", rule).counter(DecodeTransactions.RULE_FAILURES);
        deadLetters = group.counter(DecodeTransactions.DEAD_LETTERS);
    }

    @Override
    public void processElement(Transaction txn, Context ctx, Collector<Transaction> out) throws Exception {
        long time = txn.getEventTime().toEpochMilli();
        if (!seen.contains(txn.getTransactionId())) {
            seen.put(txn.getTransactionId(), time);
            ctx.timerService().registerEventTimeTimer(time + windowMillis);
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
        DeadLetter letter = DeadLetter.newBuilder()
                .setRaw(DecodeTransactions.encode(txn))
                .setSourceTopic(topic)
                .setSourcePartition(-1)
                .setSourceOffset(-1)
                .setReason("quality: " + rule + " (transaction id seen within " + java.time.Duration.ofMillis(windowMillis)
                        + ")")
                .setDeadLetterTime(java.time.Instant.ofEpochMilli(ctx.timerService().currentProcessingTime()))
                .build();
        deadLetters.inc();
        ctx.output(DeadLetters.TAG, letter);
        ctx.output(DecodeTransactions.REJECTED, txn);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Transaction> out) throws Exception {
        java.util.Iterator<java.util.Map.Entry<String, Long>> it = seen.iterator();
        while (it.hasNext()) {
            if (it.next().getValue() + windowMillis <= timestamp) {
                it.remove();
            }
        }
        if (seen.isEmpty()) {
            seen.clear(); // drops the account's entry itself, not only its ids
        }
    }
}
