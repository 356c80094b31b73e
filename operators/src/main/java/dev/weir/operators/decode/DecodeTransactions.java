package dev.weir.operators.decode;

import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.quality.QualityRules;
import dev.weir.operators.quality.Rule;
import dev.weir.operators.quality.Verdict;
import dev.weir.operators.quality.Violation;
import dev.weir.operators.types.WeirTypes;
import dev.weir.operators.wire.RecordDecoder;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Transaction;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes transactions (Avro single-object encoding, or Confluent's wire format with writer schemas
 * from a schema registry, as the topic's format says), checks them against the quality rules and
 * applies the personal-data policy, in that order, so nothing downstream (Iceberg, Kafka, dead
 * letters, logs) ever sees a raw personal value:
 *
 * <ul>
 *   <li>bytes that do not decode go to {@link DeadLetters#TAG} sealed under the governance key
 *       (they may hold personal data that cannot be located without decoding), with the reason: a
 *       bad header, an unknown fingerprint or schema id, a schema registry that does not answer, a
 *       truncated body;
 *   <li>a payment that fails a hard rule goes there too, re-encoded after governance, with the
 *       rules it failed; it is also emitted to {@link #REJECTED} for the quality counts;
 *   <li>a payment that fails only soft rules continues with them in {@code quality_flags}.
 * </ul>
 *
 * Nothing thrown here can fail the job, and nothing is dropped without a count.
 */
public class DecodeTransactions extends ProcessFunction<RawRecord, Transaction> {

    private static final long serialVersionUID = 1L;

    /** Governed payments that failed a hard rule, with every rule they failed in quality_flags. */
    public static final OutputTag<Transaction> REJECTED =
            new OutputTag<>("quality-rejected", WeirTypes.TRANSACTION);

    public static final String METRIC_GROUP = "weir";
    public static final String DECODED = "transactionsDecoded";
    public static final String DEAD_LETTERS = "deadLetters";

    /** Failures of one rule: weir.quality.rule.<name>.failed. */
    public static final String RULE_FAILURES = "failed";

    private final QualityRules rules;
    private final GovernancePolicy policy;
    private final TopicFormat format;

    private transient RecordDecoder<Transaction> decoder;
    private transient Governance governance;
    private transient Counter decoded;
    private transient Counter deadLetters;
    private transient Map<String, Counter> ruleFailures;

    public DecodeTransactions(QualityRules rules, GovernancePolicy policy, TopicFormat format) {
        this.rules = rules;
        this.policy = policy;
        this.format = format;
    }

    /** Single-object encoded input. */
    public DecodeTransactions(QualityRules rules, GovernancePolicy policy) {
        this(rules, policy, TopicFormat.SINGLE_OBJECT);
    }

    /** No quality rules and no governance: decoding only. */
    public DecodeTransactions() {
        this(QualityRules.none(), GovernancePolicy.none());
    }

    @Override
    public void open(OpenContext openContext) {
        governance = Governance.create(policy, System::getenv);
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        decoder = format.decoder(Transaction.class, System::getenv, group);
        decoded = group.counter(DECODED);
        deadLetters = group.counter(DEAD_LETTERS);
        ruleFailures = ruleCounters(group, rules);
    }

    /** One counter per rule, as weir.quality.rule.<name>.failed (a label in Prometheus). */
    public static Map<String, Counter> ruleCounters(MetricGroup group, QualityRules rules) {
        Map<String, Counter> counters = new HashMap<>();
        for (Rule rule : rules.rules()) {
            counters.put(
                    rule.name(),
                    group.addGroup("quality").addGroup("rule", rule.name()).counter(RULE_FAILURES));
        }
        return counters;
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<Transaction> out) {
        long now = System.currentTimeMillis();
        if (raw.value == null || raw.value.length == 0) {
            deadLetter(ctx, sealed(raw, "empty record value", null, now));
            return;
        }
        Transaction txn;
        try {
            txn = decoder.decode(raw.value);
        } catch (Exception | StackOverflowError e) {
            // Avro signals bad bytes with many exception types (bad header, unknown
            // fingerprint, EOF, negative or oversized lengths, SystemLimitException); the
            // Confluent format adds the registry's (unknown id, no answer).
            deadLetter(
                    ctx,
                    sealed(
                            raw,
                            "cannot decode " + format.description() + " record: " + describe(e),
                            e,
                            now));
            return;
        }
        Verdict verdict = rules.check(txn, now);
        List<String> hard = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        for (Violation v : verdict.hard()) {
            hard.add(v.rule());
            reasons.add(v.rule() + " (" + v.detail() + ")");
        }
        String blankKey = hard.isEmpty() ? blankKey(txn) : null;
        if (blankKey != null) {
            reasons.add(blankKey);
        }
        List<String> flags = new ArrayList<>(hard);
        for (Violation v : verdict.soft()) {
            flags.add(v.rule());
        }
        for (String rule : flags) {
            Counter counter = ruleFailures.get(rule);
            if (counter != null) {
                counter.inc();
            }
        }
        Transaction governed = governance.apply(txn);
        governed.setQualityFlags(flags);
        if (reasons.isEmpty()) {
            decoded.inc();
            out.collect(governed);
            return;
        }
        DeadLetter letter =
                DeadLetters.of(raw, "quality: " + String.join("; ", reasons), null, now);
        letter.setRaw(encode(governed));
        deadLetter(ctx, letter);
        ctx.output(REJECTED, governed);
    }

    private void deadLetter(Context ctx, DeadLetter letter) {
        deadLetters.inc();
        ctx.output(DeadLetters.TAG, letter);
    }

    /** Undecodable bytes, sealed when the policy has a key: they may hold personal data. */
    private DeadLetter sealed(RawRecord raw, String reason, Throwable error, long now) {
        DeadLetter letter = DeadLetters.of(raw, reason, error, now);
        if (governance.canSeal() && raw.value != null && raw.value.length > 0) {
            letter.setRaw(ByteBuffer.wrap(governance.seal(raw.value)));
            letter.setRawSealed(true);
        }
        return letter;
    }

    static ByteBuffer encode(Transaction txn) {
        try {
            return Transaction.getEncoder().encode(txn);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String blankKey(Transaction txn) {
        if (txn.getTransactionId().isBlank()) {
            return "transaction_id is blank";
        }
        if (txn.getAccountId().isBlank()) {
            return "account_id is blank";
        }
        if (txn.getMerchantId().isBlank()) {
            return "merchant_id is blank";
        }
        return null;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        String text = e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        return text.length() > 500 ? text.substring(0, 500) : text;
    }
}
