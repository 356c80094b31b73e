package dev.weir.state.features;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.schemas.Channel;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureEngineRandomizedTest.Ev;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The current engine gives the values of the release before cold panes bit for bit ({@link
 * ReleasedReference}), for every aggregation of {@link FeatureEngineRandomizedTest#allFeatures()},
 * over streams whose windows hold full blocks of panes, blocks too small to go cold, events into
 * cold blocks and entities that start over; with the state kept as objects (the heap backend) and
 * written and read back at every event (RocksDB). And that release's state (format 1), written by
 * its own serializer, is read by the current one and continues bit for bit.
 */
class ReleasedEngineParityTest {

    private static final long T0 = 1_767_225_600_000L;
    private static final long MINUTE = 60_000L;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;
    private static final Schema SCHEMA = Transaction.getClassSchema();

    /** The streams, each of a few accounts on clocks of their own. */
    enum Streams {
        /** An event every 0 to 10 minutes for 32 days: every pane of every window is used. */
        DENSE {
            @Override
            List<Ev> events() {
                return clocks(7, 2, 32 * DAY, r -> (long) (r.nextDouble() * 10 * MINUTE), 0, 0);
            }
        },
        /**
         * An event every 1 to 15 hours for 150 days: blocks of 30-day and 7-day windows hold a few
         * panes each, on both sides of the size that goes cold.
         */
        SPARSE {
            @Override
            List<Ev> events() {
                return clocks(
                        8, 4, 150 * DAY, r -> HOUR + (long) (r.nextDouble() * 14 * HOUR), 0, 0);
            }
        },
        /**
         * An event every 0 to 6 hours for 200 days; a tenth up to 3 hours and a twentieth up to 20
         * days older than their account's newest: into hot panes, cold blocks and empty ones.
         */
        DISORDER {
            @Override
            List<Ev> events() {
                return clocks(9, 3, 200 * DAY, r -> (long) (r.nextDouble() * 6 * HOUR), 0.10, 0.05);
            }
        },
        /**
         * {@link FeatureEngineRandomizedTest#generate}: bursts, ties, silences of days to weeks
         * (entities start over after the 30-day TTL), disorder up to hours.
         */
        RANDOM {
            @Override
            List<Ev> events() {
                return FeatureEngineRandomizedTest.generate(
                        new Random(10), 6, 12_000, 10 * MINUTE, 30 * DAY, 200);
            }
        };

        abstract List<Ev> events();

        interface Gap {
            long next(Random r);
        }

        /**
         * {@code accounts} accounts interleaved at random until each has covered {@code span};
         * {@code near} of the events are shifted back up to 3 hours, {@code far} up to 20 days.
         */
        static List<Ev> clocks(
                long seed, int accounts, long span, Gap gap, double near, double far) {
            Random r = new Random(seed);
            long[] clocks = new long[accounts];
            List<Ev> events = new ArrayList<>();
            int seq = 0;
            while (true) {
                int a = r.nextInt(accounts);
                if (clocks[a] >= span) {
                    boolean done = true;
                    for (long c : clocks) {
                        done &= c >= span;
                    }
                    if (done) {
                        return events;
                    }
                    continue;
                }
                clocks[a] += gap.next(r);
                long time = T0 + clocks[a];
                double shift = r.nextDouble();
                if (shift < near) {
                    time -= (long) (r.nextDouble() * 3 * HOUR);
                } else if (shift < near + far) {
                    time -= (long) (r.nextDouble() * 20 * DAY);
                }
                events.add(
                        FeatureEngineRandomizedTest.event(
                                "acct" + a,
                                time,
                                1 + r.nextInt(200_000),
                                r.nextBoolean() ? Channel.ONLINE : Channel.POS,
                                "m" + r.nextInt(r.nextDouble() < 0.3 ? 5 : 300),
                                r.nextDouble() < 0.3 ? null : "d" + r.nextInt(6),
                                seq++));
            }
        }
    }

    /** Where the entity states live between events. */
    enum Storage {
        /** As objects, as on the heap backend; cold blocks in a map. */
        OBJECTS,
        /** Written and read back at every event, as on RocksDB; cold blocks copied in and out. */
        BYTES
    }

    private static EntitySpec spec() {
        return new EntitySpec(
                "account",
                "account_id",
                FeatureEngineRandomizedTest.allFeatures(),
                Duration.ofMinutes(10),
                null);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Streams.class)
    void everyValueIsTheReleasedOneBitForBitOnTheHeapAndInBytes(Streams streams)
            throws IOException {
        EntitySpec spec = spec();
        List<Ev> events = streams.events();
        for (Storage storage : Storage.values()) {
            Run run = new Run(new EntityEngine(spec, SCHEMA), storage);
            ReleasedReference released = new ReleasedReference(spec, SCHEMA);
            for (Ev e : events) {
                List<String> warming = new ArrayList<>();
                run.update(e, warming);
                released.assertSame(e.account(), e.txn(), e.time(), run.out, 0, warming);
            }
            assertThat(released.compared).isEqualTo((long) events.size() * run.out.length);
            // Blocks went cold and came back, read and removed, whatever the stream.
            assertThat(run.cold.puts).as("%s cold writes", storage).isGreaterThan(50);
            assertThat(run.cold.gets).as("%s cold reads", storage).isGreaterThan(20);
            assertThat(run.cold.removes).as("%s cold removals", storage).isGreaterThan(20);
        }
    }

    /**
     * A savepoint of the release: its entity states as its serializer wrote them (format 1), taken
     * at two points of the stream, read by the current serializer and continued with nothing cold;
     * the values are the release's, bit for bit, and the restored entities send their older panes
     * cold as they go.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Streams.class)
    void theReleasesStateIsReadAndContinuesBitForBit(Streams streams) throws IOException {
        EntitySpec spec = spec();
        ReleasedEntityStateSerializer releasedSerializer =
                new ReleasedEntityStateSerializer(spec, SCHEMA);
        EntityStateSerializer serializer = new EntityStateSerializer(spec, SCHEMA);
        // The serializer snapshot of the release's state is the current serializer's own.
        assertThat(releasedSerializer.snapshotConfiguration().getClass())
                .isEqualTo(EntityStateSerializer.Snapshot.class);
        assertThat(releasedSerializer.snapshotConfiguration().restoreSerializer())
                .isEqualTo(serializer);

        List<Ev> events = streams.events();
        for (Storage storage : Storage.values()) {
            for (int cut : new int[] {events.size() / 3, 2 * events.size() / 3}) {
                ReleasedReference released = new ReleasedReference(spec, SCHEMA);
                for (Ev e : events.subList(0, cut)) {
                    released.aggregate(e.account(), e.txn(), e.time());
                }
                Run run = new Run(new EntityEngine(spec, SCHEMA), storage);
                DataOutputSerializer bytes = new DataOutputSerializer(4096);
                for (Map.Entry<String, ReleasedEntityState> entry : released.states().entrySet()) {
                    bytes.clear();
                    releasedSerializer.serialize(entry.getValue(), bytes);
                    assertThat(bytes.getSharedBuffer()[3]).as("format").isEqualTo((byte) 1);
                    if (storage == Storage.OBJECTS) {
                        // The heap backend reads every state at the restore.
                        EntityState state =
                                serializer.deserialize(
                                        new DataInputDeserializer(bytes.getCopyOfBuffer()));
                        assertThat(run.engine.hasColdPanes(state)).isFalse();
                        run.objects.put(entry.getKey(), state);
                    } else {
                        // RocksDB keeps the bytes and reads them at the entity's next event.
                        run.bytes.put(entry.getKey(), bytes.getCopyOfBuffer());
                    }
                }
                for (Ev e : events.subList(cut, events.size())) {
                    List<String> warming = new ArrayList<>();
                    run.update(e, warming);
                    released.assertSame(e.account(), e.txn(), e.time(), run.out, 0, warming);
                }
                assertThat(run.cold.puts).as("blocks sent cold after the restore").isPositive();
            }
        }
    }

    /** An engine and its entities' states, hot and cold, kept as {@link Storage} says. */
    private static final class Run {
        final EntityEngine engine;
        final Storage storage;
        final double[] out;
        final Map<String, EntityState> objects = new HashMap<>();
        final Map<String, byte[]> bytes = new HashMap<>();
        final CopyingColdPanes cold = new CopyingColdPanes();
        private final DataOutputSerializer buffer = new DataOutputSerializer(4096);

        Run(EntityEngine engine, Storage storage) {
            this.engine = engine;
            this.storage = storage;
            this.out = new double[engine.width()];
        }

        void update(Ev e, List<String> warming) throws IOException {
            EntityState state;
            if (storage == Storage.OBJECTS) {
                state = objects.computeIfAbsent(e.account(), k -> engine.newState());
            } else {
                byte[] stored = bytes.get(e.account());
                state =
                        stored == null
                                ? engine.newState()
                                : engine.read(new DataInputDeserializer(stored));
            }
            cold.key = e.account();
            engine.update(state, cold, e.txn(), e.time(), out, 0, warming);
            if (storage == Storage.BYTES) {
                buffer.clear();
                engine.write(state, buffer);
                bytes.put(e.account(), buffer.getCopyOfBuffer());
            }
        }
    }

    /**
     * Every entity's cold blocks, by entity (the current one set before each update), copied in and
     * out as RocksDB does; counts its reads, writes and removals.
     */
    private static final class CopyingColdPanes implements ColdPanes {
        private final Map<String, Map<Long, byte[]>> blocks = new HashMap<>();
        String key;
        long gets;
        long puts;
        long removes;

        private Map<Long, byte[]> entity() {
            return blocks.computeIfAbsent(key, k -> new HashMap<>());
        }

        @Override
        public byte[] get(long block) {
            gets++;
            byte[] value = entity().get(block);
            return value == null ? null : value.clone();
        }

        @Override
        public void put(long block, byte[] value) {
            puts++;
            entity().put(block, value.clone());
        }

        @Override
        public void remove(long block) {
            removes++;
            entity().remove(block);
        }

        @Override
        public Iterable<Long> keys() {
            return new ArrayList<>(entity().keySet());
        }

        @Override
        public boolean isEmpty() {
            return entity().isEmpty();
        }

        @Override
        public void clear() {
            entity().clear();
        }
    }
}
