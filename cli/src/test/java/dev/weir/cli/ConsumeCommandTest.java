package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.kafka.WeirRecordDecoder;
import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.kafka.ReleasedSchemas;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Decision;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

class ConsumeCommandTest {

    @Test
    void unsealShowsTheOriginalBytesOfASealedDeadLetterOnlyWithTheKey() throws Exception {
        Governance governance = Governance.create(GovernancePolicy.defaults(), System::getenv);
        byte[] original = "card 4111111111111111, cut short".getBytes(StandardCharsets.UTF_8);
        DeadLetter letter =
                DeadLetter.newBuilder()
                        .setRaw(ByteBuffer.wrap(governance.seal(original)))
                        .setRawSealed(true)
                        .setSourceTopic("weir.transactions")
                        .setSourcePartition(0)
                        .setSourceOffset(7)
                        .setReason("cannot decode")
                        .setDeadLetterTime(Instant.ofEpochMilli(1))
                        .build();
        byte[] value = DeadLetter.getEncoder().encode(letter).array();

        WeirRecordDecoder decoders = new WeirRecordDecoder(null, System::getenv);
        String plain = ConsumeCommand.toJson(decoders, value);
        assertThat(plain).contains("\"raw_sealed\": true").doesNotContain("4111111111111111");

        String opened = ConsumeCommand.unsealed(decoders, value, governance);
        assertThat(opened).contains(Base64.getEncoder().encodeToString(original));
    }

    @Test
    void valuesThatAreNotWeirRecordsSayWhy() throws Exception {
        WeirRecordDecoder decoders = new WeirRecordDecoder(null, System::getenv);
        assertThat(ConsumeCommand.toJson(decoders, new byte[] {0, 0, 0, 0, 7, 2}))
                .isEqualTo(
                        "{\"undecodable\": \"in Confluent's wire format, and no schema registry"
                                + " was given\", \"bytes\": 6}");
        assertThat(ConsumeCommand.toJson(decoders, new byte[] {(byte) 0xC3, 1, 9, 9, 9}))
                .contains("\"undecodable\": \"")
                .contains("\"bytes\": 5");
        assertThat(ConsumeCommand.toJson(decoders, new byte[0]))
                .isEqualTo("{\"undecodable\": \"empty value\", \"bytes\": 0}");
        assertThat(ConsumeCommand.toJson(decoders, new byte[] {5, 6}))
                .isEqualTo(
                        "{\"undecodable\": \"neither single-object nor Confluent framing\","
                                + " \"bytes\": 2}");
    }

    @Test
    void aScorePrintsWithItsReasonCodesAndOneOfTheReleasedSchemaStillPrints() throws Exception {
        Score score =
                Score.newBuilder()
                        .setTransactionId("tx-1")
                        .setAccountId("acc")
                        .setMerchantId("m")
                        .setScore(0.93)
                        .setDecision(Decision.DECLINE)
                        .setModelName("fraud-mlp")
                        .setModelVersion("3")
                        .setFeatures(List.of(1.0, 2.0))
                        .setEventTime(Instant.ofEpochMilli(1))
                        .setScoringTime(Instant.ofEpochMilli(2))
                        .setReasons(
                                List.of(
                                        new Reason("account.amount_vs_mean_7d", 0.41),
                                        new Reason("account.countries_24h", 0.22),
                                        new Reason("account.txn_count_24h", -0.05)))
                        .build();
        WeirRecordDecoder decoders = new WeirRecordDecoder(null, System::getenv);

        String printed = ConsumeCommand.toJson(decoders, Score.getEncoder().encode(score).array());
        assertThat(printed)
                .contains(
                        "\"reasons\": [{\"feature\": \"account.amount_vs_mean_7d\", \"contribution\":"
                                + " 0.41}, {\"feature\": \"account.countries_24h\", \"contribution\":"
                                + " 0.22}, {\"feature\": \"account.txn_count_24h\", \"contribution\":"
                                + " -0.05}]");

        // A score the release before wrote: no reasons, and still readable.
        Schema v1 = ReleasedSchemas.released("Score-v1.avsc");
        GenericRecord old = new GenericData.Record(v1);
        old.put("transaction_id", "tx-0");
        old.put("account_id", "acc");
        old.put("merchant_id", "m");
        old.put("score", 0.1);
        old.put(
                "decision",
                new GenericData.EnumSymbol(v1.getField("decision").schema(), "APPROVE"));
        old.put("model_name", "fraud-mlp");
        old.put("model_version", "2");
        old.put("features", List.of(1.0));
        old.put("event_time", 1L);
        old.put("scoring_time", 2L);
        old.put("batch_size", 1);
        old.put("scoring_latency_micros", 0L);
        old.put("monitored_inputs", java.util.Map.of());
        byte[] oldBytes =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();
        assertThat(ConsumeCommand.toJson(decoders, oldBytes))
                .contains("\"transaction_id\": \"tx-0\"")
                .contains("\"reasons\": []");
    }
}
