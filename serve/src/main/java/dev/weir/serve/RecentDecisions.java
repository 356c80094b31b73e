package dev.weir.serve;

import dev.weir.schemas.Score;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An account's most recent decisions as references into the transactions store, newest event first
 * (ties by transaction id), one per transaction: a repeat of a transaction (the decisions topic is
 * at least once, and the scores topic carries the same scores) replaces the one before it. At most
 * {@code capacity} are kept.
 *
 * <p>Only the event time and the transaction id are kept: each new decision rewrites the account's
 * list in RocksDB and its changelog, so copies of whole scores would write every score {@code
 * capacity} times over.
 */
final class RecentDecisions {

    /** One decision of the account: when its payment happened, and which it was. */
    record Entry(long eventTime, String transactionId) {
        static Entry of(Score score) {
            return new Entry(score.getEventTime().toEpochMilli(), score.getTransactionId());
        }
    }

    /** Newest event time first; ties by transaction id, so every instance orders alike. */
    static final Comparator<Entry> NEWEST_FIRST =
            Comparator.comparingLong(Entry::eventTime)
                    .reversed()
                    .thenComparing(Entry::transactionId);

    private RecentDecisions() {}

    /** {@code recent} with {@code entry} added, as a new list. */
    static List<Entry> add(List<Entry> recent, Entry entry, int capacity) {
        List<Entry> next = new ArrayList<>(recent.size() + 1);
        for (Entry kept : recent) {
            if (!kept.transactionId().equals(entry.transactionId())) {
                next.add(kept);
            }
        }
        next.add(entry);
        next.sort(NEWEST_FIRST);
        return next.size() > capacity ? List.copyOf(next.subList(0, capacity)) : next;
    }

    /** The store's encoding: a count, then each entry's event time and transaction id. */
    static Serde<List<Entry>> serde() {
        Serializer<List<Entry>> serializer =
                (topic, list) -> {
                    if (list == null) {
                        return null;
                    }
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    try (DataOutputStream out = new DataOutputStream(bytes)) {
                        out.writeInt(list.size());
                        for (Entry entry : list) {
                            out.writeLong(entry.eventTime());
                            out.writeUTF(entry.transactionId());
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return bytes.toByteArray();
                };
        Deserializer<List<Entry>> deserializer =
                (topic, data) -> {
                    if (data == null) {
                        return null;
                    }
                    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                        int count = in.readInt();
                        List<Entry> list = new ArrayList<>(count);
                        for (int i = 0; i < count; i++) {
                            list.add(new Entry(in.readLong(), in.readUTF()));
                        }
                        return list;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
        return Serdes.serdeFrom(serializer, deserializer);
    }

    /** The entry serde of the repartition topic: one entry as a list of one. */
    static Serde<Entry> entrySerde() {
        Serde<List<Entry>> lists = serde();
        Serializer<Entry> serializer =
                (topic, entry) ->
                        entry == null ? null : lists.serializer().serialize(topic, List.of(entry));
        Deserializer<Entry> deserializer =
                (topic, data) ->
                        data == null ? null : lists.deserializer().deserialize(topic, data).get(0);
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
