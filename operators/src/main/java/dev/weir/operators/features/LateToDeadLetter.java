package dev.weir.operators.features;

import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * An event a feature stage refused, as a dead letter: the transaction re-encoded as the producer
 * wrote it (so it can be replayed), with the reason. Kafka coordinates are no longer known at this
 * point: -1.
 */
public final class LateToDeadLetter implements MapFunction<FeaturedTransaction, DeadLetter> {

    private static final long serialVersionUID = 1L;

    /** Why a feature stage refused an event. */
    public enum Cause {
        /** {@link EntityFeatureStage#LATE}. */
        LATE("late event: more than the allowed lateness behind the watermark"),
        /** {@link EntityFeatureStage#VECTOR_CHANGED}. */
        VECTOR_CHANGED(
                "waited across an upgrade that changed the features of an earlier entity; replay it");

        private final String reason;

        Cause(String reason) {
            this.reason = reason;
        }
    }

    private final String sourceTopic;
    private final Cause cause;
    private transient BinaryMessageEncoder<Transaction> encoder;

    public LateToDeadLetter(String sourceTopic) {
        this(sourceTopic, Cause.LATE);
    }

    public LateToDeadLetter(String sourceTopic, Cause cause) {
        this.sourceTopic = sourceTopic;
        this.cause = cause;
    }

    @Override
    public DeadLetter map(FeaturedTransaction late) throws Exception {
        if (encoder == null) {
            encoder = AvroRecordSerializer.encoderFor(Transaction.class);
        }
        Transaction txn = late.getTransaction();
        ByteBuffer raw = encoder.encode(txn);
        return DeadLetter.newBuilder()
                .setRaw(raw)
                .setSourceTopic(sourceTopic)
                .setSourcePartition(-1)
                .setSourceOffset(-1L)
                .setReason(
                        cause.reason
                                + " (transaction "
                                + txn.getTransactionId()
                                + ", event time "
                                + txn.getEventTime()
                                + ")")
                .setErrorClass(null)
                .setDeadLetterTime(Instant.now())
                .build();
    }
}
