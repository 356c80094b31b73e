package dev.weir.operators;

import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Transactions and their wire bytes for operator tests. */
public final class TestRecords {

    private TestRecords() {}

    public static Transaction txn(String id, String account, long eventTime, long amount) {
        return Transaction.newBuilder()
                .setTransactionId(id)
                .setAccountId(account)
                .setCardId("card-" + account)
                .setMerchantId("merch-1")
                .setMerchantCategory("5411")
                .setDeviceId(null)
                .setAmountMinor(amount)
                .setCurrency("EUR")
                .setCountry("DE")
                .setChannel(Channel.POS)
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .build();
    }

    public static byte[] encode(Transaction txn) {
        try {
            ByteBuffer buffer = AvroRecordSerializer.encoderFor(Transaction.class).encode(txn);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
