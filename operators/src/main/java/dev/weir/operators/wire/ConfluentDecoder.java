package dev.weir.operators.wire;

import dev.weir.schemas.wire.ConfluentFraming;
import dev.weir.schemas.wire.SchemaRegistryException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Reads values in Confluent's wire format: the writer schema is fetched from the schema registry by
 * the id in the value, once per id, and resolved against the reader's schema by Avro's rules (an
 * older or newer writer with compatible changes reads fine).
 *
 * <p>What cannot be read says why, in the exception's message: a value not framed as the format
 * says, an id the registry does not know, a writer schema the reader cannot resolve, a registry
 * that does not answer, bytes that do not match their writer schema. An unknown id is asked about
 * again after {@link #NOT_FOUND_RECHECK_MILLIS}; after the registry failed to answer, ids not seen
 * before fail at once for {@link #UNAVAILABLE_BACKOFF_MILLIS} instead of each waiting for its
 * timeout, so an outage does not stall the task. Records of ids already known never need the
 * registry.
 *
 * <p>One decoder per operator instance, used from its task thread only.
 */
public final class ConfluentDecoder<T extends SpecificRecord> implements RecordDecoder<T> {

    /**
     * Bound of the per-id caches. A topic has tens of writer schemas over its life; the bound only
     * keeps a stream of made-up ids from growing memory. Least recently used ids go first; a plain
     * access-ordered map is enough for one thread.
     */
    static final int MAX_CACHED_IDS = 1_000;

    static final long NOT_FOUND_RECHECK_MILLIS = 60_000;
    static final long UNAVAILABLE_BACKOFF_MILLIS = 5_000;

    public static final String LOOKUPS = "schemaRegistryLookups";
    public static final String UNKNOWN_IDS = "unknownSchemaIds";
    public static final String REGISTRY_FAILURES = "schemaRegistryFailures";
    public static final String CACHED_SCHEMAS = "cachedWriterSchemas";

    /** Where writer schemas come from: the registry's {@code GET /schemas/ids/{id}}. */
    @FunctionalInterface
    public interface SchemaLookup {
        Schema schema(int id) throws SchemaRegistryException;
    }

    private final SchemaLookup lookup;
    private final Schema readerSchema;
    private final SpecificData data;
    private final LongSupplier clock;
    private final Map<Integer, DatumReader<T>> readers = lru();

    /** Ids that cannot be read, with why and until when (epoch ms; MAX_VALUE: for good). */
    private final Map<Integer, Refusal> refused = lru();

    private long unavailableUntil;
    private String unavailableReason;
    private BinaryDecoder binary;
    private final Counter lookups;
    private final Counter unknownIds;
    private final Counter registryFailures;

    private record Refusal(String reason, SchemaRegistryException.Kind kind, long until) {}

    public ConfluentDecoder(
            Class<T> type, SchemaLookup lookup, MetricGroup metrics, LongSupplier clock) {
        this.data = SpecificData.getForClass(type);
        this.readerSchema = data.getSchema(type);
        this.lookup = lookup;
        this.clock = clock;
        this.lookups = metrics.counter(LOOKUPS);
        this.unknownIds = metrics.counter(UNKNOWN_IDS);
        this.registryFailures = metrics.counter(REGISTRY_FAILURES);
        metrics.gauge(CACHED_SCHEMAS, readers::size);
    }

    @Override
    public T decode(byte[] value) throws IOException {
        int id = ConfluentFraming.schemaId(value);
        DatumReader<T> reader = reader(id);
        binary =
                DecoderFactory.get()
                        .binaryDecoder(
                                value,
                                ConfluentFraming.HEADER_LENGTH,
                                value.length - ConfluentFraming.HEADER_LENGTH,
                                binary);
        T record = reader.read(null, binary);
        if (!binary.isEnd()) {
            throw new IOException(
                    "bytes left after the record: they were not written with schema id " + id);
        }
        return record;
    }

    private DatumReader<T> reader(int id) throws IOException {
        DatumReader<T> known = readers.get(id);
        if (known != null) {
            return known;
        }
        long now = clock.getAsLong();
        Refusal refusal = refused.get(id);
        if (refusal != null && now < refusal.until()) {
            throw new SchemaRegistryException(refusal.kind(), refusal.reason());
        }
        if (now < unavailableUntil) {
            throw new SchemaRegistryException(
                    SchemaRegistryException.Kind.UNAVAILABLE,
                    "schema id "
                            + id
                            + " is not known yet, and the schema registry is given "
                            + UNAVAILABLE_BACKOFF_MILLIS / 1000
                            + " s to recover after it failed ("
                            + unavailableReason
                            + ")");
        }
        Schema writer;
        lookups.inc();
        try {
            writer = lookup.schema(id);
        } catch (SchemaRegistryException e) {
            switch (e.kind()) {
                case NOT_FOUND -> {
                    unknownIds.inc();
                    refused.put(
                            id,
                            new Refusal(e.getMessage(), e.kind(), now + NOT_FOUND_RECHECK_MILLIS));
                }
                case UNREADABLE ->
                        refused.put(id, new Refusal(e.getMessage(), e.kind(), Long.MAX_VALUE));
                default -> {
                    registryFailures.inc();
                    unavailableUntil = now + UNAVAILABLE_BACKOFF_MILLIS;
                    unavailableReason = e.getMessage();
                }
            }
            throw e;
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            String reason =
                    "writer schema id "
                            + id
                            + " ("
                            + writer.getFullName()
                            + ") cannot be read as "
                            + readerSchema.getFullName()
                            + ": "
                            + compatibility.getResult().getIncompatibilities().stream()
                                    .map(i -> i.getType() + " at " + i.getLocation())
                                    .toList();
            refused.put(
                    id,
                    new Refusal(reason, SchemaRegistryException.Kind.UNREADABLE, Long.MAX_VALUE));
            throw new SchemaRegistryException(SchemaRegistryException.Kind.UNREADABLE, reason);
        }
        DatumReader<T> reader = new SpecificDatumReader<>(writer, readerSchema, data);
        readers.put(id, reader);
        refused.remove(id);
        return reader;
    }

    private static <V> Map<Integer, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Integer, V> eldest) {
                return size() > MAX_CACHED_IDS;
            }
        };
    }
}
