package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.governance.Governance;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
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

        String plain = ConsumeCommand.toJson(List.of(DeadLetter.getDecoder()), value);
        assertThat(plain).contains("\"raw_sealed\": true").doesNotContain("4111111111111111");

        String opened =
                ConsumeCommand.unsealed(List.of(DeadLetter.getDecoder()), value, governance);
        assertThat(opened).contains(Base64.getEncoder().encodeToString(original));
    }
}
