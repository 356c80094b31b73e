package dev.weir.operators.decode;

import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.wire.RecordDecoder;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.schemas.Label;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes labels in the topic's format; undecodable bytes or a label without a transaction id
 * become dead letters.
 */
public class DecodeLabels extends ProcessFunction<RawRecord, Label> {

    private static final long serialVersionUID = 1L;

    private final TopicFormat format;

    private transient RecordDecoder<Label> decoder;

    public DecodeLabels(TopicFormat format) {
        this.format = format;
    }

    /** Single-object encoded labels. */
    public DecodeLabels() {
        this(TopicFormat.SINGLE_OBJECT);
    }

    @Override
    public void open(OpenContext openContext) {
        decoder =
                format.decoder(
                        Label.class,
                        System::getenv,
                        getRuntimeContext()
                                .getMetricGroup()
                                .addGroup(DecodeTransactions.METRIC_GROUP));
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<Label> out) {
        Label label;
        try {
            label = decoder.decode(raw.value);
        } catch (Exception e) {
            ctx.output(
                    DeadLetters.TAG,
                    DeadLetters.of(
                            raw, "cannot decode label: " + e, e, System.currentTimeMillis()));
            return;
        }
        if (label.getTransactionId() == null || label.getTransactionId().isBlank()) {
            ctx.output(
                    DeadLetters.TAG,
                    DeadLetters.of(
                            raw, "label without transaction_id", null, System.currentTimeMillis()));
            return;
        }
        out.collect(label);
    }
}
