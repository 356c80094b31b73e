package dev.weir.operators.decode;

import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.DeadLetter;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.flink.util.OutputTag;

/** The side output every operator routes unprocessable input to, and how entries are built. */
public final class DeadLetters {

    public static final OutputTag<DeadLetter> TAG =
            new OutputTag<>("dead-letters", WeirTypes.DEAD_LETTER);

    private DeadLetters() {}

    public static DeadLetter of(RawRecord raw, String reason, Throwable error, long now) {
        byte[] value = raw.value == null ? new byte[0] : raw.value;
        return DeadLetter.newBuilder()
                .setRaw(ByteBuffer.wrap(value))
                .setSourceTopic(raw.topic == null ? "" : raw.topic)
                .setSourcePartition(raw.partition)
                .setSourceOffset(raw.offset)
                .setReason(reason)
                .setErrorClass(error == null ? null : error.getClass().getName())
                .setDeadLetterTime(Instant.ofEpochMilli(now))
                .build();
    }
}
