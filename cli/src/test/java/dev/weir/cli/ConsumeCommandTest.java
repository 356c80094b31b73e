package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.kafka.WeirRecordDecoder;
import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
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
}
