package dev.weir.cli.bench;

import static dev.weir.cli.Folders.deleteRecursively;
import static dev.weir.cli.bench.BenchSupport.human;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir bench soak}: the pipeline for a long while at a fixed share of its maximum rate on
 * the standalone cluster processes, with the TaskManager's heap after each garbage collection, the
 * processes' resident memory, the checkpoints' duration and size and the decisions' lag sampled
 * over time.
 *
 * <ol>
 *   <li>Calibration (unless {@code --rate} is given): the job drains a backlog already in the
 *       topic; half its drain rate (by default) is the rate of the run.
 *   <li>The soak: live payments at that rate on the same job, labels for the good ones a little
 *       later (as the label join sees them in production), sampled every {@code --sample-every}.
 * </ol>
 *
 * A harness, not a test: it measures and prints.
 */
public final class SoakBenchmark {

    private static final int PARALLELISM = 2;
    private static final double FRAUD_SHARE = 0.02;
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration TAIL_TIMEOUT = Duration.ofMinutes(2);
    private static final double MB = 1024.0 * 1024.0;

    /** {@code weir bench soak}'s options; a run with them. */
    @Command(
            name = "soak",
            description = {
                "The pipeline for a long while at half its maximum rate, on the standalone cluster.",
                "On the processes of `weir cluster start`: TaskManager heap after GC, resident"
                        + " memory, checkpoint duration and size and the decisions' lag over time."
                        + " Needs WEIR_TOKEN_KEY."
            })
    public static final class Cli extends WeirCommand {

        @Mixin BenchLoad load;

        @Option(
                names = "--backend",
                paramLabel = "NAME",
                defaultValue = "hashmap",
                description = "State backend: hashmap or rocksdb.%nDefault: ${DEFAULT-VALUE}.")
        String backend;

        @Option(
                names = "--duration",
                paramLabel = "DURATION",
                defaultValue = "10m",
                description = "Measured part of the run.%nDefault: ${DEFAULT-VALUE}.")
        Duration duration;

        @Option(
                names = "--warm-up",
                paramLabel = "DURATION",
                defaultValue = "3m",
                description =
                        "Unmeasured start of the live traffic: the JVM compiles, and the"
                                + " calibration's scores leave the label join.%nDefault:"
                                + " ${DEFAULT-VALUE}.")
        Duration warmUp;

        @Option(
                names = "--share",
                paramLabel = "F",
                defaultValue = "0.5",
                description =
                        "The run's rate as a share of the calibration drain's rate.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        double share;

        @Option(
                names = "--rate",
                paramLabel = "N",
                defaultValue = "0",
                description =
                        "Payments per second, instead of a calibration drain.%nDefault: --share of"
                                + " the drain rate.")
        double rate;

        @Option(
                names = "--calibration",
                paramLabel = "N",
                defaultValue = "100000",
                description = "Payments in the calibration backlog.%nDefault: ${DEFAULT-VALUE}.")
        long calibration;

        @Option(
                names = "--label-delay",
                paramLabel = "DURATION",
                defaultValue = "30s",
                description =
                        "When a good payment's label follows it; the label join holds a score"
                                + " until then.%nDefault: ${DEFAULT-VALUE}.")
        Duration labelDelay;

        @Option(
                names = "--sample-every",
                paramLabel = "DURATION",
                defaultValue = "30s",
                description = "Interval of the samples.%nDefault: ${DEFAULT-VALUE}.")
        Duration sampleEvery;

        @Option(
                names = "--with-serve",
                description =
                        "Also run weir serve on the pipeline's topics: concurrent clients read"
                                + " decisions and account features during the measured window,"
                                + " and the freshness of both is followed.")
        boolean withServe;

        @Option(
                names = "--serve-clients",
                paramLabel = "N",
                defaultValue = "4",
                description =
                        "Concurrent clients of weir serve (with --with-serve).%nDefault:"
                                + " ${DEFAULT-VALUE}.")
        int serveClients;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = Folders.HOME + "/bench-soak",
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
            if (!List.of("hashmap", "rocksdb").contains(backend)) {
                throw usage("--backend takes hashmap or rocksdb, not '" + backend + "'");
            }
            within("--rate", rate, 0, 100_000);
            within("--share", share, 0.01, 1);
            atLeast("--calibration", calibration, 1_000);
            within("--serve-clients", serveClients, 1, 64);
            if (sampleEvery.toSeconds() < 1 || sampleEvery.compareTo(duration) > 0) {
                throw usage("--sample-every must be at least 1s and at most --duration");
            }
            load.check(dir);
            new SoakBenchmark(this, out).run();
        }
    }

