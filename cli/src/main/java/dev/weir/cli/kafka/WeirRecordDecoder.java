package dev.weir.cli.kafka;

import dev.weir.operators.wire.ConfluentDecoder;
import dev.weir.operators.wire.WireFormat;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Label;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.schemas.wire.ConfluentFraming;
import dev.weir.schemas.wire.SchemaRegistryClient;
import dev.weir.schemas.wire.SchemaRegistryException;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

/**
 * Reads a value of any of Weir's topics in either wire format, told apart by its first bytes: in
 * single-object encoding the record type follows from the schema fingerprint, in Confluent's wire
 * format from the name of the writer schema the registry holds under the value's id. The registry
 * is only asked when a Confluent-framed value comes. For readers of topics of any type ({@code weir
 * consume}); one per thread.
 */
public final class WeirRecordDecoder {

    private static final List<Class<? extends SpecificRecord>> TYPES =
            List.of(
                    Score.class,
                    DeadLetter.class,
                    Transaction.class,
                    Label.class,
                    ModelControl.class,
                    MonitoringRecord.class);

    private final List<BinaryMessageDecoder<? extends SpecificRecord>> singleObject =
            TYPES.stream()
                    .<BinaryMessageDecoder<? extends SpecificRecord>>map(t -> decoder(t))
                    .toList();
    private final String registryUrl;
    private final Function<String, String> env;
    private SchemaRegistryClient registry;
    private final Map<Integer, Schema> writers = new HashMap<>();
    private final Map<Class<?>, ConfluentDecoder<?>> confluent = new HashMap<>();

    /**
     * @param registryUrl the schema registry of Confluent-framed values; null when there is none
     */
    public WeirRecordDecoder(String registryUrl, Function<String, String> env) {
        this.registryUrl = registryUrl;
        this.env = env;
    }

    /** The record in {@code value}; the exception's message says why when there is none. */
    public SpecificRecord decode(byte[] value) throws IOException {
        if (value.length == 0) {
            throw new IOException("empty value");
        }
        WireFormat format = WireFormat.of(value);
        if (format == null) {
            throw new IOException("neither single-object nor Confluent framing");
        }
        if (format == WireFormat.SINGLE_OBJECT) {
            for (BinaryMessageDecoder<? extends SpecificRecord> decoder : singleObject) {
                try {
                    return decoder.decode(value);
                } catch (MissingSchemaException notThisType) {
                    // Another type's fingerprint; try the next.
                }
            }
            throw new IOException("unknown schema fingerprint");
        }
        if (registryUrl == null) {
            throw new IOException("in Confluent's wire format, and no schema registry was given");
        }
        int id = ConfluentFraming.schemaId(value);
        Schema writer = writer(id);
        for (Class<? extends SpecificRecord> type : TYPES) {
            if (SpecificData.getForClass(type)
                    .getSchema(type)
                    .getFullName()
                    .equals(writer.getFullName())) {
                return confluent(type).decode(value);
            }
        }
        throw new IOException(
                "schema id " + id + " is " + writer.getFullName() + ", not a Weir record");
    }

    private ConfluentDecoder<?> confluent(Class<? extends SpecificRecord> type) {
        return confluent.computeIfAbsent(
                type,
                t ->
                        new ConfluentDecoder<>(
                                type,
                                this::writer,
                                new UnregisteredMetricsGroup(),
                                System::currentTimeMillis));
    }

    private Schema writer(int id) throws SchemaRegistryException {
        Schema writer = writers.get(id);
        if (writer == null) {
            if (registry == null) {
                registry = SchemaRegistryClient.create(registryUrl, env);
            }
            writer = registry.schema(id);
            writers.put(id, writer);
        }
        return writer;
    }

    /** Also reads what earlier releases wrote (their schemas are kept). */
    private static <T extends SpecificRecord> BinaryMessageDecoder<T> decoder(Class<T> type) {
        return dev.weir.operators.kafka.ReleasedSchemas.decoder(type);
    }
}
