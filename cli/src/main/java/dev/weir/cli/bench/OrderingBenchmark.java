package dev.weir.cli.bench;

import static dev.weir.cli.Folders.deleteRecursively;
import static dev.weir.cli.bench.BenchSupport.human;

import dev.weir.cli.Folders;
import dev.weir.cli.FreePorts;
import dev.weir.cli.WeirCommand;
import dev.weir.cli.cluster.LocalFlink;
import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.cli.synthetic.SyntheticProducer;
import dev.weir.jobs.PipelineJob;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.PipelineSources;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.operators.iceberg.WeirTables;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.catalog.TableIdentifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir bench ordering}: the whole pipeline (Kafka source, decode, quality and governance,
 * the three feature stages, DL4J scoring, Kafka and Iceberg sinks, monitoring) with the feature
 * stages in {@link FeatureOrdering#ORDERED} and in {@link FeatureOrdering#ARRIVAL} mode, side by
 * side in one run on an in-process Kafka broker and a local Flink with parallelism 2.
 *
 * <p>Throughput is the drain rate of a backlog: the payments are in a four-partition topic before
 * each job starts, and the job runs until all of them are scored. Latency is measured at a fixed
 * rate on live traffic (Kafka timestamp = event time = the moment of sending): event to score is
 * the score's scoring time minus its event time, event to committed is when a {@code
 * read_committed} consumer received it. A harness, not a test: it measures and prints.
 */
public final class OrderingBenchmark {

    /** Keys each run sets itself: identities, topics, and the two the benchmark varies. */
    private static final Set<String> OWN_KEYS =
            Set.of(
                    WeirOptions.FEATURE_ORDERING.key(),
                    WeirOptions.OUT_OF_ORDERNESS.key(),
                    WeirOptions.MODEL_DIR.key(),
                    WeirOptions.MODEL_REGISTRY.key(),
                    WeirOptions.WAREHOUSE.key(),
                    WeirOptions.CATALOG_TYPE.key(),
                    WeirOptions.CATALOG_URI.key(),
                    WeirOptions.PARALLELISM.key(),
                    WeirOptions.CHECKPOINT_INTERVAL.key());

    private static final int PARALLELISM = 2;
    private static final int PARTITIONS = 4;
    private static final double FRAUD_SHARE = 0.02;

    /**
     * How long the producer keeps going after the measured window for its last scores to commit.
     */
    private static final Duration TAIL_TIMEOUT = Duration.ofMinutes(2);

    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration TASKS_START_TIMEOUT = Duration.ofMinutes(3);

    private final PrintStream out;
    private final Path dir;
    private final EmbeddedKafka kafka;
    private final Path modelDir;
    private final Map<String, String> overrides;
    private final Duration checkpointInterval;
    private final long seed;
    private final int accounts;
    private final OtherCpu otherCpu;
    private int runs;

    private OrderingBenchmark(
            PrintStream out,
            Path dir,
            EmbeddedKafka kafka,
            Path modelDir,
            Map<String, String> overrides,
            Duration checkpointInterval,
            long seed,
            int accounts,
            OtherCpu otherCpu) {
        this.out = out;
        this.dir = dir;
        this.kafka = kafka;
        this.modelDir = modelDir;
        this.overrides = overrides;
        this.checkpointInterval = checkpointInterval;
        this.seed = seed;
        this.accounts = accounts;
        this.otherCpu = otherCpu;
    }

    /**
     * One pipeline run's variant: its feature ordering and its watermark's out-of-orderness bound.
     */
    record Variant(FeatureOrdering ordering, Duration outOfOrderness) {
        String label() {
            return ordering.name().toLowerCase(Locale.ROOT)
                    + " (out-of-orderness "
                    + human(outOfOrderness)
                    + ")";
        }
    }

    /** {@code weir bench ordering}'s options; a run with them. */
    @Command(
            name = "ordering",
            description = {
                "The whole pipeline, features in event-time order beside arrival order.",
                "On an in-process Kafka and a local Flink with parallelism 2: the drain "
                        + "rate of a backlog, and event-to-score latency at a fixed rate."
            })
    public static final class Cli extends WeirCommand {

