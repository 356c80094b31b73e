package dev.weir.operators.decode;

import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.kafka.ReleasedSchemas;
import dev.weir.schemas.ModelControl;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Decodes model-control commands; anything else becomes a dead letter, never a failure. */
public class DecodeModelControl extends ProcessFunction<RawRecord, ModelControl> {

    private static final long serialVersionUID = 1L;

    private transient BinaryMessageDecoder<ModelControl> decoder;

    @Override
    public void open(OpenContext openContext) {
        // Commands written before REQUEST_RETRAIN existed carry the first schema's fingerprint.
        decoder = ReleasedSchemas.decoder(ModelControl.class);
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<ModelControl> out) {
        try {
            out.collect(decoder.decode(raw.value));
        } catch (Exception e) {
            ctx.output(
                    DeadLetters.TAG,
                    DeadLetters.of(
                            raw,
                            "cannot decode model-control command: " + e,
                            e,
                            System.currentTimeMillis()));
        }
    }
}
