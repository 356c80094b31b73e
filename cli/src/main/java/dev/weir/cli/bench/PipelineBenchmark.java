package dev.weir.cli.bench;

import static dev.weir.cli.Folders.deleteRecursively;
import static dev.weir.cli.bench.BenchSupport.human;

import dev.weir.cli.ClusterCommands;
import dev.weir.cli.Folders;
import dev.weir.cli.FreePorts;
import dev.weir.cli.WeirCommand;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.synthetic.SyntheticProducer;
import dev.weir.jobs.PipelineJob;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.operators.features.FeatureOrdering;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir bench pipeline}: the whole pipeline on the standalone cluster processes ({@code weir
 * cluster start}: a Kafka broker, a JobManager and a TaskManager with two slots, each its own JVM)
 * at parallelism 2, beside a pass-through job with the same source and exactly-once sink settings,
 * in one run over the same backlog.
 *
 * <ol>
 *   <li>Drain: each job reads a backlog already in a four-partition topic until every payment is
 *       out; the rate is taken over the last 90% of the outputs by their processing time. Each job
 *       runs twice on a TaskManager of its own, and the first drain, which warms the JVM up, is not
 *       reported.
 *   <li>Latency: the pipeline on heap state at a fixed rate (by default half its drain rate), live
 *       traffic whose Kafka timestamp is its event time is the moment of sending; after a warm-up,
 *       p50/p99/p99.9 from event time to the decision received by a consumer of the decisions topic
 *       and to the score received by a {@code read_committed} consumer of the scores topic. Once
 *       with the features in event-time order (the default, which waits for the watermark) and once
 *       in arrival order, each on a TaskManager of its own.
 *   <li>Profile: the TaskManager's CPU during each pipeline's measured drain, by async-profiler
 *       ({@link AsyncProfile}), summed by task, by kind of code, by component and by hottest frame
 *       ({@link CpuProfile}).
 * </ol>
 *
 * A harness, not a test: it measures and prints.
 */
public final class PipelineBenchmark {

    private static final int PARALLELISM = 2;
    private static final int PARTITIONS = BenchCluster.PARTITIONS;
    private static final double FRAUD_SHARE = 0.02;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration TAIL_TIMEOUT = Duration.ofMinutes(2);

    /**
     * Heap, heap with Flink's changelog (incremental checkpoints of heap state), heap with
     * compressed snapshots, and RocksDB. ForSt, Flink 2's disaggregated backend, is not among them:
     * its jar is not published on Maven Central for Flink 2.1 (only 1.20.0, 2.0.0, 2.2.0 and 2.3.0,
     * each built against its own Flink's internal state API).
     */
    private static final Set<String> BACKENDS =
            Set.of("hashmap", "hashmap-changelog", "hashmap-compressed", "rocksdb");

    private static final String PASS_THROUGH = BenchCluster.PASS_THROUGH;

    private final PrintStream out;
    private final Path dir;
    private final BenchCluster cluster;
    private final Path modelDir;
    private final Duration checkpointInterval;
    private final long seed;
    private final int accounts;
    private int runs;

    /** The CPU profiles of the pipelines' measured drains, by job. */
    private final Map<String, Path> profiles = new LinkedHashMap<>();

    private PipelineBenchmark(
            PrintStream out,
            Path dir,
            BenchCluster cluster,
            Path modelDir,
            Duration checkpointInterval,
            long seed,
            int accounts) {
        this.out = out;
        this.dir = dir;
        this.cluster = cluster;
        this.modelDir = modelDir;
        this.checkpointInterval = checkpointInterval;
        this.seed = seed;
        this.accounts = accounts;
    }

    /** {@code weir bench pipeline}'s options; a run with them. */
    @Command(
            name = "pipeline",
            description = {
                "The whole pipeline on the standalone cluster, beside a pass-through " + "job.",
                "On the processes of `weir cluster start`: drain rates on heap and "
                        + "RocksDB state as ratios of the pass-through, event-to-decision and "
                        + "event-to-committed latency at a fixed rate, and a CPU profile per "
                        + "state backend. Needs WEIR_TOKEN_KEY."
            })
    public static final class Cli extends WeirCommand {

        @Mixin BenchLoad load;

        @Option(
                names = "--payments",
                paramLabel = "N",
                defaultValue = "300000",
                description = "Payments in the backlog.%nDefault: ${DEFAULT-VALUE}.")
        long payments;

