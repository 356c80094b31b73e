package dev.weir.cli;

import dev.weir.cli.cluster.SchemaRegistryServer;
import dev.weir.cli.kafka.WeirRecordDecoder;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.Score;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir consume}: prints a topic's Weir records as JSON lines, committed data only. Values in
 * single-object encoding and in Confluent's wire format are both read, each recognised by its first
 * bytes; the record type by the schema fingerprint, or by the writer schema the registry holds
 * under the value's id. So the decisions topic (the same {@code Score} records as the scores topic)
 * prints like the scores, each with its reason codes (feature and signed contribution); records of
 * released older schemas print too. The decisions are written without transactions: read committed,
 * each is visible as soon as the broker has it.
 *
 * <p>With {@code --latency} it measures what a consumer of the scores or decisions sees: for each
 * {@code Score}, the time from its payment's event time and from its scoring time to the moment the
 * poll that brought it returned. Percentiles are exact (nearest rank), from a count per millisecond
 * value ({@link LatencyCounts}), so memory stays bounded however long it runs.
 */
@Command(
        name = "consume",
        description = {
            "Prints a topic's Weir records as JSON lines.",
            "Scores and decisions, dead letters, transactions, labels, "
                    + "model-control commands or monitoring records, committed data only "
                    + "(weir.decisions has no transactions, so its records show at once); "
                    + "single-object encoded or in Confluent's wire format.",
            "With --latency, also the latency a consumer of scores or decisions sees: from "
                    + "each Score's event time and scoring time to its arrival here."
        })
public final class ConsumeCommand extends WeirCommand {