    /** One sample; memory in bytes, times in ms from the start of the live traffic. */
    record Sample(
            long atMillis,
            long sent,
            long measuredSent,
            long decided,
            long taskManagerRss,
            long jobManagerRss,
            long checkpoints,
            long failedCheckpoints,
            long checkpointMillis,
            long checkpointedBytes,
            long stateBytes) {}

    private final Cli options;
    private final PrintStream out;
    private final Path dir;
    private final BenchCluster cluster;

    private SoakBenchmark(Cli options, PrintStream out) throws IOException {
        this.options = options;
        this.out = out;
        this.dir = options.dir.toAbsolutePath();
        this.cluster =
                new BenchCluster(
                        new LocalCluster.Layout(
                                dir.resolve("cluster"), FreePorts.next(), FreePorts.next()),
                        options.flinkConf.toAbsolutePath(),
                        ClusterCommands.jobJar(null),
                        dir.resolve("checkpoints"),
                        PARALLELISM);
    }

    private void run() throws Exception {
        Path given = options.load.model == null ? null : options.load.model.toAbsolutePath();
        if (given != null) {
            // A model trained on other features stops the run before anything starts.
            PipelineJob.checkModel(PipelineConfig.from(settings("check", "check", given)));
        }
        Path modelDir =
                BenchSupport.prepareRun(
                        dir, given, options.load.seed, options.load.accounts, FRAUD_SHARE, out);
        try {
            cluster.start(options.backend);
            soak(modelDir);
        } finally {
            cluster.stop();
            // The cluster's logs stay (a failed run is explained there); data goes.
            deleteRecursively(cluster.layout().dir().resolve("kafka"));
            for (String name : new String[] {"warehouses", "checkpoints"}) {
                deleteRecursively(dir.resolve(name));
            }
            out.println("cluster logs in " + cluster.layout().logs());
        }
    }

    private void soak(Path modelDir) throws Exception {
        String run = "soak";
        String topic = "transactions-soak";
        KafkaClients.createTopics(cluster.bootstrap(), BenchCluster.PARTITIONS, topic);
        Map<String, String> settings = settings(run, topic, modelDir);
        PipelineConfig config = PipelineConfig.from(settings);
        out.printf(
                "Soak: the pipeline on %s state, parallelism %d, checkpoints every %s, %d accounts,"
                        + " labels %s after each good payment; standalone cluster, %d cores%n",
                options.backend,
                PARALLELISM,
                human(options.load.checkpointInterval),
                options.load.accounts,
                human(options.labelDelay),
                Runtime.getRuntime().availableProcessors());
        long calibrationEnd = System.currentTimeMillis() - 120_000;
        long calibrationStart = calibrationEnd - Duration.ofHours(1).toMillis();
        long last = 0;
        if (options.rate <= 0) {
            last =
                    BenchSupport.produceBacklog(
                            cluster.bootstrap(),
                            topic,
                            BenchCluster.PARTITIONS,
                            options.calibration,
                            calibrationStart,
                            (double) (calibrationEnd - calibrationStart) / options.calibration,
                            options.load.seed,
                            options.load.accounts,
                            FRAUD_SHARE);
        }
        // The server starts with the job (which creates the entity-features topic), so the
        // calibration's maximum is measured with it running too.
        try (BenchCluster.ClusterJob job =
                        cluster.submit(options.backend, options.backend, run, settings);
                ServeReads reads =
                        options.withServe
                                ? ServeReads.start(dir, cluster.bootstrap(), config)
                                : null) {
            double rate = options.rate;
            if (rate <= 0) {
                double drained = calibrate(job, config, calibrationStart, last);
                rate = Math.floor(drained * options.share);
                out.printf(
                        "Calibration: %,d payments drained at %,.0f payments/s; the soak runs at %.0f%%:"
                                + " %,.0f payments/s%n",
                        options.calibration, drained, options.share * 100, rate);
            }
            live(job, config, rate, reads);
        }
    }