        @Option(
                names = "--span",
                paramLabel = "DURATION",
                defaultValue = "4h",
                description = "Event time the backlog covers.%nDefault: ${DEFAULT-VALUE}.")
        Duration span;

        @Option(
                names = "--backends",
                paramLabel = "NAMES",
                split = ",",
                defaultValue = "hashmap,rocksdb",
                description =
                        "State backends to drain on, hashmap among them.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        List<String> backends;

        @Option(
                names = "--latency-backends",
                paramLabel = "NAMES",
                split = ",",
                defaultValue = "hashmap",
                description =
                        "State backends of the latency runs, among --backends.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        List<String> latencyBackends;

        @Option(
                names = "--rate",
                paramLabel = "N",
                defaultValue = "0",
                description =
                        "Payments per second of the latency runs, up to 100000.%nDefault: half "
                                + "the heap drain rate.")
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
                defaultValue = "60s",
                description =
                        "Unmeasured start of each latency run, on a cluster started for it: its"
                                + " JVMs compile the job and its first checkpoints catch up"
                                + " meanwhile.%nDefault: ${DEFAULT-VALUE}.")
        Duration warmUp;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = Folders.HOME + "/bench-pipeline",
                description =
                        "The run's folder, emptied first (the cluster's logs stay).%nDefault: "
                                + "${DEFAULT-VALUE}.")
        Path dir;

        @Option(
                names = "--flink-conf",
                paramLabel = "DIR",
                defaultValue = "flink-conf",
                description =
                        "Folder of the cluster's settings (its dev environment).%nDefault: "
                                + "${DEFAULT-VALUE}.")
        Path flinkConf;

        @Override
        protected void run() throws Exception {
            atLeast("--payments", payments, 1_000);
            for (String backend : backends) {
                if (!BACKENDS.contains(backend)) {
                    throw usage("--backends takes " + BACKENDS + ", not '" + backend + "'");
                }
            }
            if (!backends.contains("hashmap")) {
                throw usage("--backends must include hashmap: the latency rate is half its drain");
            }
            for (String backend : latencyBackends) {
                if (!backends.contains(backend)) {
                    throw usage(
                            "--latency-backends takes backends of --backends, not '"
                                    + backend
                                    + "'");
                }
            }
            within("--rate", rate, 0, 100_000);
            load.check(dir);
            measure(this, out);
        }
    }

