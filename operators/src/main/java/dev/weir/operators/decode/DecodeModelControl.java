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
        decoder =
                new BinaryMessageDecoder<>(
                        SpecificData.getForClass(ModelControl.class),
                        ModelControl.getClassSchema());
        // Commands written before REQUEST_RETRAIN existed carry the first schema's fingerprint.
        decoder.addSchema(released("ModelControl-v1.avsc"));
    }

    /** A released schema version kept in the schemas jar (schemas/src/main/history). */
    static org.apache.avro.Schema released(String file) {
        try (java.io.InputStream in =
                DecodeModelControl.class.getResourceAsStream("/schemas/history/" + file)) {
            if (in == null) {
                throw new IllegalStateException(
                        "released schema " + file + " is missing from the schemas jar");
            }
            return new org.apache.avro.Schema.Parser().parse(in);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
