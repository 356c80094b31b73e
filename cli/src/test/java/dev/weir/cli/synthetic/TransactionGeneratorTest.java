package dev.weir.cli.synthetic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.train.SyntheticTrainingSet;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.schemas.Transaction;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.avro.message.BinaryMessageDecoder;
import org.junit.jupiter.api.Test;

class TransactionGeneratorTest {

    @Test
    void sameSeedSameStream() {
        TransactionGenerator a = new TransactionGenerator(1, 100, 0.02);
        TransactionGenerator b = new TransactionGenerator(1, 100, 0.02);
        for (int i = 0; i < 2_000; i++) {
            assertThat(a.next(i * 100L)).isEqualTo(b.next(i * 100L));
        }
    }

    @Test
    void fraudShareAndIdsAreAsConfiguredOnAStream() {
        SyntheticTrainingSet set =
                SyntheticTrainingSet.generate(FeatureSets.reference(), 3, 50_000, 1_000, 100, 0.02);
        long fraud = 0;
        for (boolean label : set.labels()) {
            fraud += label ? 1 : 0;
        }
        assertThat(fraud / 50_000.0).isBetween(0.012, 0.03);
        TransactionGenerator g = new TransactionGenerator(3, 1_000, 0.02);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            Transaction t = g.next(i * 10L).transaction();
            assertThat(ids.add(t.getTransactionId())).isTrue();
            assertThat(t.getEventTime().toEpochMilli()).isEqualTo(i * 10L);
        }
    }

    @Test
    void badRecordsNeverDecode() throws Exception {
        TransactionGenerator g = new TransactionGenerator(9, 10, 0.0);
        SplittableRandom random = new SplittableRandom(9);
        BinaryMessageDecoder<Transaction> decoder = Transaction.getDecoder();
        for (int i = 0; i < 2_000; i++) {
            byte[] good = Transaction.getEncoder().encode(g.next(i).transaction()).array();
            byte[] bad = BadRecords.make(random, good);
            boolean decoded;
            try {
                decoder.decode(bad);
                decoded = true;
            } catch (Exception e) {
                decoded = false;
            }
            assertThat(decoded).as("bad record %d decoded", i).isFalse();
        }
    }

    @Test
    void badConfluentRecordsNeverDecodeWhileTheGoodOnesDo() throws Exception {
        TransactionGenerator g = new TransactionGenerator(9, 10, 0.0);
        SplittableRandom random = new SplittableRandom(9);
        int id = 3;
        dev.weir.operators.wire.ConfluentEncoder<Transaction> encoder =
                new dev.weir.operators.wire.ConfluentEncoder<>(Transaction.class, id);
        // The registry knows one id: the good records' writer schema.
        dev.weir.operators.wire.ConfluentDecoder<Transaction> decoder =
                new dev.weir.operators.wire.ConfluentDecoder<>(
                        Transaction.class,
                        asked -> {
                            if (asked != id) {
                                throw new dev.weir.schemas.wire.SchemaRegistryException(
                                        dev.weir.schemas.wire.SchemaRegistryException.Kind
                                                .NOT_FOUND,
                                        "unknown");
                            }
                            return Transaction.getClassSchema();
                        },
                        new org.apache.flink.metrics.groups.UnregisteredMetricsGroup(),
                        System::currentTimeMillis);
        for (int i = 0; i < 2_000; i++) {
            Transaction txn = g.next(i).transaction();
            byte[] good = encoder.encode(txn);
            assertThat(decoder.decode(good)).isEqualTo(txn);
            byte[] bad =
                    BadRecords.make(random, good, dev.weir.operators.wire.WireFormat.CONFLUENT);
            boolean decoded;
            try {
                decoder.decode(bad);
                decoded = true;
            } catch (Exception e) {
                decoded = false;
            }
            assertThat(decoded).as("bad record %d decoded", i).isFalse();
        }
    }
}