        @Mixin BenchLoad load;

        @Option(
                names = "--payments",
                paramLabel = "N",
                defaultValue = "200000",
                description = "Payments in the backlog.%nDefault: ${DEFAULT-VALUE}.")
        long payments;

        @Option(
                names = "--rounds",
                paramLabel = "N",
                defaultValue = "2",
                description = "Drains of the backlog per mode.%nDefault: ${DEFAULT-VALUE}.")
        int rounds;

        @Option(
                names = "--span",
                paramLabel = "DURATION",
                defaultValue = "4h",
                description = "Event time the backlog covers.%nDefault: ${DEFAULT-VALUE}.")
        Duration span;

        @Option(
                names = "--rate",
                paramLabel = "N",
                defaultValue = "1000",
                description =
                        "Payments per second of the latency runs, 1 to 100000.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        double rate;

        @Option(
                names = "--duration",
                paramLabel = "DURATION",
                defaultValue = "60s",
                description = "Measured part of each latency run.%nDefault: ${DEFAULT-VALUE}.")
        Duration duration;

        @Option(
                names = "--warm-up",
                paramLabel = "DURATION",
                defaultValue = "15s",
                description = "Unmeasured start of each latency run.%nDefault: ${DEFAULT-VALUE}.")
        Duration warmUp;

        @Option(
                names = "--small-out-of-orderness",
                paramLabel = "DURATION",
                defaultValue = "200ms",
                description =
                        "The watermark's out-of-orderness bound of the third latency "
                                + "run.%nDefault: ${DEFAULT-VALUE}.")
        Duration smallOutOfOrderness;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = Folders.HOME + "/bench-ordering",
                description = "The run's folder, emptied first.%nDefault: ${DEFAULT-VALUE}.")
        Path dir;

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description =
                        "A pipeline setting for every run (not those the benchmark sets itself);"
                                + " repeatable.")
        Map<String, String> settings;