    /** Drains the calibration backlog; returns its rate. */
    private double calibrate(BenchJob job, PipelineConfig config, long first, long last)
            throws Exception {
        try (ScoreWatcher watcher =
                ScoreWatcher.scores(
                        cluster.bootstrap(), config.scoresTopic(), options.calibration)) {
            watcher.window(first, last + 1);
            watcher.start();
            BacklogDrain.await(watcher::seen, options.calibration, DRAIN_TIMEOUT, job, () -> {});
            if (watcher.seen() < options.calibration) {
                throw new IllegalStateException(
                        "the calibration backlog was not drained within "
                                + human(DRAIN_TIMEOUT)
                                + ": "
                                + watcher.seen()
                                + " of "
                                + options.calibration);
            }
            return BacklogDrain.rate(watcher.scoringTimes()).perSecond();
        }
    }

    private void live(
            BenchCluster.ClusterJob job, PipelineConfig config, double rate, ServeReads reads)
            throws Exception {
        long expected = (long) (rate * options.duration.toSeconds() * 1.1) + 16;
        AtomicLong sent = new AtomicLong();
        AtomicLong measuredSent = new AtomicLong();
        List<Sample> samples = new ArrayList<>();
        Path jfr = dir.resolve("soak-taskmanager.jfr");
        BenchCluster.Recording recording = cluster.new Recording(jfr, "default");
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        long start;
        LiveTraffic.Sent done;
        try (ScoreWatcher decisions =
                        ScoreWatcher.scores(
                                cluster.bootstrap(), config.decisionsTopic(), expected);
                SyntheticProducer producer =
                        new SyntheticProducer(
                                        cluster.bootstrap(),
                                        config.transactionsTopic(),
                                        options.load.seed,
                                        options.load.seed + 2,
                                        options.load.accounts,
                                        FRAUD_SHARE,
                                        0)
                                .withLabels(config.labelsTopic(), options.labelDelay.toMillis())) {
            LiveTraffic traffic =
                    new LiveTraffic(rate, options.warmUp, options.duration, TAIL_TIMEOUT);
            decisions.window(traffic.measureFrom(), traffic.measureTo());
            decisions.start();
            if (reads != null) {
                // One payment every two seconds is followed until readable.
                reads.startReaders(
                        options.serveClients,
                        traffic.measureFrom(),
                        traffic.measureTo(),
                        (int) Math.max(1, rate * 2));
            }
            recording.start();
            start = System.currentTimeMillis();
            sampler.scheduleAtFixedRate(
                    () -> sample(samples, start, sent, measuredSent, decisions, job),
                    0,
                    options.sampleEvery.toMillis(),
                    TimeUnit.MILLISECONDS);
            done =
                    traffic.send(
                            now -> {
                                var payment = producer.sendOne(now);
                                if (reads != null && payment != null) {
                                    reads.sent(payment.transaction());
                                }
                                sent.incrementAndGet();
                                if (now >= traffic.measureFrom() && now < traffic.measureTo()) {
                                    measuredSent.incrementAndGet();
                                }
                            },
                            decisions::seen,
                            job,
                            LiveTraffic.WindowListener.NONE);
            sampler.shutdown();
            sampler.awaitTermination(1, TimeUnit.MINUTES);
            job.checkRunning();
            out.printf(
                    "Sent %,d payments at %.0f/s; %,d in the measured %s, %,d of them decided;"
                            + " event -> decision received p50/p99/p99.9 %s%n",
                    done.total(),
                    done.rate(),
                    done.measured(),
                    human(options.duration),
                    decisions.seen(),
                    ms(decisions.toCommitted()));
            if (reads != null) {
                reads.report(out, options.duration, options.serveClients);
            }
        } finally {
            sampler.shutdownNow();
        }
        report(samples, heapAfterGc(recording.stop(), start));
    }

