package dev.weir.operators.decode;

import dev.weir.operators.kafka.RawRecord;
import dev.weir.schemas.Transaction;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes Avro single-object encoded transactions. Anything that does not decode to a usable
 * transaction goes to {@link DeadLetters#TAG} with the reason; nothing thrown here can fail the
 * job, and nothing is dropped without a count.
 */
public class DecodeTransactions extends ProcessFunction<RawRecord, Transaction> {

    private static final long serialVersionUID = 1L;

    public static final String METRIC_GROUP = "weir";
    public static final String DECODED = "transactionsDecoded";
    public static final String DEAD_LETTERS = "deadLetters";

    private transient BinaryMessageDecoder<Transaction> decoder;
    private transient Counter decoded;
    private transient Counter deadLetters;

    @Override
    public void open(OpenContext openContext) {
        SpecificData data = SpecificData.getForClass(Transaction.class);
        decoder = new BinaryMessageDecoder<>(data, Transaction.getClassSchema());
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        decoded = group.counter(DECODED);
        deadLetters = group.counter(DEAD_LETTERS);
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<Transaction> out) {
        String problem;
        Throwable error = null;
        Transaction txn = null;
        if (raw.value == null || raw.value.length == 0) {
            problem = "empty record value";
        } else {
            try {
                txn = decoder.decode(raw.value);
                problem = missingKey(txn);
            } catch (Exception | StackOverflowError e) {
                // Avro signals bad bytes with many exception types (bad header, unknown
                // fingerprint, EOF, negative or oversized lengths, SystemLimitException).
                error = e;
                problem = "cannot decode Avro single-object record: " + describe(e);
            }
        }
        if (problem == null) {
            decoded.inc();
            out.collect(txn);
        } else {
            deadLetters.inc();
            ctx.output(DeadLetters.TAG, DeadLetters.of(raw, problem, error, System.currentTimeMillis()));
        }
    }

    private static String missingKey(Transaction txn) {
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