        @Override
        protected void run() throws Exception {
            atLeast("--payments", payments, 1_000);
            atLeast("--rounds", rounds, 1);
            within("--rate", rate, 1, 100_000);
            Map<String, String> overrides = new LinkedHashMap<>();
            if (settings != null) {
                settings.forEach((k, v) -> overrides.put(k.trim(), v.trim()));
            }
            for (String key : overrides.keySet()) {
                if (OWN_KEYS.contains(key) || key.startsWith("kafka.")) {
                    throw usage("--set " + key + " is set by the benchmark itself");
                }
            }
            load.check(dir);
            measure(this, overrides, out);
        }
    }

    private static void measure(Cli options, Map<String, String> overrides, PrintStream out)
            throws Exception {
        long payments = options.payments;
        int rounds = options.rounds;
        Duration span = options.span;
        double rate = options.rate;
        Duration duration = options.duration;
        Duration warmUp = options.warmUp;
        Duration small = options.smallOutOfOrderness;
        int accounts = options.load.accounts;
        long seed = options.load.seed;
        Duration checkpointInterval = options.load.checkpointInterval;
        Path dir = options.dir.toAbsolutePath();
        Variant defaults =
                new Variant(FeatureOrdering.ORDERED, WeirOptions.OUT_OF_ORDERNESS.defaultValue());
        Path modelDir = options.load.model == null ? null : options.load.model.toAbsolutePath();
        // Configuration mistakes (a --set, a missing WEIR_TOKEN_KEY, a model trained on other
        // features) stop the run before anything starts.
        PipelineConfig check =
                new OrderingBenchmark(
                                out,
                                dir,
                                null,
                                modelDir == null ? dir.resolve("model") : modelDir,
                                overrides,
                                checkpointInterval,
                                seed,
                                accounts,
                                null)
                        .config("check", "127.0.0.1:9092", "check", defaults);
        if (modelDir != null) {
            PipelineJob.checkModel(check);
        }

        modelDir = BenchSupport.prepareRun(dir, modelDir, seed, accounts, FRAUD_SHARE, out);
        ModelMetadata model = ModelBundle.readMetadata(modelDir);
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"), 0);
                OtherCpu otherCpu = new OtherCpu()) {
            OrderingBenchmark bench =
                    new OrderingBenchmark(
                            out,
                            dir,
                            kafka,
                            modelDir,
                            overrides,
                            checkpointInterval,
                            seed,
                            accounts,
                            otherCpu);
            out.printf(
                    "Whole pipeline (Kafka -> decode, quality, governance -> features of account, merchant, device"
                            + " -> DL4J %s v%s, %d inputs -> Kafka + Iceberg, monitoring), local Flink, parallelism %d,"
                            + " checkpoints every %s, %d accounts%s%n",
                    model.name(),
                    model.version(),
                    model.featureCount(),
                    PARALLELISM,
                    human(checkpointInterval),
                    accounts,
                    overrides.isEmpty() ? "" : ", with " + overrides);
            out.printf(
                    "%d cores; \"other CPU\": cores used by other processes during a measurement, which skews it%n",
                    Runtime.getRuntime().availableProcessors());
            out.println();
            List<Drain> drains = bench.throughput(payments, span, rounds);
            List<Latency> latencies =
                    bench.latency(
                            rate,
                            duration,
                            warmUp,
                            List.of(
                                    new Variant(FeatureOrdering.ARRIVAL, defaults.outOfOrderness()),
                                    defaults,
                                    new Variant(FeatureOrdering.ORDERED, small)));
            bench.report(payments, span, rounds, drains, rate, duration, warmUp, latencies);
        } finally {
            deleteRecursively(dir.resolve("kafka"));
            for (String name : new String[] {"warehouses", "checkpoints"}) {
                deleteRecursively(dir.resolve(name));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (a) drain of a backlog

    /** One mode's drain of the backlog; its rate is {@link BacklogDrain#rate}'s. */
    record Drain(
            FeatureOrdering ordering,
            long scored,
            long counted,
            double seconds,
            long icebergScores,
            double otherCpu,
            double cpuSeconds,
            long cpuPayments,
            double eventsPerPass) {
        double rate() {
            return counted / seconds;
        }
    }

    private List<Drain> throughput(long payments, Duration span, int rounds) throws Exception {
        long end = System.currentTimeMillis() - 60_000;
        double perPayment = (double) span.toMillis() / payments;
        long produceStart = System.nanoTime();
        Backlog backlog = backlog("bench-backlog", payments, end - span.toMillis(), perPayment);
        out.printf(
                "(a) Backlog: %d payments over %s of event time in %d partitions, produced in %.1f s%n",
                payments, human(span), PARTITIONS, (System.nanoTime() - produceStart) / 1e9);
        Variant ordered =
                new Variant(FeatureOrdering.ORDERED, WeirOptions.OUT_OF_ORDERNESS.defaultValue());
        Variant arrival =
                new Variant(FeatureOrdering.ARRIVAL, WeirOptions.OUT_OF_ORDERNESS.defaultValue());
        // The JVM keeps getting faster for minutes (JIT of Kafka, Avro, Iceberg, Parquet, ND4J
        // paths):
        // a first round in both modes warms it up and is not reported.
        for (Variant variant : List.of(ordered, arrival)) {
            Drain d = drain(backlog, variant);
            out.printf(
                    "    warm-up, %-8s %d scored, the last 90%% in %.1f s (%.0f payments/s; not reported)%n",
                    variant.ordering().name().toLowerCase(Locale.ROOT),
                    d.scored(),
                    d.seconds(),
                    d.rate());
        }
        List<Drain> drains = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            // Alternating which mode goes first evens out what the JVM learns along the way.
            for (Variant variant :
                    round % 2 == 1 ? List.of(ordered, arrival) : List.of(arrival, ordered)) {
                Drain d = drain(backlog, variant);
                out.printf(
                        "    round %d, %-8s %d scored, the last 90%% in %.1f s (%.0f payments/s; %.0f CPU us per"
                                + " payment; %.1f events per forward pass; other CPU %.2f cores)%n",
                        round,
                        variant.ordering().name().toLowerCase(Locale.ROOT),
                        d.scored(),
                        d.seconds(),
                        d.rate(),
                        d.cpuSeconds() * 1e6 / Math.max(1, d.cpuPayments()),
                        d.eventsPerPass(),
                        d.otherCpu());
                drains.add(d);
            }
        }
        return drains;
    }

    /** A topic of payments with event times in [first, last]. */
    private record Backlog(String topic, long payments, long firstEventTime, long lastEventTime) {}

    /** A backlog of payments ({@link BenchSupport#produceBacklog}). */
    private Backlog backlog(String topic, long payments, long firstEventTime, double perPayment) {
        long last =
                BenchSupport.produceBacklog(
                        kafka.bootstrapServers(),
                        topic,
                        PARTITIONS,
                        payments,
                        firstEventTime,
                        perPayment,
                        seed,
                        accounts,
                        FRAUD_SHARE);
        return new Backlog(topic, payments, firstEventTime, last);
    }

    /**
     * Runs the pipeline over the backlog until every payment's score is committed. Rate, CPU and
     * other CPU leave out the first tenth of the scores (see {@link BacklogDrain}).
     */
    private Drain drain(Backlog backlog, Variant variant) throws Exception {
        String run = "drain-" + variant.ordering().name().toLowerCase(Locale.ROOT) + "-" + (++runs);
        PipelineConfig config = config(run, kafka.bootstrapServers(), backlog.topic(), variant);
        try (BenchJob job = start(run, config, variant);
                ScoreWatcher watcher =
                        ScoreWatcher.scores(
                                kafka.bootstrapServers(),
                                config.scoresTopic(),
                                backlog.payments())) {
            watcher.window(backlog.firstEventTime(), backlog.lastEventTime() + 1);
            watcher.start();
            CpuMark mark = new CpuMark(watcher);
            BacklogDrain.await(watcher::seen, backlog.payments(), DRAIN_TIMEOUT, job, mark::take);
            if (!mark.taken()) { // all at once: no window to measure CPU in
                mark.take();
            }
            double others = otherCpu.since(mark.cpu);
            double cpuSeconds = otherCpu.ownSeconds(mark.cpu);
            long cpuPayments = watcher.seen() - mark.seen;
            if (watcher.seen() < backlog.payments()) {
                out.printf(
                        "    NOTE: %d of %d payments scored within %s%n",
                        watcher.seen(), backlog.payments(), human(DRAIN_TIMEOUT));
            }
            // Iceberg commits on the same checkpoints as Kafka; give the last commit a moment.
            long icebergDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long iceberg = icebergScores(config);
            while (iceberg < watcher.seen() && System.nanoTime() < icebergDeadline) {
                Thread.sleep(250);
                iceberg = icebergScores(config);
            }
            BacklogDrain.Rate rate = BacklogDrain.rate(watcher.scoringTimes());
            return new Drain(
                    variant.ordering(),
                    rate.outputs(),
                    rate.counted(),
                    rate.seconds(),
                    iceberg,
                    others,
                    cpuSeconds,
                    cpuPayments,
                    watcher.eventsPerPass());
        }
    }

    /**
     * This JVM's and other processes' CPU, and the scores seen, from where a drain's rate begins.
     */
    private final class CpuMark {
        private final ScoreWatcher watcher;
        private double[] cpu;
        private long seen;

        CpuMark(ScoreWatcher watcher) {
            this.watcher = watcher;
        }

        void take() {
            cpu = otherCpu.mark();
            seen = watcher.seen();
        }

        boolean taken() {
            return cpu != null;
        }
    }

    /** Rows in the Iceberg scores table's current snapshot. */
    private static long icebergScores(PipelineConfig config) {
        Snapshot snapshot =
                Catalogs.loader(config)
                        .loadCatalog()
                        .loadTable(TableIdentifier.of(config.namespace(), WeirTables.SCORES))
                        .currentSnapshot();
        return snapshot == null
                ? 0
                : Long.parseLong(snapshot.summary().getOrDefault("total-records", "0"));
    }

    // ---------------------------------------------------------------------------------------------
    // (b) latency at a fixed rate

    /** One variant's latencies, in ms: {p50, p99, p99.9} to score and to committed. */
    record Latency(
            Variant variant,
            long measured,
            long seen,
            double producedRate,
            long[] toScore,
            long[] toCommitted,
            double otherCpu,
            double ownCores,
            double eventsPerPass) {}

    private List<Latency> latency(
            double rate, Duration duration, Duration warmUp, List<Variant> variants)
            throws Exception {
        out.println();
        out.printf(
                "(b) Latency: %.0f payments/s, %s warm-up then %s measured, per variant%n",
                rate, human(warmUp), human(duration));
        List<Latency> results = new ArrayList<>();
        for (Variant variant : variants) {
            Latency l = latency(variant, rate, duration, warmUp);
            out.printf(
                    "    %-34s %d measured, event->score p50 %d ms, p99 %d ms; event->committed p50 %d ms;"
                            + " other CPU %.2f cores%n",
                    variant.label(),
                    l.measured(),
                    l.toScore()[0],
                    l.toScore()[1],
                    l.toCommitted()[0],
                    l.otherCpu());
            results.add(l);
        }
        return results;
    }

    private Latency latency(Variant variant, double rate, Duration duration, Duration warmUp)
            throws Exception {
        String run = "live-" + variant.ordering().name().toLowerCase(Locale.ROOT) + "-" + (++runs);
        String topic = "transactions-" + run;
        kafka.createTopics(PARTITIONS, topic);
        PipelineConfig config = config(run, kafka.bootstrapServers(), topic, variant);
        try (BenchJob job = start(run, config, variant);
                ScoreWatcher watcher =
                        ScoreWatcher.scores(
                                kafka.bootstrapServers(),
                                config.scoresTopic(),
                                (long) (rate * duration.toSeconds() * 1.1) + 16);
                SyntheticProducer producer =
                        new SyntheticProducer(
                                kafka.bootstrapServers(),
                                topic,
                                seed,
                                seed + 2,
                                accounts,
                                FRAUD_SHARE,
                                0)) {
            LiveTraffic traffic = new LiveTraffic(rate, warmUp, duration, TAIL_TIMEOUT);
            watcher.window(traffic.measureFrom(), traffic.measureTo());
            watcher.start();
            CpuOverWindow cpu = new CpuOverWindow(duration);
            LiveTraffic.Sent sent = traffic.send(producer::sendOne, watcher::seen, job, cpu);
            if (watcher.seen() < sent.measured()) {
                out.printf(
                        "    NOTE: %d of %d measured payments were not committed within %s after the window%n",
                        sent.measured() - watcher.seen(), sent.measured(), human(TAIL_TIMEOUT));
            }
            return new Latency(
                    variant,
                    sent.measured(),
                    watcher.seen(),
                    sent.rate(),
                    watcher.toScore(),
                    watcher.toCommitted(),
                    cpu.others,
                    cpu.ownCores,
                    watcher.eventsPerPass());
        }
    }

    /** Other processes' CPU and this JVM's, in cores, over the measured window of live traffic. */
    private final class CpuOverWindow implements LiveTraffic.WindowListener {
        private final Duration duration;
        private double[] mark;
        private double others;
        private double ownCores;

        CpuOverWindow(Duration duration) {
            this.duration = duration;
        }

        @Override
        public void opened() {
            mark = otherCpu.mark();
        }

        @Override
        public void closed() {
            others = otherCpu.since(mark);
            ownCores = otherCpu.ownSeconds(mark) / (duration.toMillis() / 1000.0);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the report

    private void report(
            long payments,
            Duration span,
            int rounds,
            List<Drain> drains,
            double rate,
            Duration duration,
            Duration warmUp,
            List<Latency> latencies) {
        out.println();
        out.printf(
                "Throughput: drain of a backlog of %d payments (%s of event time, %d partitions), %d round%s"
                        + " per mode%n",
                payments, human(span), PARTITIONS, rounds, rounds == 1 ? "" : "s");
        out.printf(
                "%-10s %10s %10s %12s %12s %16s %12s %16s %10s   %s%n",
                "mode",
                "payments",
                "seconds*",
                "payments/s",
                "vs arrival",
                "CPU us/payment",
                "events/pass",
                "Iceberg scores",
                "other CPU",
                "payments/s per round");
        double arrivalRate = rate(drains, FeatureOrdering.ARRIVAL);
        double arrivalCpu = cpuPerPayment(drains, FeatureOrdering.ARRIVAL);
        for (FeatureOrdering mode : List.of(FeatureOrdering.ORDERED, FeatureOrdering.ARRIVAL)) {
            List<Drain> of = drains.stream().filter(d -> d.ordering() == mode).toList();
            long scored = of.stream().mapToLong(Drain::scored).sum();
            long counted = of.stream().mapToLong(Drain::counted).sum();
            double seconds = of.stream().mapToDouble(Drain::seconds).sum();
            String perRound =
                    String.join(
                            " / ",
                            of.stream()
                                    .map(d -> String.format(Locale.ROOT, "%,.0f", d.rate()))
                                    .toList());
            double others =
                    of.stream().mapToDouble(d -> d.otherCpu() * d.seconds()).sum() / seconds;
            double passes = of.stream().mapToDouble(d -> d.scored() / d.eventsPerPass()).sum();
            out.printf(
                    "%-10s %10d %10.1f %12.0f %12.2f %16.0f %12.1f %16d %10.2f   %s%n",
                    mode.name().toLowerCase(Locale.ROOT),
                    scored,
                    seconds,
                    counted / seconds,
                    rate(drains, mode) / arrivalRate,
                    cpuPerPayment(drains, mode) * 1e6,
                    scored / passes,
                    of.stream().mapToLong(Drain::icebergScores).sum(),
                    others,
                    perRound);
        }
        out.printf(
                "ordered / arrival: payments/s %.2f, CPU per payment %.2f  (seconds: scoring times of the last 90%%"
                        + " of the scores, summed over the rounds; CPU: this JVM's and its children's, broker and readers"
                        + " included)%n",
                rate(drains, FeatureOrdering.ORDERED) / arrivalRate,
                cpuPerPayment(drains, FeatureOrdering.ORDERED) / arrivalCpu);
        out.println();
        out.printf(
                "Latency at %.0f payments/s (measured %s after a %s warm-up; Kafka timestamp = event time = now)%n",
                rate, human(duration), human(warmUp));
        out.printf(
                "%-34s %9s %9s | %-30s | %-34s | %s | %s | %s%n",
                "variant",
                "payments",
                "rate/s",
                "event->score p50 / p99 / p99.9",
                "event->committed p50 / p99 / p99.9",
                "JVM CPU",
                "events/pass",
                "other CPU");
        for (Latency l : latencies) {
            out.printf(
                    "%-34s %9d %9.0f | %-30s | %-34s | %7.2f | %11.1f | %9.2f%s%n",
                    l.variant().label(),
                    l.measured(),
                    l.producedRate(),
                    ms(l.toScore()),
                    ms(l.toCommitted()),
                    l.ownCores(),
                    l.eventsPerPass(),
                    l.otherCpu(),
                    l.seen() < l.measured()
                            ? "  (" + (l.measured() - l.seen()) + " not committed)"
                            : "");
        }
        out.println(
                "(event->score: the score's scoring time minus its event time; event->committed: when a"
                        + " read_committed consumer received it; CPU in cores over the measured window; events/pass: events"
                        + " per forward pass of the model)");
    }

    /** CPU seconds per payment of one mode over all its rounds. */
    private static double cpuPerPayment(List<Drain> drains, FeatureOrdering mode) {
        return drains.stream()
                        .filter(d -> d.ordering() == mode)
                        .mapToDouble(Drain::cpuSeconds)
                        .sum()
                / drains.stream()
                        .filter(d -> d.ordering() == mode)
                        .mapToLong(Drain::cpuPayments)
                        .sum();
    }

    /** Payments per second of one mode over all its rounds. */
    private static double rate(List<Drain> drains, FeatureOrdering mode) {
        return drains.stream().filter(d -> d.ordering() == mode).mapToLong(Drain::counted).sum()
                / drains.stream()
                        .filter(d -> d.ordering() == mode)
                        .mapToDouble(Drain::seconds)
                        .sum();
    }

    private static String ms(long[] p) {
        return String.format(Locale.ROOT, "%,d / %,d / %,d ms", p[0], p[1], p[2]);
    }

    // ---------------------------------------------------------------------------------------------
    // runs

    /** Settings of one run: its own topics, group, transactional ids and warehouse. */
    private PipelineConfig config(
            String run, String bootstrap, String transactionsTopic, Variant variant) {
        Map<String, String> settings = new LinkedHashMap<>(overrides);
        settings.putAll(
                BenchSupport.runSettings(
                        run,
                        bootstrap,
                        transactionsTopic,
                        dir.resolve("warehouses"),
                        modelDir,
                        checkpointInterval,
                        PARALLELISM));
        settings.put(WeirOptions.FEATURE_ORDERING.key(), variant.ordering().name());
        settings.put(
                WeirOptions.OUT_OF_ORDERNESS.key(), variant.outOfOrderness().toMillis() + "ms");
        return PipelineConfig.from(settings);
    }

    /** Builds the production topology on a fresh local Flink and waits for its tasks. */
    private BenchJob start(String run, PipelineConfig config, Variant variant) throws Exception {
        kafka.createTopics(PARTITIONS, BenchSupport.runTopics(run).values().toArray(String[]::new));
        PipelineJob.checkModel(config);
        var catalogLoader = Catalogs.loader(config);
        Catalogs.ensureTables(catalogLoader.loadCatalog(), config);
        int port = FreePorts.next();
        Configuration flink =
                LocalFlink.configuration(port, PARALLELISM, dir.resolve("checkpoints"));
        // As in the demo: each entity stage is a shuffle, and buffers are flushed every 10 ms.
        flink.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(10));
        flink.set(
                RestartStrategyOptions.RESTART_STRATEGY,
                RestartStrategyOptions.RestartStrategyType.NO_RESTART_STRATEGY.getMainValue());
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
        PipelineWorkflow.define(
                env,
                config,
                PipelineSources.kafka(config, false),
                new KafkaIcebergSinks(config, catalogLoader));
        LocalJob job = new LocalJob(env.executeAsync(PipelineJob.JOB_NAME), variant.label());
        // Every task runs (models loaded) before anything is measured, so start-up is not.
        try {
            LocalFlink.rest(port)
                    .awaitAllTasksRunning(job.client().getJobID().toString(), TASKS_START_TIMEOUT);
        } catch (RuntimeException notStarted) {
            job.close();
            throw notStarted;
        }
        return job;
    }

    /** A run's job on the local MiniCluster, driven through its {@link JobClient}. */
    private record LocalJob(JobClient client, String label) implements BenchJob {

        @Override
        public void checkRunning() throws Exception {
            if (client.getJobStatus().get().isGloballyTerminalState()) {
                try {
                    client.getJobExecutionResult().get(1, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    throw new IllegalStateException(
                            "the pipeline (" + label + ") failed", e.getCause());
                }
                throw new IllegalStateException("the pipeline (" + label + ") ended");
            }
        }

        @Override
        public void close() throws Exception {
            if (!client.getJobStatus().get().isGloballyTerminalState()) {
                client.cancel().get(1, TimeUnit.MINUTES);
            }
            try {
                client.getJobExecutionResult().get(1, TimeUnit.MINUTES);
            } catch (ExecutionException e) {
                // Cancelled, as asked.
            }
        }
    }
}