    private void sample(
            List<Sample> samples,
            long start,
            AtomicLong sent,
            AtomicLong measuredSent,
            ScoreWatcher decisions,
            BenchCluster.ClusterJob job) {
        try {
            JsonNode checkpoints = cluster.rest().get("/jobs/" + job.id() + "/checkpoints");
            JsonNode latest = checkpoints.path("latest").path("completed");
            Sample sample =
                    new Sample(
                            System.currentTimeMillis() - start,
                            sent.get(),
                            measuredSent.get(),
                            decisions.seen(),
                            cluster.residentBytes(LocalCluster.Role.TASKMANAGER),
                            cluster.residentBytes(LocalCluster.Role.JOBMANAGER),
                            checkpoints.path("counts").path("completed").asLong(),
                            checkpoints.path("counts").path("failed").asLong(),
                            latest.path("end_to_end_duration").asLong(-1),
                            latest.path("checkpointed_size").asLong(-1),
                            latest.path("state_size").asLong(-1));
            synchronized (samples) {
                samples.add(sample);
            }
        } catch (IOException | RuntimeException e) {
            out.println("    sample failed: " + e.getMessage());
        }
    }

    /**
     * The TaskManager's heap after each garbage collection (JFR's {@code jdk.GCHeapSummary}), as
     * {ms from the start, bytes}: what stays live, without the garbage a sample of the heap also
     * counts.
     */
    private static List<long[]> heapAfterGc(Path jfr, long start) throws IOException {
        List<long[]> heap = new ArrayList<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(jfr)) {
            if (event.getEventType().getName().equals("jdk.GCHeapSummary")
                    && "After GC".equals(event.getString("when"))) {
                heap.add(
                        new long[] {
                            event.getStartTime().toEpochMilli() - start, event.getLong("heapUsed")
                        });
            }
        }
        heap.sort((a, b) -> Long.compare(a[0], b[0]));
        return heap;
    }

    private void report(List<Sample> samples, List<long[]> heapAfterGc) {
        out.println();
        out.printf(
                "%8s %10s %10s %8s %16s %9s %9s %8s %9s %12s %9s%n",
                "minute",
                "sent",
                "decided",
                "lag",
                "TM heap/GC MB",
                "TM RSS MB",
                "JM RSS MB",
                "ckpts",
                "ckpt ms",
                "ckpt size MB",
                "state MB");
        long warmUp = options.warmUp.toMillis();
        long previous = Long.MIN_VALUE;
        List<Sample> measured = new ArrayList<>();
        for (Sample s : samples) {
            long[] heap = heapRange(heapAfterGc, previous, s.atMillis());
            previous = s.atMillis();
            out.printf(
                    Locale.ROOT,
                    "%8.1f %,10d %,10d %,8d %16s %,9.0f %,9.0f %8s %,9d %,12.1f %,9.1f%s%n",
                    s.atMillis() / 60_000.0,
                    s.sent(),
                    s.decided(),
                    // Payments of the measured window sent but not yet decided (the watcher
                    // counts only those).
                    s.measuredSent() - s.decided(),
                    heap == null
                            ? "-"
                            : String.format(Locale.ROOT, "%,.0f-%,.0f", heap[0] / MB, heap[1] / MB),
                    s.taskManagerRss() / MB,
                    s.jobManagerRss() / MB,
                    s.checkpoints()
                            + (s.failedCheckpoints() > 0 ? "/" + s.failedCheckpoints() + "!" : ""),
                    s.checkpointMillis(),
                    s.checkpointedBytes() / MB,
                    s.stateBytes() / MB,
                    s.atMillis() < warmUp ? "  (warm-up)" : "");
            if (s.atMillis() >= warmUp) {
                measured.add(s);
            }
        }
        out.println(
                "(TM heap/GC: the least and the most the TaskManager's heap held after a garbage"
                        + " collection since the sample before; ckpts: completed, /failed! since the"
                        + " job started; ckpt ms and size: the last completed checkpoint's duration"
                        + " and bytes written; state: its full size)");
        if (measured.size() < 2) {
            out.println("Too few samples after the warm-up for a trend.");
            return;
        }
        Sample first = measured.get(0);
        Sample last = measured.get(measured.size() - 1);
        double minutes = (last.atMillis() - first.atMillis()) / 60_000.0;
        long[] heapFirst = heapRange(heapAfterGc, first.atMillis() - 60_000, first.atMillis());
        long[] heapLast = heapRange(heapAfterGc, last.atMillis() - 60_000, last.atMillis());
        out.println();
        out.printf(
                Locale.ROOT,
                "Over the %.1f measured minutes (first sample after the warm-up to the last):%n",
                minutes);
        out.printf(
                Locale.ROOT,
                "    TaskManager RSS %,.0f -> %,.0f MB; JobManager RSS %,.0f -> %,.0f MB%n",
                first.taskManagerRss() / MB,
                last.taskManagerRss() / MB,
                first.jobManagerRss() / MB,
                last.jobManagerRss() / MB);
        if (heapFirst != null && heapLast != null) {
            out.printf(
                    Locale.ROOT,
                    "    TaskManager heap after GC, least in the minute before the first and before"
                            + " the last sample: %,.0f -> %,.0f MB%n",
                    heapFirst[0] / MB,
                    heapLast[0] / MB);
        }
        out.printf(
                Locale.ROOT,
                "    checkpoint %,d -> %,d ms, %,.1f -> %,.1f MB written; state %,.1f -> %,.1f MB:"
                        + " %,.0f bytes more per payment decided%n",
                first.checkpointMillis(),
                last.checkpointMillis(),
                first.checkpointedBytes() / MB,
                last.checkpointedBytes() / MB,
                first.stateBytes() / MB,
                last.stateBytes() / MB,
                (double) (last.stateBytes() - first.stateBytes())
                        / Math.max(1, last.decided() - first.decided()));
        out.printf(
                "    checkpoints completed in these minutes: %d, failed: %d; decisions behind the"
                        + " payments sent at the end: %,d%n",
                last.checkpoints() - first.checkpoints(),
                last.failedCheckpoints() - first.failedCheckpoints(),
                last.measuredSent() - last.decided());
    }

    /**
     * The least and the most heap after a garbage collection in (from, to], or null when none ran
     * then.
     */
    private static long[] heapRange(List<long[]> heap, long from, long to) {
        long[] range = null;
        for (long[] h : heap) {
            if (h[0] > from && h[0] <= to) {
                if (range == null) {
                    range = new long[] {h[1], h[1]};
                } else {
                    range[0] = Math.min(range[0], h[1]);
                    range[1] = Math.max(range[1], h[1]);
                }
            }
        }
        return range;
    }

    private Map<String, String> settings(String run, String topic, Path modelDir) {
        Map<String, String> settings =
                BenchSupport.runSettings(
                        run,
                        cluster.bootstrap(),
                        topic,
                        dir.resolve("warehouses"),
                        modelDir,
                        options.load.checkpointInterval,
                        PARALLELISM);
        // The label join waits for labels from the start of the live traffic; the calibration
        // backlog's scores get none and expire after the label delay, not after days.
        settings.put(
                WeirOptions.LABELS_SCORE_TTL.key(),
                options.labelDelay.multipliedBy(4).toMillis() + "ms");
        return settings;
    }

    private static String ms(long[] p) {
        return String.format(Locale.ROOT, "%,d / %,d / %,d ms", p[0], p[1], p[2]);
    }
}
