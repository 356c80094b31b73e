package dev.weir.operators.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.operators.TestRecords;
import dev.weir.schemas.Transaction;
import dev.weir.schemas.wire.ConfluentFraming;
import dev.weir.schemas.wire.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.junit.jupiter.api.Test;

/**
 * The Confluent wire format's decoding rules, with writer schemas from a lookup table: resolution
 * against the reader's schema, one lookup per id, and how each kind of unreadable value fails. The
 * schema registry itself (its REST API, ids, compatibility rules) is exercised against a real one
 * in the integration tests.
 */
class ConfluentDecoderTest {

    private static final int ID = 7;

    private final Map<Integer, Schema> registry = new HashMap<>();
    private final List<Integer> asked = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private SchemaRegistryException.Kind failWith;
    private final InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();

    private ConfluentDecoder<Transaction> decoder() {
        return new ConfluentDecoder<>(
                Transaction.class,
                id -> {
                    asked.add(id);
                    if (failWith != null) {
                        throw new SchemaRegistryException(failWith, "registry down");
                    }
                    Schema schema = registry.get(id);
                    if (schema == null) {
                        throw new SchemaRegistryException(
                                SchemaRegistryException.Kind.NOT_FOUND,
                                "schema id " + id + " is not in the schema registry");
                    }
                    return schema;
                },
                metrics,
                now::get);
    }

    @Test
    void recordsRoundTripAndEachIdIsLookedUpOnce() throws Exception {
        registry.put(ID, Transaction.getClassSchema());
        Transaction txn = TestRecords.txn("t1", "a1", 1_000L, 500);
        byte[] value = new ConfluentEncoder<>(Transaction.class, ID).encode(txn);

        assertThat(Arrays.copyOf(value, 5)).containsExactly(0, 0, 0, 0, ID);
        assertThat(WireFormat.of(value)).isEqualTo(WireFormat.CONFLUENT);
        ConfluentDecoder<Transaction> decoder = decoder();
        assertThat(decoder.decode(value)).isEqualTo(txn);
        assertThat(decoder.decode(value)).isEqualTo(txn);
        assertThat(asked).containsExactly(ID);
    }

    @Test
    void anOlderAndANewerWriterSchemaResolveAgainstTheReadersSchema() throws Exception {
        // Older: without the optional personal-data fields; newer: with a field Weir does not know.
        Schema older = without(Transaction.getClassSchema(), "card_number", "email", "ip_address");
        Schema newer = withExtraField(Transaction.getClassSchema(), "loyalty_tier");
        registry.put(1, older);
        registry.put(2, newer);
        Transaction expected = TestRecords.txn("t1", "a1", 1_000L, 500);

        ConfluentDecoder<Transaction> decoder = decoder();
        assertThat(decoder.decode(encode(1, older, expected, Map.of()))).isEqualTo(expected);
        assertThat(decoder.decode(encode(2, newer, expected, Map.of("loyalty_tier", "gold"))))
                .isEqualTo(expected);
    }

    @Test
    void everyKindOfUnreadableValueFailsWithItsReason() throws Exception {
        registry.put(ID, Transaction.getClassSchema());
        byte[] good =
                new ConfluentEncoder<>(Transaction.class, ID)
                        .encode(TestRecords.txn("t1", "a1", 1_000L, 500));
        ConfluentDecoder<Transaction> decoder = decoder();

        byte[] singleObject = TestRecords.encode(TestRecords.txn("t1", "a1", 1_000L, 500));
        assertThatThrownBy(() -> decoder.decode(singleObject))
                .isInstanceOf(ConfluentFraming.BadFramingException.class)
                .hasMessage("not in the Confluent wire format: magic byte 0xc3, expected 0x00");
        assertThatThrownBy(() -> decoder.decode(new byte[] {0, 0, 1}))
                .hasMessageContaining("3 bytes, fewer than the 5 of its header");

        byte[] truncated = Arrays.copyOf(good, good.length - 4);
        assertThatThrownBy(() -> decoder.decode(truncated)).isInstanceOf(IOException.class);
        byte[] trailing = Arrays.copyOf(good, good.length + 3);
        assertThatThrownBy(() -> decoder.decode(trailing))
                .hasMessageContaining("bytes left after the record");

        Schema other =
                new Schema.Parser()
                        .parse(
                                "{\"type\":\"record\",\"name\":\"Transaction\",\"namespace\":"
                                        + "\"dev.weir.schemas\",\"fields\":[{\"name\":"
                                        + "\"transaction_id\",\"type\":\"long\"}]}");
        registry.put(8, other);
        byte[] incompatible = good.clone();
        incompatible[4] = 8;
        assertThatThrownBy(() -> decoder.decode(incompatible))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("writer schema id 8 (dev.weir.schemas.Transaction)")
                .hasMessageContaining("cannot be read as dev.weir.schemas.Transaction");
        assertThat(asked).containsExactly(ID, 8);
    }