    private static void measure(Cli options, PrintStream out) throws Exception {
        long payments = options.payments;
        Duration span = options.span;
        List<String> backends = options.backends;
        double givenRate = options.rate;
        Duration duration = options.duration;
        Duration warmUp = options.warmUp;
        int accounts = options.load.accounts;
        long seed = options.load.seed;
        Duration checkpointInterval = options.load.checkpointInterval;
        Path dir = options.dir.toAbsolutePath();
        Path flinkConf = options.flinkConf.toAbsolutePath();
        Path modelDir = options.load.model == null ? null : options.load.model.toAbsolutePath();
        // Configuration mistakes (a missing WEIR_TOKEN_KEY, a model trained on other features) stop
        // the run before anything starts.
        PipelineConfig check =
                PipelineConfig.from(
                        settings(
                                "check",
                                "127.0.0.1:9092",
                                "check",
                                dir,
                                modelDir == null ? dir.resolve("model") : modelDir,
                                checkpointInterval));
        if (modelDir != null) {
            PipelineJob.checkModel(check);
        }

        modelDir = BenchSupport.prepareRun(dir, modelDir, seed, accounts, FRAUD_SHARE, out);
        ModelMetadata model = ModelBundle.readMetadata(modelDir);
        LocalCluster.Layout layout =
                new LocalCluster.Layout(dir.resolve("cluster"), FreePorts.next(), FreePorts.next());
        PipelineBenchmark bench =
                new PipelineBenchmark(
                        out,
                        dir,
                        new BenchCluster(
                                layout,
                                flinkConf,
                                ClusterCommands.jobJar(null),
                                dir.resolve("checkpoints"),
                                PARALLELISM),
                        modelDir,
                        checkpointInterval,
                        seed,
                        accounts);
        try {
            out.printf(
                    "Pipeline: Kafka -> decode, quality, governance -> features of account, merchant, device ->"
                            + " DL4J %s v%s, %d inputs -> Kafka + Iceberg, monitoring; parallelism %d, checkpoints every %s,"
                            + " %d accounts, %d cores; standalone cluster (%s)%n%n",
                    model.name(),
                    model.version(),
                    model.featureCount(),
                    PARALLELISM,
                    human(checkpointInterval),
                    accounts,
                    Runtime.getRuntime().availableProcessors(),
                    flinkConf.resolve("dev").resolve("config.yaml"));
            List<String> jobs = new ArrayList<>(List.of(PASS_THROUGH));
            jobs.addAll(backends);
            Map<String, Drain> drains = bench.drains(payments, span, jobs);
            double rate = givenRate > 0 ? givenRate : Math.floor(drains.get("hashmap").rate() / 2);
            List<Latency> latencies = new ArrayList<>();
            for (String backend : options.latencyBackends) {
                for (FeatureOrdering ordering : FeatureOrdering.values()) {
                    bench.cluster.start(backend);
                    latencies.add(bench.latency(backend, rate, duration, warmUp, ordering));
                }
            }
            bench.report(payments, span, jobs, drains, latencies, duration, warmUp);
        } finally {
            LocalCluster.stop(layout.dir());
            // The cluster's logs stay (a failed run is explained there); data goes.
            deleteRecursively(layout.dir().resolve("kafka"));
            for (String name : new String[] {"warehouses", "checkpoints"}) {
                deleteRecursively(dir.resolve(name));
            }
            out.println("cluster logs in " + layout.logs());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // drains

    /**
     * One job's drain of the backlog.
     *
     * @param cpuMicros TaskManager CPU per payment, in microseconds, from the moment all tasks ran
     *     until the last output was seen (the rate leaves out the start; this cannot: with
     *     exactly-once outputs a reader sees them only at commits)
     */
    record Drain(
            String job,
            long out,
            long counted,
            double seconds,
            double cpuMicros,
            double eventsPerPass) {
        double rate() {
            return counted / seconds;
        }
    }

    private Map<String, Drain> drains(long payments, Duration span, List<String> jobs)
            throws Exception {
        long end = System.currentTimeMillis() - 60_000;
        long first = end - span.toMillis();
        cluster.start(jobs.get(0));
        long produceStart = System.nanoTime();
        long last = backlog("bench-backlog", payments, first, (double) span.toMillis() / payments);
        out.printf(
                "Backlog: %d payments over %s of event time in %d partitions, produced in %.1f s%n",
                payments, human(span), PARTITIONS, (System.nanoTime() - produceStart) / 1e9);
        Map<String, Drain> measured = new LinkedHashMap<>();
        for (String job : jobs) {
            // A TaskManager of its own per job: the JVM keeps compiling for minutes, so a first
            // drain warms it up and is not reported; and each submission of the job jar leaves
            // classes in the TaskManager's metaspace, which runs out after a handful of them.
            if (!job.equals(jobs.get(0))) {
                cluster.start(job);
            }
            for (int round = 0; round < 2; round++) {
                // The profile is of the measured drain, the one whose rate is reported (JIT
                // compilation is still part of it: each submission loads the job's classes anew).
                Drain d =
                        drain(
                                job,
                                "bench-backlog",
                                payments,
                                first,
                                last,
                                round == 1 && !job.equals(PASS_THROUGH));
                out.printf(
                        "    %s %-12s %d out, the last 90%% in %.1f s: %,.0f payments/s, %.0f TaskManager CPU us"
                                + " per payment%s%n",
                        round == 0 ? "warm-up" : "measured",
                        job,
                        d.out(),
                        d.seconds(),
                        d.rate(),
                        d.cpuMicros(),
                        round == 0 ? " (not reported)" : "");
                if (round == 1) {
                    measured.put(job, d);
                }
            }
        }
        return measured;
    }

    /** A backlog of payments ({@link BenchSupport#produceBacklog}); returns the last event time. */
    private long backlog(String topic, long payments, long firstEventTime, double perPayment) {
        return BenchSupport.produceBacklog(
                cluster.bootstrap(),
                topic,
                PARTITIONS,
                payments,
                firstEventTime,
                perPayment,
                seed,
                accounts,
                FRAUD_SHARE);
    }

    private Drain drain(
            String job, String topic, long payments, long first, long last, boolean profile)
            throws Exception {
        String run = job + "-" + (++runs);
        Map<String, String> settings = runSettings(run, topic);
        PipelineConfig config = PipelineConfig.from(settings);
        AsyncProfile profiler =
                new AsyncProfile(cluster, dir, dir.resolve("pipeline-" + run + ".collapsed"));
        try (BenchCluster.ClusterJob submitted = cluster.submit(job, job, run, settings);
                ScoreWatcher watcher =
                        job.equals(PASS_THROUGH)
                                ? ScoreWatcher.passThrough(
                                        cluster.bootstrap(), config.scoresTopic(), payments)
                                : ScoreWatcher.scores(
                                        cluster.bootstrap(), config.scoresTopic(), payments)) {
            watcher.window(first, last + 1);
            watcher.start();
            long cpuAtStart = cluster.taskManagerCpuTicks();
            // The profile starts where the drain's rate does.
            BacklogDrain.await(
                    watcher::seen,
                    payments,
                    DRAIN_TIMEOUT,
                    submitted,
                    profile ? profiler::start : () -> {});
            long cpuTicks = cluster.taskManagerCpuTicks() - cpuAtStart;
            if (profiler.started()) {
                profiles.put(job, profiler.stop());
            }
            if (watcher.seen() < payments) {
                out.printf(
                        "    NOTE: %d of %d payments out within %s%n",
                        watcher.seen(), payments, human(DRAIN_TIMEOUT));
            }
            BacklogDrain.Rate rate = BacklogDrain.rate(watcher.scoringTimes());
            double cpuMicros = cpuTicks * 10_000.0 / Math.max(1, watcher.seen());
            return new Drain(
                    job,
                    rate.outputs(),
                    rate.counted(),
                    rate.seconds(),
                    cpuMicros,
                    watcher.eventsPerPass());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // latency

    /**
     * Latencies in ms, {p50, p99, p99.9}: to the decision a consumer receives and to the committed
     * score.
     */
    record Latency(
            String backend,
            FeatureOrdering ordering,
            double rate,
            double producedRate,
            long measured,
            long decisions,
            long scores,
            long[] toDecision,
            long[] toCommitted,
            long[] toScore,
            CheckpointPauses pauses) {}

    private Latency latency(
            String backend,
            double rate,
            Duration duration,
            Duration warmUp,
            FeatureOrdering ordering)
            throws Exception {
        out.println();
        out.printf(
                "Latency: the %s, features in %s order, at %.0f payments/s, %s warm-up then %s"
                        + " measured%n",
                label(backend), name(ordering), rate, human(warmUp), human(duration));
        String run = "live-" + (++runs);
        String topic = "transactions-" + run;
        KafkaClients.createTopics(cluster.bootstrap(), PARTITIONS, topic);
        Map<String, String> settings = runSettings(run, topic);
        settings.put(WeirOptions.FEATURE_ORDERING.key(), ordering.name().toLowerCase(Locale.ROOT));
        PipelineConfig config = PipelineConfig.from(settings);
        long expected = (long) (rate * duration.toSeconds() * 1.1) + 16;
        try (BenchCluster.ClusterJob job =
                        cluster.submit(backend, backend + " (live)", run, settings);
                ScoreWatcher decisions =
                        ScoreWatcher.scores(
                                cluster.bootstrap(), config.decisionsTopic(), expected);
                ScoreWatcher scores =
                        ScoreWatcher.scores(cluster.bootstrap(), config.scoresTopic(), expected);
                SyntheticProducer producer =
                        new SyntheticProducer(
                                cluster.bootstrap(),
                                topic,
                                seed,
                                seed + 2,
                                accounts,
                                FRAUD_SHARE,
                                0)) {
            LiveTraffic traffic = new LiveTraffic(rate, warmUp, duration, TAIL_TIMEOUT);
            decisions.window(traffic.measureFrom(), traffic.measureTo());
            scores.window(traffic.measureFrom(), traffic.measureTo());
            decisions.start();
            scores.start();
            LiveTraffic.Sent sent =
                    traffic.send(
                            producer::sendOne,
                            () -> Math.min(decisions.seen(), scores.seen()),
                            job,
                            LiveTraffic.WindowListener.NONE);
            CheckpointPauses pauses =
                    CheckpointPauses.of(
                            job.rest(), job.id(), traffic.measureFrom(), traffic.measureTo());
            Latency l =
                    new Latency(
                            backend,
                            ordering,
                            rate,
                            sent.rate(),
                            sent.measured(),
                            decisions.seen(),
                            scores.seen(),
                            decisions.toCommitted(),
                            scores.toCommitted(),
                            scores.toScore(),
                            pauses);
            out.printf(
                    "    %d measured; event->decision p50/p99/p99.9 %s; event->committed score %s%n",
                    sent.measured(), ms(l.toDecision()), ms(l.toCommitted()));
            printPauses(pauses);
            return l;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the report

    private void report(
            long payments,
            Duration span,
            List<String> jobs,
            Map<String, Drain> drains,
            List<Latency> latencies,
            Duration duration,
            Duration warmUp)
            throws IOException {
        out.println();
        out.printf(
                "Throughput: drain of %d payments (%s of event time, %d partitions), standalone cluster,"
                        + " parallelism %d%n",
                payments, human(span), PARTITIONS, PARALLELISM);
        out.printf(
                "%-24s %12s %14s %22s %12s%n",
                "job", "payments/s", "vs pass-through", "TaskManager CPU us/pay", "events/pass");
        double ceiling = drains.get(PASS_THROUGH).rate();
        for (String job : jobs) {
            Drain d = drains.get(job);
            out.printf(
                    "%-24s %,12.0f %14.2f %22.0f %12s%n",
                    label(job),
                    d.rate(),
                    d.rate() / ceiling,
                    d.cpuMicros(),
                    job.equals(PASS_THROUGH)
                            ? "-"
                            : String.format(Locale.ROOT, "%.1f", d.eventsPerPass()));
        }
        out.println(
                "(payments/s over the last 90% of the outputs by processing time; CPU: the TaskManager process"
                        + " only, from the job's start to its last output)");
        latencies.forEach(
                latency -> {
                    out.println();
                    out.printf(
                            "Latency at %.0f payments/s, features in %s order (sent %.0f/s; %s measured after %s;"
                                    + " %s)%n",
                            latency.rate(),
                            name(latency.ordering()),
                            latency.producedRate(),
                            human(duration),
                            human(warmUp),
                            label(latency.backend()));
                    out.printf(
                            "    event -> decision received (%s, at least once):  %s  (%d of %d)%n",
                            "decisions topic",
                            ms(latency.toDecision()),
                            latency.decisions(),
                            latency.measured());
                    out.printf(
                            "    event -> score committed (%s, read_committed):      %s  (%d of %d)%n",
                            "scores topic",
                            ms(latency.toCommitted()),
                            latency.scores(),
                            latency.measured());
                    out.printf(
                            "    event -> scored (the score's own scoring time):         %s%n",
                            ms(latency.toScore()));
                    out.println("    (p50 / p99 / p99.9)");
                    printPauses(latency.pauses());
                });
        for (Map.Entry<String, Path> profile : profiles.entrySet()) {
            out.println();
            CpuProfile.read(profile.getValue())
                    .print(
                            out,
                            "Profile of the TaskManager during the measured drain of the "
                                    + label(profile.getKey())
                                    + " ("
                                    + profile.getValue()
                                    + ")");
        }
    }

    private void printPauses(CheckpointPauses pauses) {
        out.printf(
                "    checkpoints triggered in the measured window: %d, the longest %,d ms; longest"
                        + " barrier alignment %,d ms (%s); longest synchronous part %,d ms (%s)%n",
                pauses.checkpoints(),
                pauses.longestMillis(),
                pauses.alignment().millis(),
                pauses.alignment().task(),
                pauses.sync().millis(),
                pauses.sync().task());
    }

    private static String label(String job) {
        return switch (job) {
            case PASS_THROUGH -> "pass-through (ceiling)";
            case "hashmap" -> "pipeline, heap state";
            case "hashmap-changelog" -> "pipeline, heap state + changelog";
            case "hashmap-compressed" -> "pipeline, heap state, compressed snapshots";
            default -> "pipeline, RocksDB";
        };
    }

    private static String name(FeatureOrdering ordering) {
        return ordering == FeatureOrdering.ORDERED ? "event-time" : "arrival";
    }

    private static String ms(long[] p) {
        return String.format(Locale.ROOT, "%,d / %,d / %,d ms", p[0], p[1], p[2]);
    }

    // ---------------------------------------------------------------------------------------------
    // jobs on the cluster

    /** Settings of one run: its own topics, group, transactional ids and warehouse. */
    private Map<String, String> runSettings(String run, String transactionsTopic) {
        return settings(
                run, cluster.bootstrap(), transactionsTopic, dir, modelDir, checkpointInterval);
    }

    private static Map<String, String> settings(
            String run,
            String bootstrap,
            String transactionsTopic,
            Path dir,
            Path modelDir,
            Duration checkpointInterval) {
        return BenchSupport.runSettings(
                run,
                bootstrap,
                transactionsTopic,
                dir.resolve("warehouses"),
                modelDir,
                checkpointInterval,
                PARALLELISM);
    }
}
