package dev.weir.operators.decode;

import dev.weir.operators.kafka.RawRecord;
import dev.weir.schemas.ModelControl;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/** Decodes model-control commands; anything else becomes a dead letter, never a failure. */
public class DecodeModelControl extends ProcessFunction<RawRecord, ModelControl> {

    private static final long serialVersionUID = 1L;

    private transient BinaryMessageDecoder<ModelControl> decoder;

    @Override
    public void open(OpenContext openContext) {
        decoder = new BinaryMessageDecoder<>(SpecificData.getForClass(ModelControl.class), ModelControl.getClassSchema());
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<ModelControl> out) {
        try {
            out.collect(decoder.decode(raw.value));
        } catch (Exception e) {
            ctx.output(DeadLetters.TAG, DeadLetters.of(raw, "cannot decode model-control command: " + e, e,
                    System.currentTimeMillis()));
        }
    }
}
