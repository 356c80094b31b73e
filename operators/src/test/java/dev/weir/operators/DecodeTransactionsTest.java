package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.decode.DeadLetters;
import dev.weir.operators.decode.DecodeTransactions;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Transaction;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class DecodeTransactionsTest {

    @Test
    void goodRecordsDecodeAndEveryKindOfBadRecordIsDeadLetteredWithItsReason() throws Exception {
        Transaction good = TestRecords.txn("t1", "a1", 1_000L, 500);
        byte[] bytes = TestRecords.encode(good);
        byte[] unknownFingerprint = bytes.clone();
        unknownFingerprint[3] ^= 0x55;
        byte[] hugeLength = Arrays.copyOf(bytes, 12);
        hugeLength[10] = (byte) 0xFE; // a string length prefix far beyond the input
        hugeLength[11] = (byte) 0xFF;

        try (OneInputStreamOperatorTestHarness<RawRecord, Transaction> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new DecodeTransactions())) {
            harness.processElement(raw(0, bytes), 0);
            harness.processElement(raw(1, null), 0);
            harness.processElement(raw(2, new byte[0]), 0);
            harness.processElement(raw(3, new byte[] {1, 2, 3, 4, 5}), 0);
            harness.processElement(raw(4, Arrays.copyOf(bytes, bytes.length - 5)), 0);
            harness.processElement(raw(5, unknownFingerprint), 0);
            harness.processElement(raw(6, TestRecords.encode(TestRecords.txn("t2", " ", 1L, 1))), 0);
            harness.processElement(raw(7, hugeLength), 0);

            assertThat(harness.extractOutputValues()).containsExactly(good);
            ConcurrentLinkedQueue<StreamRecord<DeadLetter>> side = harness.getSideOutput(DeadLetters.TAG);
            List<DeadLetter> dead = side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
            assertThat(dead).extracting(DeadLetter::getSourceOffset).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(dead).allSatisfy(d -> {
                assertThat(d.getSourceTopic()).isEqualTo("in");
                assertThat(d.getSourcePartition()).isEqualTo(3);
                assertThat(d.getReason()).isNotBlank();
            });
            assertThat(dead.get(0).getReason()).isEqualTo("empty record value");
            assertThat(dead.get(2).getReason()).contains("BadHeaderException");
            assertThat(dead.get(4).getReason()).contains("MissingSchemaException");
            assertThat(dead.get(5).getReason()).isEqualTo("account_id is blank");
            assertThat(bytes(dead.get(3).getRaw())).isEqualTo(Arrays.copyOf(bytes, bytes.length - 5));
            assertThat(dead.get(3).getErrorClass()).isNotNull();
        }
    }

    private static RawRecord raw(long offset, byte[] value) {
        return new RawRecord("in", 3, offset, 1_000L, value);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
