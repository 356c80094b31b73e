package dev.weir.cli.bench;

import dev.weir.cli.WeirCommand;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.LabelOutcome;
import dev.weir.schemas.LabelOutcomeType;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.runtime.state.CheckpointStateOutputStream;
import org.apache.flink.runtime.state.CheckpointedStateScope;
import org.apache.flink.runtime.state.UncompressedStreamCompressionDecorator;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.filesystem.FsCheckpointStreamFactory;
import org.apache.flink.streaming.api.operators.TimerHeapInternalTimer;
import org.apache.flink.streaming.api.operators.TimerSerializer;
import org.apache.flink.util.FileUtils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir bench state-writes}: how fast a heap snapshot writes the per-transaction state, with
 * Flink's serializers and with the pipeline's, side by side in one run. Each entry is what the
 * label join keeps for a waiting score (its transaction-id key, the waiting outcome with two
 * fairness segments, and its event-time timer) and what the duplicate check keeps for an id (key,
 * first-seen time, timer). They are written, as the heap backend writes a key group, through a
 * {@code DataOutputViewStreamWrapper} over the key-group stream decorator to Flink's file
 * checkpoint stream in a temporary directory. Both variants write the same bytes; the command
 * checks that. A harness, not a test: it measures, and prints.
 */
@Command(
        name = "state-writes",
        description = {
            "Heap snapshot writes of the per-transaction state, Flink's serializers against the"
                    + " pipeline's.",
            "The label join's waiting scores and the duplicate check's ids, with their keys and"
                    + " timers, written as a heap snapshot writes them to Flink's file checkpoint"
                    + " stream: with Flink's string and Avro serializers, and with the pipeline's"
                    + " (BufferedSerializer over them), side by side."
        })
public final class StateWritesBenchmark extends WeirCommand {

    @Option(
            names = "--entries",
            paramLabel = "N",
            defaultValue = "300000",
            description = "Transactions in the state.%nDefault: ${DEFAULT-VALUE}.")
    int entries;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "5",
            description =
                    "Writes per variant, in turn; each variant reports its best.%nDefault:"
                            + " ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    protected void run() throws Exception {
        atLeast("--entries", entries, 1_000);
        atLeast("--rounds", rounds, 1);
        String[] ids = new String[entries];
        LabelOutcome[] waiting = new LabelOutcome[entries];
        Random random = new Random(7);
        String[] countries = {"DE", "FR", "IT", "ES", "NL", "PL", "US", "GB"};
        String[] channels = {"POS", "ONLINE", "ATM"};
        for (int i = 0; i < entries; i++) {
            ids[i] = new UUID(random.nextLong(), random.nextLong()).toString();
            waiting[i] =
                    LabelOutcome.newBuilder()
                            .setOutcome(LabelOutcomeType.UNKNOWN)
                            .setTransactionId("")
                            .setModelName("fraud")
                            .setModelVersion("3")
                            .setScore(random.nextDouble())
                            .setDeclined(random.nextInt(50) == 0)
                            .setEventTime(1_767_225_600_000L + i)
                            .setOutcomeTime(1_767_225_600_000L + i)
                            .setSegments(
                                    Map.of(
                                            "country",
                                            countries[random.nextInt(countries.length)],
                                            "channel",
                                            channels[random.nextInt(channels.length)]))
                            .build();
        }
        Map<String, Variant> variants = new LinkedHashMap<>();
        variants.put("Flink's serializers", new Variant(Types.STRING, WeirTypes.LABEL_OUTCOME));
        variants.put(
                "the pipeline's (buffered)",
                new Variant(WeirTypes.TRANSACTION_ID, WeirTypes.WAITING_LABEL_OUTCOME));