    @picocli.CommandLine.Mixin dev.weir.cli.kafka.KafkaOptions kafka;

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            required = true,
            description = "Topic to read from its beginning, e.g. weir.decisions or weir.dlq.")
    String topic;

    @Option(
            names = "--max",
            paramLabel = "N",
            description = "Stop after N records.%nDefault: no limit.")
    Long max;

    @Option(
            names = "--idle-timeout",
            paramLabel = "DURATION",
            defaultValue = "10s",
            description = "Stop when no record came for this long.%nDefault: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    @Option(
            names = "--schema-registry",
            paramLabel = "URL",
            defaultValue = SchemaRegistryServer.LOCAL_URL,
            description =
                    "The schema registry of values in Confluent's wire format, asked only when"
                            + " one comes (credentials from WEIR_SCHEMA_REGISTRY_USER and"
                            + " WEIR_SCHEMA_REGISTRY_PASSWORD).%nDefault: ${DEFAULT-VALUE}.")
    String schemaRegistry;

    @Option(
            names = "--unseal",
            description =
                    "Show sealed dead letters opened, with the key of the policy's key_env (the"
                            + " default policy's: WEIR_TOKEN_KEY).")
    boolean unseal;

    @Option(
            names = "--policy",
            paramLabel = "FILE",
            description =
                    "The governance policy whose key --unseal uses.%nDefault: the built-in "
                            + "one.")
    Path policy;

    @Option(
            names = "--latency",
            description =
                    "For each Score (weir.decisions, weir.scores): the time from its event time and"
                            + " from its scoring time to its arrival here. The p50 and p99 of every"
                            + " 5 s go to stderr; at the end, one line with the p50, p99, p99.9 and"
                            + " largest of all. Other records are counted as skipped.")
    boolean latency;

    @Option(
            names = "--no-records",
            description = "Print no JSON lines (with --latency: only the latencies).")
    boolean noRecords;

    /** How often {@code --latency} reports the latencies of the Scores received since. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

    @Override
    protected void run() {
        long limit = max == null ? Long.MAX_VALUE : atLeast("--max", max, 1);
        WeirRecordDecoder decoders = new WeirRecordDecoder(schemaRegistry, environment);

        // Sealed dead letters are opened for the holder of the policy's key only.
        dev.weir.operators.governance.Governance unsealer =
                unseal
                        ? dev.weir.operators.governance.Governance.create(
                                policy != null
                                        ? dev.weir.operators.governance.GovernancePolicy.load(
                                                policy)
                                        : dev.weir.operators.governance.GovernancePolicy.defaults(),
                                System::getenv)
                        : null;
        Latencies latencies = latency ? new Latencies() : null;
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                dev.weir.cli.kafka.KafkaClients.readCommittedConsumer(
                        kafka.connection(), "weir-consume")) {
            consumer.subscribe(List.of(topic));
            long lastRecord = System.currentTimeMillis();
            long nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
            while (read < limit
                    && System.currentTimeMillis() - lastRecord < idleTimeout.toMillis()) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
                // Taken once per poll, before printing, so the time spent printing is not counted.
                long received = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    lastRecord = received;
                    if (latencies != null) {
                        latencies.add(decoders, record.value(), received);
                    }
                    if (!noRecords) {
                        out.println(
                                unsealer == null
                                        ? toJson(decoders, record.value())
                                        : unsealed(decoders, record.value(), unsealer));
                    }
                    if (++read >= limit) {
                        break;
                    }
                }
                if (latencies != null && System.nanoTime() - nextProgress >= 0) {
                    spec.commandLine().getErr().println(latencies.sinceLastProgress());
                    nextProgress = System.nanoTime() + PROGRESS_EVERY.toNanos();
                }
            }
        }
        if (latencies != null) {
            out.println(latencies.summary());
        }
    }

    /**
     * The latencies of the Scores this consumer received, in ms: from the event time and from the
     * scoring time to the return of the poll that brought each.
     */
    static final class Latencies {

        private final LatencyCounts fromEvent = new LatencyCounts();
        private final LatencyCounts fromScoring = new LatencyCounts();
        private final LatencyCounts recentFromEvent = new LatencyCounts();
        private final LatencyCounts recentFromScoring = new LatencyCounts();
        private long skipped;

        /** Counts {@code value} when it is a Score, as skipped otherwise (undecodable too). */
        void add(WeirRecordDecoder decoders, byte[] value, long received) {
            SpecificRecord record;
            try {
                record = value == null ? null : decoders.decode(value);
            } catch (Exception e) {
                record = null;
            }
            if (!(record instanceof Score score)) {
                skipped++;
                return;
            }
            long event = received - score.getEventTime().toEpochMilli();
            long scored = received - score.getScoringTime().toEpochMilli();
            fromEvent.add(event);
            fromScoring.add(scored);
            recentFromEvent.add(event);
            recentFromScoring.add(scored);
        }

        /** The p50 and p99 of the Scores received since the previous call. */
        String sinceLastProgress() {
            String window = "latency  last " + PROGRESS_EVERY.toSeconds() + " s: ";
            long recent = recentFromEvent.count();
            if (recent == 0) {
                return window + "no decisions";
            }
            long[] event = recentFromEvent.percentiles(0.50, 0.99);
            long[] scored = recentFromScoring.percentiles(0.50, 0.99);
            recentFromEvent.clear();
            recentFromScoring.clear();
            return String.format(
                    "%s%s: event->received p50 %d ms, p99 %d ms;"
                            + " scored->received p50 %d ms, p99 %d ms",
                    window, decisions(recent), event[0], event[1], scored[0], scored[1]);
        }

        /** p50, p99, p99.9 and the largest over every Score received, and what was skipped. */
        String summary() {
            StringBuilder line = new StringBuilder("latency  " + decisions(fromEvent.count()));
            if (fromEvent.count() > 0) {
                line.append(": event->received ")
                        .append(percentiles(fromEvent))
                        .append("; scored->received ")
                        .append(percentiles(fromScoring));
            }
            if (skipped > 0) {
                line.append("; ")
                        .append(skipped)
                        .append(skipped == 1 ? " record" : " records")
                        .append(" skipped (not a Score)");
            }
            return line.toString();
        }

        private static String decisions(long n) {
            return n == 1 ? "1 decision" : n + " decisions";
        }

        private static String percentiles(LatencyCounts values) {
            long[] p = values.percentiles(0.50, 0.99, 0.999, 1.0);
            return String.format(
                    "p50 %d ms, p99 %d ms, p99.9 %d ms, max %d ms", p[0], p[1], p[2], p[3]);
        }
    }

    /** A dead letter with its sealed bytes opened (base64), anything else as {@link #toJson}. */
    static String unsealed(
            WeirRecordDecoder decoders,
            byte[] value,
            dev.weir.operators.governance.Governance governance) {
        try {
            if (decoders.decode(value) instanceof DeadLetter d && d.getRawSealed()) {
                java.nio.ByteBuffer raw = d.getRaw().duplicate();
                byte[] sealed = new byte[raw.remaining()];
                raw.get(sealed);
                return "{\"dead_letter\": "
                        + d
                        + ", \"unsealed_raw_base64\": \""
                        + java.util.Base64.getEncoder().encodeToString(governance.unseal(sealed))
                        + "\"}";
            }
        } catch (Exception e) {
            // Not a sealed dead letter: printed as usual.
        }
        return toJson(decoders, value);
    }

    static String toJson(WeirRecordDecoder decoders, byte[] value) {
        if (value == null) {
            return "{\"undecodable\": \"null value\"}";
        }
        SpecificRecord record;
        try {
            record = decoders.decode(value);
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return "{\"undecodable\": \""
                    + why.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\", \"bytes\": "
                    + value.length
                    + "}";
        }
        return record.toString();
    }
}
