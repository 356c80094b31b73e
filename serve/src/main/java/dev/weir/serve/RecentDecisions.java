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
 * An account's most recent decisions, newest event first (ties by transaction id), one per
 * transaction: a repeat of a transaction (the decisions topic is at least once, and the scores
 * topic carries the same scores) replaces the one before it. At most {@code capacity} are kept.
 */
final class RecentDecisions {

    /** Newest event time first; ties by transaction id, so every instance orders alike. */
    static final Comparator<Score> NEWEST_FIRST =
            Comparator.comparing(Score::getEventTime)
                    .reversed()
                    .thenComparing(Score::getTransactionId);

    private RecentDecisions() {}

    /** {@code recent} with {@code score} added, as a new list. */
    static List<Score> add(List<Score> recent, Score score, int capacity) {
        List<Score> next = new ArrayList<>(recent.size() + 1);
        for (Score kept : recent) {
            if (!kept.getTransactionId().equals(score.getTransactionId())) {
                next.add(kept);
            }
        }
        next.add(score);
        next.sort(NEWEST_FIRST);
        return next.size() > capacity ? List.copyOf(next.subList(0, capacity)) : next;
    }

    /**
     * The store's encoding: a count, then each score's length and single-object bytes (which name
     * their schema, so stores written by an older release stay readable).
     */
    static Serde<List<Score>> serde(AvroCodec<Score> scores) {
        Serializer<List<Score>> serializer =
                (topic, list) -> {
                    if (list == null) {
                        return null;
                    }
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    try (DataOutputStream out = new DataOutputStream(bytes)) {
                        out.writeInt(list.size());
                        for (Score score : list) {
                            byte[] encoded = scores.encode(score);
                            out.writeInt(encoded.length);
                            out.write(encoded);
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return bytes.toByteArray();
                };
        Deserializer<List<Score>> deserializer =
                (topic, data) -> {
                    if (data == null) {
                        return null;
                    }
                    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                        int count = in.readInt();
                        List<Score> list = new ArrayList<>(count);
                        for (int i = 0; i < count; i++) {
                            byte[] encoded = new byte[in.readInt()];
                            in.readFully(encoded);
                            list.add(scores.decode(encoded));
                        }
                        return list;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
