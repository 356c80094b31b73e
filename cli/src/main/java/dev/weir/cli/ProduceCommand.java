package dev.weir.cli;

import dev.weir.cli.cluster.SchemaRegistryServer;
import dev.weir.cli.synthetic.ShiftOptions;
import dev.weir.cli.synthetic.SyntheticProducer;
import dev.weir.operators.wire.TopicFormat;
import dev.weir.operators.wire.WireFormat;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code weir produce}: the synthetic transaction producer against any Kafka. */
@Command(
        name = "produce",
        description = {
            "Synthetic payments to any Kafka.",
            "The customers of `weir train`'s default seed paying, with bursts of "
                    + "fraud; optionally malformed records, each payment's label sent late, "
                    + "and a distribution shift. Avro single-object encoding, or Confluent's wire "
                    + "format with the schemas registered in a schema registry."
        })
public final class ProduceCommand extends WeirCommand {

    @Mixin ShiftOptions shift;

    @Mixin dev.weir.cli.kafka.KafkaOptions kafka;

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            defaultValue = "weir.transactions",
            description = "Topic of the payments.%nDefault: ${DEFAULT-VALUE}.")
    String topic;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "single-object",
            converter = WireFormats.class,
            completionCandidates = WireFormats.class,
            description =
                    "How each value is framed: ${COMPLETION-CANDIDATES} (the writer schema's id"
                            + " in the schema registry, registered under TOPIC-value)."
                            + "%nDefault: ${DEFAULT-VALUE}.")
    WireFormat format;

    @Option(
            names = "--schema-registry",
            paramLabel = "URL",
            defaultValue = SchemaRegistryServer.LOCAL_URL,
            description =
                    "The schema registry of --format confluent (Confluent Schema Registry API;"
                            + " credentials from WEIR_SCHEMA_REGISTRY_USER and"
                            + " WEIR_SCHEMA_REGISTRY_PASSWORD).%nDefault: ${DEFAULT-VALUE}"
                            + " (weir cluster start's).")
    String schemaRegistry;

    @Option(
            names = "--rate",
            paramLabel = "N",
            defaultValue = "200",
            description = "Records per second.%nDefault: ${DEFAULT-VALUE}.")
    double rate;

    @Option(
            names = "--count",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Records to send.%nDefault: ${DEFAULT-VALUE}.")
    long count;

    @Option(
            names = "--bad-share",
            paramLabel = "F",
            defaultValue = "0",
            description =
                    "Share of malformed records (random bytes, truncated records, unknown "
                            + "schema fingerprints or ids, empty values), 0 to 1.%nDefault:"
                            + " ${DEFAULT-VALUE}.")
    double badShare;

    @Option(
            names = "--fraud-share",
            paramLabel = "F",
            defaultValue = "0.02",
            description = "Share of fraudulent payments, 0 to 0.3.%nDefault: ${DEFAULT-VALUE}.")
    double fraudShare;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "Seed of the payments and malformed records.%nDefault: the current time.")
    Long seed;

    @Option(
            names = "--population-seed",
            paramLabel = "S",
            defaultValue = "7",
            description =
                    "Seed of the accounts: `weir train --seed`'s, so that the live customers "
                            + "are the training customers.%nDefault: ${DEFAULT-VALUE}.")
    long populationSeed;

    @Option(
            names = "--accounts",
            paramLabel = "N",
            defaultValue = "5000",
            description = "Number of customer accounts.%nDefault: ${DEFAULT-VALUE}.")
    int accounts;

    @Option(
            names = "--labels-topic",
            paramLabel = "TOPIC",
            description = "Also send each payment's ground truth (fraud or not) to this topic.")
    String labelsTopic;

    @Option(
            names = "--label-delay",
            paramLabel = "DURATION",
            defaultValue = "5s",
            description = "How long after its payment a label is sent.%nDefault: ${DEFAULT-VALUE}.")
    Duration labelDelay;

    @Override
    protected void run() {
        within("--rate", rate, 0.001, 1e7);
        atLeast("--count", count, 1);
        within("--bad-share", badShare, 0, 1);
        within("--fraud-share", fraudShare, 0, 0.3);
        atLeast("--accounts", accounts, 1);
        within("--shift-amount-scale", shift.amountScale(), 0.001, 1000);
        within("--shift-foreign-share", shift.foreignShare(), 0, 1);
        long streamSeed = seed != null ? seed : System.currentTimeMillis();
        try (SyntheticProducer producer =
                new SyntheticProducer(
                        kafka.connection(),
                        topic,
                        populationSeed,
                        streamSeed,
                        accounts,
                        fraudShare,
                        badShare)) {
            if (format == WireFormat.CONFLUENT) {
                producer.withFormat(TopicFormat.confluent(schemaRegistry));
            }
            if (labelsTopic != null) {
                producer.withLabels(labelsTopic, labelDelay.toMillis());
            }
            if (shift.after() != null) {
                producer.withShift(
                        System.currentTimeMillis() + shift.after().toMillis(),
                        shift.amountScale(),
                        shift.foreignShare());
            }
            long start = System.nanoTime();
            producer.run(count, rate, new AtomicBoolean());
            double seconds = (System.nanoTime() - start) / 1e9;
            SyntheticProducer.Counts c = producer.counts();
            out.printf(
                    "sent %d records to %s (%s) in %.1f s: %d good (%d fraud), %d malformed; %d"
                            + " labels%n",
                    c.total(),
                    topic,
                    format,
                    seconds,
                    c.good.get(),
                    c.fraud.get(),
                    c.bad.get(),
                    c.labels.get());
            if (c.shiftedAt.get() > 0) {
                out.printf(
                        "distributions shifted at %s%n",
                        java.time.Instant.ofEpochMilli(c.shiftedAt.get()));
            }
        }
    }
}
