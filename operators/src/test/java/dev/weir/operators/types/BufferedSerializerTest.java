package dev.weir.operators.types;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.LabelOutcomeType;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Flink's serializer suite over the transaction-id keys and the waiting label outcomes, then what
 * the upgrade needs: the wrapped serializer's bytes, and compatibility with its snapshot.
 */
class BufferedSerializerTest {

    private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

    /** Longer than the buffer keeps (64 KB), and characters of two and three UTF-8 bytes. */
    private static final String LONG = "ä€x".repeat(30_000);

    private static final String[] KEYS = {
        "", "6f1c2d0e-8b7a-4c3e-9f21-0a1b2c3d4e5f", "tx-ü-€", LONG, "after the long one"
    };

    @Nested
    class TransactionIds extends SerializerTestBase<String> {
        @Override
        protected TypeSerializer<String> createSerializer() {
            return WeirTypes.TRANSACTION_ID.createSerializer(CONFIG);
        }

        @Override
        protected int getLength() {
            return -1;
        }

        @Override
        protected Class<String> getTypeClass() {
            return String.class;
        }

        @Override
        protected String[] getTestData() {
            return KEYS.clone();
        }
    }

    @Nested
    class WaitingOutcomes extends SerializerTestBase<LabelOutcome> {
        @Override
        protected TypeSerializer<LabelOutcome> createSerializer() {
            return WeirTypes.WAITING_LABEL_OUTCOME.createSerializer(CONFIG);
        }

        @Override
        protected int getLength() {
            return -1;
        }

        @Override
        protected Class<LabelOutcome> getTypeClass() {
            return LabelOutcome.class;
        }

        @Override
        protected LabelOutcome[] getTestData() {
            return outcomes();
        }
    }

    @Test
    void writesTheWrappedSerializersBytesToStreamsAndBuffers() throws Exception {
        TypeSerializer<String> plain = Types.STRING.createSerializer(CONFIG);
        TypeSerializer<String> buffered = WeirTypes.TRANSACTION_ID.createSerializer(CONFIG);
        assertThat(streamed(buffered, KEYS)).isEqualTo(streamed(plain, KEYS));
        assertThat(buffered(buffered, KEYS)).isEqualTo(buffered(plain, KEYS));

        TypeSerializer<LabelOutcome> avro = WeirTypes.LABEL_OUTCOME.createSerializer(CONFIG);
        TypeSerializer<LabelOutcome> waiting =
                WeirTypes.WAITING_LABEL_OUTCOME.createSerializer(CONFIG);
        assertThat(streamed(waiting, outcomes())).isEqualTo(streamed(avro, outcomes()));
        assertThat(buffered(waiting, outcomes())).isEqualTo(buffered(avro, outcomes()));

        // And reads what the wrapped one wrote.
        DataInputDeserializer in = new DataInputDeserializer(streamed(plain, KEYS));
        for (String key : KEYS) {
            assertThat(buffered.deserialize(in)).isEqualTo(key);
        }
    }

    /** State written before the keys and outcomes were buffered restores as it is. */
    @Test
    void resolvesAsTheWrappedSerializerAgainstItsSnapshot() throws Exception {
        TypeSerializerSnapshot<String> now =
                WeirTypes.TRANSACTION_ID.createSerializer(CONFIG).snapshotConfiguration();
        assertThat(
                        now.resolveSchemaCompatibility(
                                        Types.STRING
                                                .createSerializer(CONFIG)
                                                .snapshotConfiguration())
                                .isCompatibleAsIs())
                .isTrue();
        assertThat(now.resolveSchemaCompatibility(restored(now)).isCompatibleAsIs()).isTrue();
        assertThat(restored(now).restoreSerializer())
                .isEqualTo(WeirTypes.TRANSACTION_ID.createSerializer(CONFIG));

        TypeSerializerSnapshot<LabelOutcome> waiting =
                WeirTypes.WAITING_LABEL_OUTCOME.createSerializer(CONFIG).snapshotConfiguration();
        assertThat(
                        waiting.resolveSchemaCompatibility(
                                        WeirTypes.LABEL_OUTCOME
                                                .createSerializer(CONFIG)
                                                .snapshotConfiguration())
                                .isCompatibleAsIs())
                .isTrue();

        // Another kind of serializer stays incompatible, wrapped or not.
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<String> longs =
                (TypeSerializerSnapshot) LongSerializer.INSTANCE.snapshotConfiguration();
        TypeSerializerSchemaCompatibility<String> other = now.resolveSchemaCompatibility(longs);
        assertThat(other.isIncompatible()).isTrue();
        @SuppressWarnings({"unchecked", "rawtypes"})
        TypeSerializerSnapshot<String> bufferedLongs =
                (TypeSerializerSnapshot)
                        new BufferedSerializer<>(LongSerializer.INSTANCE).snapshotConfiguration();
        assertThat(now.resolveSchemaCompatibility(bufferedLongs).isIncompatible()).isTrue();
    }

    private static <T> TypeSerializerSnapshot<T> restored(TypeSerializerSnapshot<T> snapshot)
            throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        return TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()),
                BufferedSerializerTest.class.getClassLoader());
    }

    private static <T> byte[] streamed(TypeSerializer<T> serializer, T[] values) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputViewStreamWrapper out = new DataOutputViewStreamWrapper(bytes);
        for (T value : values) {
            serializer.serialize(value, out);
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static <T> byte[] buffered(TypeSerializer<T> serializer, T[] values) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(16);
        for (T value : values) {
            serializer.serialize(value, out);
        }
        return out.getCopyOfBuffer();
    }

    private static LabelOutcome[] outcomes() {
        return new LabelOutcome[] {
            LabelOutcome.newBuilder()
                    .setOutcome(LabelOutcomeType.UNKNOWN)
                    .setTransactionId("")
                    .setModelName("fraud")
                    .setModelVersion("3")
                    .setScore(0.25)
                    .setEventTime(1_000)
                    .setOutcomeTime(1_000)
                    .setSegments(Map.of("country", "DE", "channel", "web"))
                    .build(),
            LabelOutcome.newBuilder()
                    .setOutcome(LabelOutcomeType.MATCHED)
                    .setTransactionId("t-2")
                    .setIsFraud(true)
                    .setDeclined(true)
                    .setScore(0.99)
                    .setEventTime(2_000)
                    .setSegments(Map.of("country", "x".repeat(2_000)))
                    .setOutcomeTime(9_000)
                    .build(),
        };
    }
}
