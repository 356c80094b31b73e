package dev.weir.operators.decode;

import dev.weir.operators.kafka.RawRecord;
import dev.weir.schemas.Label;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Decodes labels; undecodable bytes or a label without a transaction id become dead letters. */
public class DecodeLabels extends ProcessFunction<RawRecord, Label> {

    private static final long serialVersionUID = 1L;

    private transient BinaryMessageDecoder<Label> decoder;

    @Override
    public void open(OpenContext openContext) {
        decoder =
                new BinaryMessageDecoder<>(
                        SpecificData.getForClass(Label.class), Label.getClassSchema());
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
