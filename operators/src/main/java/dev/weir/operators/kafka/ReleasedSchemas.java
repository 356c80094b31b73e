package dev.weir.operators.kafka;

import dev.weir.schemas.ModelControl;
import dev.weir.schemas.Score;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * The released versions of Weir's changed schemas, kept in the schemas jar ({@code
 * schemas/src/main/history}), and decoders that read records written with them as well as with the
 * current schema. A topic holds what earlier releases wrote, so whoever reads it from its beginning
 * needs them.
 *
 * <p>{@code Score score = ReleasedSchemas.decoder(Score.class).decode(value);}
 */
public final class ReleasedSchemas {

    /** Per type, the files of its released versions, oldest first. */
    private static final Map<Class<?>, List<String>> RELEASED =
            Map.of(
                    ModelControl.class, List.of("ModelControl-v1.avsc"),
                    Score.class, List.of("Score-v1.avsc"));

    private ReleasedSchemas() {}

    /**
     * A single-object decoder of {@code type} that also resolves the released older writer schemas
     * against the current one (fields added since take their defaults).
     */
    public static <T extends SpecificRecord> BinaryMessageDecoder<T> decoder(Class<T> type) {
        SpecificData data = SpecificData.getForClass(type);
        BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(data, data.getSchema(type));
        for (String file : RELEASED.getOrDefault(type, List.of())) {
            decoder.addSchema(released(file));
        }
        return decoder;
    }

    /** A released schema version from the schemas jar, e.g. {@code Score-v1.avsc}. */
    public static Schema released(String file) {
        try (InputStream in =
                ReleasedSchemas.class.getResourceAsStream("/schemas/history/" + file)) {
            if (in == null) {
                throw new IllegalStateException(
                        "released schema " + file + " is missing from the schemas jar");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