        Path dir = Files.createTempDirectory("weir-state-writes");
        try {
            FsCheckpointStreamFactory streams =
                    new FsCheckpointStreamFactory(
                            FileSystem.getLocalFileSystem(),
                            new org.apache.flink.core.fs.Path(dir.resolve("shared").toUri()),
                            new org.apache.flink.core.fs.Path(dir.resolve("exclusive").toUri()),
                            1024,
                            64 * 1024);
            Files.createDirectories(dir.resolve("shared"));
            Files.createDirectories(dir.resolve("exclusive"));
            out.printf(
                    "Heap snapshot writes of %d transactions: the label join's waiting score (key,"
                            + " outcome with 2 segments, timer) and the duplicate check's id (key,"
                            + " first seen, timer) each%n",
                    entries);
            // Warm-up (JIT), not reported.
            for (Variant variant : variants.values()) {
                variant.write(new ByteArrayOutputStream(), ids, waiting);
            }
            Map<String, Long> best = new LinkedHashMap<>();
            for (int round = 0; round < rounds; round++) {
                for (Map.Entry<String, Variant> variant : variants.entrySet()) {
                    CheckpointStateOutputStream stream =
                            streams.createCheckpointStateOutputStream(
                                    CheckpointedStateScope.EXCLUSIVE);
                    long start = System.nanoTime();
                    variant.getValue().write(stream, ids, waiting);
                    long nanos = System.nanoTime() - start;
                    stream.closeAndGetHandle().discardState();
                    best.merge(variant.getKey(), nanos, Math::min);
                }
            }
            // What they wrote, outside the timing.
            Map<String, byte[]> written = new LinkedHashMap<>();
            for (Map.Entry<String, Variant> variant : variants.entrySet()) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                variant.getValue().write(bytes, ids, waiting);
                written.put(variant.getKey(), bytes.toByteArray());
            }
            long bytes = written.values().iterator().next().length;
            out.printf(
                    "%-28s %12s %20s %12s%n",
                    "serializers", "best ms", "ns per transaction", "MB/s");
            best.forEach(
                    (name, nanos) ->
                            out.printf(
                                    "%-28s %12.1f %20.0f %12.1f%n",
                                    name,
                                    nanos / 1e6,
                                    (double) nanos / entries,
                                    bytes / (nanos / 1e9) / 1e6));
            long[] times = best.values().stream().mapToLong(Long::longValue).toArray();
            byte[][] contents = written.values().toArray(new byte[0][]);
            out.printf(
                    "%.0f bytes per transaction; same bytes in both: %s; Flink's / the pipeline's"
                            + " time = %.2fx%n",
                    (double) bytes / entries,
                    Arrays.equals(contents[0], contents[1]) ? "yes" : "NO",
                    (double) times[0] / times[1]);
        } finally {
            FileUtils.deleteDirectory(dir.toFile());
        }
    }

    /** The serializers a heap snapshot would write the two operators' state with. */
    private static final class Variant {
        private final TypeSerializer<String> keys;
        private final TypeSerializer<LabelOutcome> outcomes;
        private final TypeSerializer<Long> times = Types.LONG.createSerializer(CONFIG);
        private final TimerSerializer<String, VoidNamespace> timers;

        Variant(TypeInformation<String> keys, TypeInformation<LabelOutcome> outcomes) {
            this.keys = keys.createSerializer(CONFIG);
            this.outcomes = outcomes.createSerializer(CONFIG);
            this.timers = new TimerSerializer<>(this.keys, VoidNamespaceSerializer.INSTANCE);
        }

        /** Writes every transaction's entries to {@code target}, as a heap snapshot would. */
        void write(OutputStream target, String[] ids, LabelOutcome[] waiting) throws Exception {
            try (OutputStream keyGroup =
                    UncompressedStreamCompressionDecorator.INSTANCE.decorateWithCompression(
                            target)) {
                DataOutputViewStreamWrapper view = new DataOutputViewStreamWrapper(keyGroup);
                for (int i = 0; i < ids.length; i++) {
                    long time = waiting[i].getEventTime();
                    // The label join: value state, then its timer.
                    VoidNamespaceSerializer.INSTANCE.serialize(VoidNamespace.INSTANCE, view);
                    keys.serialize(ids[i], view);
                    outcomes.serialize(waiting[i], view);
                    timers.serialize(
                            new TimerHeapInternalTimer<>(time, ids[i], VoidNamespace.INSTANCE),
                            view);
                    // The duplicate check: value state, then its timer.
                    VoidNamespaceSerializer.INSTANCE.serialize(VoidNamespace.INSTANCE, view);
                    keys.serialize(ids[i], view);
                    times.serialize(time, view);
                    timers.serialize(
                            new TimerHeapInternalTimer<>(time, ids[i], VoidNamespace.INSTANCE),
                            view);
                }
                view.flush();
            }
        }
    }

    private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();
}
