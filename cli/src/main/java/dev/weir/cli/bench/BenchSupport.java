package dev.weir.cli.bench;

import dev.weir.cli.Folders;
import dev.weir.cli.Percentiles;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.synthetic.SyntheticProducer;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.models.TrainerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the whole-pipeline benchmarks share: the backlog, a run's settings, percentiles, durations
 * as options take them, ports.
 */
final class BenchSupport {

    private static final String TOPIC_KEYS = "kafka.topics.";

    private BenchSupport() {}

    /** {p50, p99, p99.9} by nearest rank; zeros without samples. */
    static long[] percentiles(long[] values, int n) {
        return Percentiles.of(values, 0, n, 0.50, 0.99, 0.999);
    }

    /** A duration as the options take it: 4h, 90s, 200ms. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms >= 600_000) {
            return ms / 60_000 + "m";
        }
        return ms % 1_000 == 0 ? ms / 1_000 + "s" : ms + "ms";
    }

    /**
     * Empties the run's folder {@code dir} and returns the model the run scores with: {@code
     * given}, or (when null) the reference network trained into {@code dir} on synthetic payments
     * of the run's customers.
     */
    static Path prepareRun(
            Path dir, Path given, long seed, int accounts, double fraudShare, PrintStream out)
            throws IOException {
        Folders.deleteRecursively(dir);
        Files.createDirectories(dir);
        if (given != null) {
            return given;
        }
        Path modelDir = dir.resolve("model");
        out.printf(
                "Training the reference network on 50000 synthetic payments of %d accounts...%n",
                accounts);
        trainReference(modelDir, seed, accounts, fraudShare);
        return modelDir;
    }

    /** {@code given}, or the reference network trained into a new temporary folder. */
    static Path givenOrTrained(Path given) throws IOException {
        if (given != null) {
            return given;
        }
        Path modelDir = Files.createTempDirectory("weir-bench-model");
        trainReference(modelDir, 7L, 2_000, 0.02);
        return modelDir;
    }

    /** The reference network trained on 50,000 synthetic payments of {@code accounts} customers. */
    private static void trainReference(Path modelDir, long seed, int accounts, double fraudShare) {
        TrainCommand.train(
                modelDir,
                FeatureSets.reference(),
                "bench",
                "1",
                seed,
                50_000,
                accounts,
                200,
                fraudShare,
                TrainerConfig.defaults());
    }

    /**
     * A backlog in {@code topic} (created with {@code partitions} partitions): payments in
     * event-time order, {@code perPayment} ms apart from {@code firstEventTime}; then one malformed
     * record per partition a minute after the last payment. Those go to the dead letters, and their
     * timestamps take the watermark past the last payment, which the ordered feature stages wait
     * for (a bounded source would also do that, but a bounded Kafka source with watermark alignment
     * can fail when a split ends while it is being paused). Returns the last payment's event time.
     */
    static long produceBacklog(
            String bootstrap,
            String topic,
            int partitions,
            long payments,
            long firstEventTime,
            double perPayment,
            long seed,
            int accounts,
            double fraudShare) {
        KafkaClients.createTopics(bootstrap, partitions, topic);
        long last = firstEventTime;
        try (SyntheticProducer producer =
                new SyntheticProducer(bootstrap, topic, seed, seed + 1, accounts, fraudShare, 0)) {
            for (long i = 0; i < payments; i++) {
                last = firstEventTime + (long) (i * perPayment);
                producer.sendOne(last);
            }
            producer.flush();
        }
        try (var producer = KafkaClients.byteProducer(bootstrap)) {
            for (int partition = 0; partition < partitions; partition++) {
                producer.send(
                        new ProducerRecord<>(topic, partition, last + 60_000, null, new byte[0]));
            }
            producer.flush();
        }
        return last;
    }

    /**
     * The settings of one benchmark run: the input topic, every other topic, the consumer group,
     * the transactional ids and the warehouse of the run's own, the model, checkpoints and
     * parallelism; from the earliest offset.
     */
    static Map<String, String> runSettings(
            String run,
            String bootstrap,
            String transactionsTopic,
            Path warehouses,
            Path modelDir,
            Duration checkpointInterval,
            int parallelism) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(WeirOptions.KAFKA_BOOTSTRAP.key(), bootstrap);
        settings.put(WeirOptions.TOPIC_TRANSACTIONS.key(), transactionsTopic);
        settings.putAll(runTopics(run));
        settings.put(WeirOptions.GROUP_ID.key(), "bench-" + run);
        settings.put(WeirOptions.TRANSACTIONAL_ID_PREFIX.key(), "bench-" + run);
        settings.put(WeirOptions.STARTING_OFFSETS.key(), "earliest");
        settings.put(WeirOptions.WAREHOUSE.key(), warehouses.resolve(run).toString());
        settings.put(WeirOptions.MODEL_DIR.key(), modelDir.toString());
        settings.put(WeirOptions.CHECKPOINT_INTERVAL.key(), checkpointInterval.toMillis() + "ms");
        settings.put(WeirOptions.PARALLELISM.key(), String.valueOf(parallelism));
        return settings;
    }

    /** Every topic option but the input's, each with a topic of the run's own. */
    static Map<String, String> runTopics(String run) {
        Map<String, String> topics = new LinkedHashMap<>();
        for (ConfigOption<?> option : WeirOptions.ALL) {
            String key = option.key();
            if (key.startsWith(TOPIC_KEYS) && !key.equals(WeirOptions.TOPIC_TRANSACTIONS.key())) {
                topics.put(key, key.substring(TOPIC_KEYS.length()) + "-" + run);
            }
        }
        return topics;
    }
}
