package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.operators.iceberg.RowConverters;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.kafka.ReleasedSchemas;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.Decision;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.types.PojoTestUtils;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class TypesTest {

    @Test
    void rawRecordIsAPojoWithoutKryo() {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RawRecord.class);
    }

    @Test
    void avroRecordsUseTheAvroSerializerAndRoundTrip() throws Exception {
        TypeSerializer<Transaction> serializer =
                WeirTypes.TRANSACTION.createSerializer(new SerializerConfigImpl());
        assertThat(serializer).isInstanceOf(AvroSerializer.class);
        Transaction txn = TestRecords.txn("t1", "a", 5L, 99);
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(txn, out);
        assertThat(serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())))
                .isEqualTo(txn);
        assertThat(WeirTypes.SCORE.createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(AvroSerializer.class);

        // Feature vectors keep full double precision between operators (Avro 1.12.0 did not).
        TypeSerializer<FeaturedTransaction> vectors =
                WeirTypes.FEATURED_TRANSACTION.createSerializer(new SerializerConfigImpl());
        FeaturedTransaction featured =
                new FeaturedTransaction(txn, List.of(988.3333333333334, 0.1), "v", List.of());
        DataOutputSerializer vectorOut = new DataOutputSerializer(64);
        vectors.serialize(featured, vectorOut);
        assertThat(
                        vectors.deserialize(new DataInputDeserializer(vectorOut.getCopyOfBuffer()))
                                .getFeatures())
                .containsExactly(988.3333333333334, 0.1);
        assertThat(WeirTypes.FEATURED_TRANSACTION.createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(AvroSerializer.class);
        assertThat(WeirTypes.DEAD_LETTER.createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(AvroSerializer.class);
    }

    @Test
    void kafkaValuesAreSingleObjectEncodedAndKeyedByTransaction() throws Exception {
        Score score = score();
        AvroRecordSerializer<Score> serializer =
                new AvroRecordSerializer<>("s", Score.class, Score::getTransactionId);
        ProducerRecord<byte[], byte[]> record = serializer.serialize(score, null, 7L);
        assertThat(record.topic()).isEqualTo("s");
        assertThat(new String(record.key())).isEqualTo("t1");
        assertThat(record.value()[0]).isEqualTo((byte) 0xC3);
        assertThat(record.value()[1]).isEqualTo((byte) 0x01);
        BinaryMessageDecoder<Score> decoder = Score.getDecoder();
        assertThat(decoder.decode(record.value())).isEqualTo(score);
    }

    @Test
    void scoresOfTheReleasedSchemaDecodeWithoutReasons() throws Exception {
        Schema v1 = ReleasedSchemas.released("Score-v1.avsc");
        assertThat(v1.getField("reasons")).isNull();
        Score current = Score.newBuilder(score()).setReasons(List.of(new Reason("a", 0.5))).build();
        // What the previous release wrote: the same record without the new field.
        GenericRecord old = new GenericData.Record(v1);
        for (Schema.Field field : v1.getFields()) {
            old.put(
                    field.name(),
                    GenericData.get().deepCopy(field.schema(), current.get(field.name())));
        }
        old.put(
                "decision",
                new GenericData.EnumSymbol(v1.getField("decision").schema(), "APPROVE"));
        old.put("event_time", 5L);
        old.put("scoring_time", 9L);
        byte[] oldBytes =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();

        BinaryMessageDecoder<Score> decoder = ReleasedSchemas.decoder(Score.class);
        Score decoded = decoder.decode(oldBytes);
        assertThat(decoded.getTransactionId()).isEqualTo("t1");
        assertThat(decoded.getScore()).isEqualTo(0.25);
        assertThat(decoded.getReasons()).isEmpty();
        assertThat(decoder.decode(Score.getEncoder().encode(current))).isEqualTo(current);
        // Without the released schema the old bytes are not readable.
        assertThatThrownBy(() -> Score.getDecoder().decode(oldBytes))
                .isInstanceOf(MissingSchemaException.class);
    }

    @Test
    void rowsMatchTheIcebergSchemas() throws Exception {
        RowData event = new RowConverters.EventRow().map(TestRecords.txn("t1", "a", 5L, 99));
        assertThat(event.getArity()).isEqualTo(WeirTables.EVENTS_SCHEMA.columns().size());
        assertThat(event.getString(0).toString()).isEqualTo("t1");
        assertThat(event.getLong(6)).isEqualTo(99L);
        assertThat(event.getTimestamp(10, 6).getMillisecond()).isEqualTo(5L);
        assertThat(event.isNullAt(5)).isTrue();

        RowData row = new RowConverters.ScoreRow().map(score());
        assertThat(row.getArity()).isEqualTo(WeirTables.SCORES_SCHEMA.columns().size());
        assertThat(row.getDouble(4)).isEqualTo(0.25);
        assertThat(row.getArray(8).toDoubleArray()).containsExactly(1.0, 2.0);
        assertThat(row.getArray(15).size()).isZero();
        Score explained =
                Score.newBuilder(score())
                        .setReasons(List.of(new Reason("b", 0.125), new Reason("a", -0.03)))
                        .build();
        ArrayData reasons = new RowConverters.ScoreRow().map(explained).getArray(15);
        assertThat(reasons.size()).isEqualTo(2);
        assertThat(reasons.getRow(0, 2).getString(0).toString()).isEqualTo("b");
        assertThat(reasons.getRow(0, 2).getDouble(1)).isEqualTo(0.125);
        assertThat(reasons.getRow(1, 2).getDouble(1)).isEqualTo(-0.03);
        // The row type the Iceberg sink is given has the reasons last, as rows are built.
        assertThat(
                        ((InternalTypeInfo<RowData>)
                                        RowConverters.rowType(WeirTables.SCORES_SCHEMA))
                                .toRowType()
                                .getFieldNames())
                .last()
                .isEqualTo("reasons");
        assertThat(
                        ((InternalTypeInfo<RowData>) RowConverters.rowType(WeirTables.DLQ_SCHEMA))
                                .toRowType()
                                .getFieldNames())
                .containsExactly(
                        "raw",
                        "source_topic",
                        "source_partition",
                        "source_offset",
                        "reason",
                        "error_class",
                        "dead_letter_time",
                        "raw_sealed");
    }

    private static Score score() {
        return Score.newBuilder()
                .setTransactionId("t1")
                .setAccountId("a")
                .setMerchantId("m")
                .setDeviceId(null)
                .setScore(0.25)
                .setDecision(Decision.APPROVE)
                .setModelName("m")
                .setModelVersion("1")
                .setFeatures(List.of(1.0, 2.0))
                .setEventTime(Instant.ofEpochMilli(5))
                .setScoringTime(Instant.ofEpochMilli(9))
                .build();
    }
}
