package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.decode.DeadLetters;
import dev.weir.operators.decode.DecodeTransactions;
import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.quality.QualityRules;
import dev.weir.operators.wire.ConfluentEncoder;
import dev.weir.operators.wire.TopicFormat;
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
            harness.processElement(
                    raw(6, TestRecords.encode(TestRecords.txn("t2", " ", 1L, 1))), 0);
            harness.processElement(raw(7, hugeLength), 0);

            assertThat(harness.extractOutputValues()).containsExactly(good);
            ConcurrentLinkedQueue<StreamRecord<DeadLetter>> side =
                    harness.getSideOutput(DeadLetters.TAG);
            List<DeadLetter> dead =
                    side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
            assertThat(dead)
                    .extracting(DeadLetter::getSourceOffset)
                    .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
            assertThat(dead)
                    .allSatisfy(
                            d -> {
                                assertThat(d.getSourceTopic()).isEqualTo("in");
                                assertThat(d.getSourcePartition()).isEqualTo(3);
                                assertThat(d.getReason()).isNotBlank();
                            });
            assertThat(dead.get(0).getReason()).isEqualTo("empty record value");
            assertThat(dead.get(2).getReason()).contains("BadHeaderException");
            assertThat(dead.get(4).getReason()).contains("MissingSchemaException");
            assertThat(dead.get(5).getReason()).isEqualTo("quality: account_id is blank");
            assertThat(bytes(dead.get(3).getRaw()))
                    .isEqualTo(Arrays.copyOf(bytes, bytes.length - 5));
            assertThat(dead.get(3).getErrorClass()).isNotNull();
        }
    }

    /**
     * Key of the test policy: from the environment as in production (the build sets a test key).
     */
    private static final java.util.function.Function<String, String> ENV = System::getenv;

    @Test
    void hardRulesDeadLetterTheGovernedRecordSoftRulesFlagItAndUndecodableBytesAreSealed()
            throws Exception {
        QualityRules rules =
                QualityRules.parse(
                        String.join(
                                "\n",
                                "rules:",
                                "  - {field: amount_minor, range: {min: 1}}",
                                "  - {field: country, pattern: \"[A-Z]{2}\", severity: soft}"));
        GovernancePolicy policy = GovernancePolicy.defaults();
        Governance governance = Governance.create(policy, ENV);
        Transaction ok = withCard(TestRecords.txn("ok", "a1", 1_000L, 500));
        Transaction soft = withCard(TestRecords.txn("soft", "a1", 1_000L, 500));
        soft.setCountry("germany");
        Transaction hard = withCard(TestRecords.txn("hard", "a1", 1_000L, 0));
        byte[] truncated = Arrays.copyOf(TestRecords.encode(ok), TestRecords.encode(ok).length - 4);

        try (OneInputStreamOperatorTestHarness<RawRecord, Transaction> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(
                        new DecodeTransactions(rules, policy))) {
            harness.processElement(raw(0, TestRecords.encode(ok)), 0);
            harness.processElement(raw(1, TestRecords.encode(soft)), 0);
            harness.processElement(raw(2, TestRecords.encode(hard)), 0);
            harness.processElement(raw(3, truncated), 0);

            List<Transaction> out = harness.extractOutputValues();
            assertThat(out).extracting(Transaction::getTransactionId).containsExactly("ok", "soft");
            assertThat(out.get(0).getQualityFlags()).isEmpty();
            assertThat(out.get(1).getQualityFlags()).containsExactly("country.pattern");
            assertThat(out)
                    .allSatisfy(
                            t ->
                                    assertThat(t.getCardNumber())
                                            .isEqualTo(governance.token("4111111111111111")));

            List<DeadLetter> dead =
                    harness.getSideOutput(DeadLetters.TAG).stream()
                            .map(StreamRecord::getValue)
                            .toList();
            assertThat(dead).hasSize(2);
            assertThat(dead.get(0).getReason()).startsWith("quality: amount_minor.range");
            assertThat(dead.get(0).getRawSealed()).isFalse();
            Transaction rejected = Transaction.getDecoder().decode(bytes(dead.get(0).getRaw()));
            assertThat(rejected.getTransactionId()).isEqualTo("hard");
            assertThat(rejected.getCardNumber()).startsWith("tok_");
            assertThat(dead.get(1).getRawSealed()).isTrue();
            assertThat(governance.unseal(bytes(dead.get(1).getRaw()))).isEqualTo(truncated);
            assertThat(
                            new String(
                                    bytes(dead.get(1).getRaw()),
                                    java.nio.charset.StandardCharsets.ISO_8859_1))
                    .doesNotContain("4111111111111111");
            assertThat(harness.getSideOutput(DecodeTransactions.REJECTED))
                    .singleElement()
                    .satisfies(
                            r ->
                                    assertThat(r.getValue().getQualityFlags())
                                            .containsExactly("amount_minor.range"));
        }
    }

    @Test
    void confluentRecordsThatCannotBeReadAreDeadLetteredWithTheReasonAndTheTaskGoesOn()
            throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        TopicFormat format = TopicFormat.confluent("http://127.0.0.1:" + closedPort);
        Transaction txn = TestRecords.txn("t1", "a1", 1_000L, 500);
        byte[] singleObject = TestRecords.encode(txn);
        byte[] id42 = new ConfluentEncoder<>(Transaction.class, 42).encode(txn);
        byte[] id43 = new ConfluentEncoder<>(Transaction.class, 43).encode(txn);

        try (OneInputStreamOperatorTestHarness<RawRecord, Transaction> harness =
                ProcessFunctionTestHarnesses.forProcessFunction(
                        new DecodeTransactions(
                                QualityRules.none(), GovernancePolicy.none(), format))) {
            harness.processElement(raw(0, singleObject), 0);
            harness.processElement(raw(1, new byte[] {0, 0}), 0);
            harness.processElement(raw(2, id42), 0);
            harness.processElement(raw(3, id43), 0);

            assertThat(harness.extractOutputValues()).isEmpty();
            List<DeadLetter> dead =
                    harness.getSideOutput(DeadLetters.TAG).stream()
                            .map(StreamRecord::getValue)
                            .toList();
            assertThat(dead)
                    .extracting(DeadLetter::getSourceOffset)
                    .containsExactly(0L, 1L, 2L, 3L);
            assertThat(dead.get(0).getReason())
                    .isEqualTo(
                            "cannot decode Confluent wire-format record: BadFramingException: not"
                                    + " in the Confluent wire format: magic byte 0xc3, expected 0x00");
            assertThat(dead.get(1).getReason()).contains("2 bytes, fewer than the 5 of its header");
            assertThat(dead.get(2).getReason())
                    .startsWith(
                            "cannot decode Confluent wire-format record: SchemaRegistryException")
                    .contains("the schema registry at http://127.0.0.1:" + closedPort)
                    .contains("did not answer");
            // Not asked again at once: the next unseen id fails without waiting for a timeout.
            assertThat(dead.get(3).getReason())
                    .contains("schema id 43 is not known yet")
                    .contains("did not answer");
            assertThat(dead)
                    .allSatisfy(d -> assertThat(bytes(d.getRaw())).isNotEmpty())
                    .extracting(DeadLetter::getErrorClass)
                    .doesNotContainNull();
        }
    }

    private static Transaction withCard(Transaction txn) {
        txn.setCardNumber("4111111111111111");
        txn.setEmail("someone@example.com");
        return txn;
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
