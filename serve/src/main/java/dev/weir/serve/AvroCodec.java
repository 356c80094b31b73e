package dev.weir.serve;

import dev.weir.schemas.wire.ConfluentFraming;
import dev.weir.schemas.wire.SchemaRegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro single-object encoding of one of Weir's record types, as the pipeline writes its topics: a
 * two-byte marker, the writer schema's fingerprint, the record. Decoding also resolves the released
 * older writer schemas kept in the schemas jar ({@code schemas/history}), so topics and stores
 * written by an earlier release stay readable. The stores keep values in the same encoding.
 *
 * <p>{@code Serde<Score> scores = AvroCodec.of(Score.class, "Score-v1.avsc").serde();}
 */
final class AvroCodec<T extends SpecificRecord> {

    private final Class<T> type;
    private final SpecificData data;
    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroCodec(Class<T> type, List<String> released) {
        this.type = type;
        this.data = SpecificData.getForClass(type);
        this.schema = data.getSchema(type);
        this.encoder = new BinaryMessageEncoder<>(data, schema);
        this.decoder = new BinaryMessageDecoder<>(data, schema);
        for (String file : released) {
            decoder.addSchema(released(file));
        }
    }

    /**
     * @param released files of the type's released older schemas in the schemas jar
     */
    static <T extends SpecificRecord> AvroCodec<T> of(Class<T> type, String... released) {
        return new AvroCodec<>(type, List.of(released));
    }

    byte[] encode(T record) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @throws SerializationException when the bytes are not a single-object encoded {@code T}
     *     (Kafka Streams' deserialization handler then logs and skips the record)
     */
    T decode(byte[] bytes) {
        try {
            return decoder.decode(bytes);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "not a single-object encoded " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Null stays null both ways: a tombstone in a compacted topic. */
    Serde<T> serde() {
        Serializer<T> serializer = (topic, record) -> record == null ? null : encode(record);
        Deserializer<T> deserializer = (topic, bytes) -> bytes == null ? null : decode(bytes);
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /**
     * Reads a topic's values in either wire format the pipeline writes: single-object, or
     * Confluent's (magic byte 0 and the writer schema's id, looked up in {@code registry} once per
     * id and resolved against this type's schema). Without a registry only single-object values
     * decode. Values are written back, to the stores, in single-object encoding.
     */
    Serde<T> topicSerde(SchemaRegistryClient registry) {
        if (registry == null) {
            return serde();
        }
        Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();
        Deserializer<T> deserializer =
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    if (bytes.length == 0 || bytes[0] != ConfluentFraming.MAGIC_BYTE) {
                        return decode(bytes);
                    }
                    return decodeConfluent(bytes, readers, registry);
                };
        return Serdes.serdeFrom(serde().serializer(), deserializer);
    }

    private T decodeConfluent(
            byte[] bytes, Map<Integer, DatumReader<T>> readers, SchemaRegistryClient registry) {
        try {
            int id = ConfluentFraming.schemaId(bytes);
            DatumReader<T> reader = readers.get(id);
            if (reader == null) {
                // Ids are immutable in a registry: an id's schema never needs fetching twice.
                reader = new SpecificDatumReader<>(registry.schema(id), schema, data);
                readers.put(id, reader);
            }
            BinaryDecoder body =
                    DecoderFactory.get()
                            .binaryDecoder(
                                    bytes,
                                    ConfluentFraming.HEADER_LENGTH,
                                    bytes.length - ConfluentFraming.HEADER_LENGTH,
                                    null);
            return reader.read(null, body);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "not a Confluent-framed " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Schema released(String file) {
        try (InputStream in = AvroCodec.class.getResourceAsStream("/schemas/history/" + file)) {
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