    @Test
    void anUnknownIdIsAskedAboutAgainOnlyAfterAMinute() throws Exception {
        Transaction txn = TestRecords.txn("t1", "a1", 1_000L, 500);
        byte[] value = new ConfluentEncoder<>(Transaction.class, 42).encode(txn);
        ConfluentDecoder<Transaction> decoder = decoder();

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> decoder.decode(value))
                    .isInstanceOf(SchemaRegistryException.class)
                    .hasMessage("schema id 42 is not in the schema registry")
                    .satisfies(
                            e ->
                                    assertThat(((SchemaRegistryException) e).kind())
                                            .isEqualTo(SchemaRegistryException.Kind.NOT_FOUND));
        }
        assertThat(asked).containsExactly(42);
        assertThat(count(ConfluentDecoder.UNKNOWN_IDS)).isEqualTo(1);
        assertThat(count(ConfluentDecoder.LOOKUPS)).isEqualTo(1);

        // Registered meanwhile: read once the minute has passed.
        registry.put(42, Transaction.getClassSchema());
        now.addAndGet(ConfluentDecoder.NOT_FOUND_RECHECK_MILLIS);
        assertThat(decoder.decode(value)).isEqualTo(txn);
        assertThat(asked).containsExactly(42, 42);
    }

    @Test
    void afterTheRegistryFailedNewIdsFailAtOnceForAFewSecondsAndKnownIdsStillRead()
            throws Exception {
        registry.put(1, Transaction.getClassSchema());
        registry.put(2, Transaction.getClassSchema());
        Transaction txn = TestRecords.txn("t1", "a1", 1_000L, 500);
        byte[] known = new ConfluentEncoder<>(Transaction.class, 1).encode(txn);
        byte[] unseen = new ConfluentEncoder<>(Transaction.class, 2).encode(txn);
        ConfluentDecoder<Transaction> decoder = decoder();
        assertThat(decoder.decode(known)).isEqualTo(txn);

        failWith = SchemaRegistryException.Kind.UNAVAILABLE;
        assertThatThrownBy(() -> decoder.decode(unseen)).hasMessage("registry down");
        assertThatThrownBy(() -> decoder.decode(unseen))
                .hasMessageContaining("schema id 2 is not known yet")
                .hasMessageContaining("(registry down)");
        assertThat(decoder.decode(known)).isEqualTo(txn);
        assertThat(asked).containsExactly(1, 2);

        failWith = null;
        now.addAndGet(ConfluentDecoder.UNAVAILABLE_BACKOFF_MILLIS);
        assertThat(decoder.decode(unseen)).isEqualTo(txn);
        assertThat(asked).containsExactly(1, 2, 2);
        assertThat(count(ConfluentDecoder.REGISTRY_FAILURES)).isEqualTo(1);
        assertThat(count(ConfluentDecoder.LOOKUPS)).isEqualTo(3);
        assertThat(((Gauge<?>) metrics.get(ConfluentDecoder.CACHED_SCHEMAS)).getValue())
                .isEqualTo(2);
    }

    private long count(String counter) {
        return ((Counter) metrics.get(counter)).getCount();
    }

    /** A record of {@code txn}'s values (and {@code extra} ones) written with {@code schema}. */
    private static byte[] encode(int id, Schema schema, Transaction txn, Map<String, Object> extra)
            throws IOException {
        GenericRecord record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            if (extra.containsKey(field.name())) {
                record.put(field.name(), extra.get(field.name()));
            } else {
                Object value = txn.get(field.name());
                if (value instanceof java.time.Instant instant) {
                    value = instant.toEpochMilli();
                } else if (value instanceof Enum<?> symbol) {
                    value = new GenericData.EnumSymbol(field.schema(), symbol.name());
                }
                record.put(field.name(), value);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ConfluentFraming.header(id));
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static Schema without(Schema schema, String... names) {
        List<String> drop = List.of(names);
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (!drop.contains(f.name())) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(
                schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static Schema withExtraField(Schema schema, String name) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(new Schema.Field(name, Schema.create(Schema.Type.STRING), null, "none"));
        return Schema.createRecord(
                schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }
}
