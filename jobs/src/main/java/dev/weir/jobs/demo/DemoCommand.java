package dev.weir.jobs.demo;

import dev.weir.jobs.PipelineJob;
import dev.weir.jobs.cli.Args;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.jobs.synthetic.SyntheticProducer;
import dev.weir.jobs.train.TrainCommand;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.iceberg.WeirTables;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * {@code weir demo}: the whole platform on one machine. An in-process Kafka broker, a model
 * (trained when missing), the synthetic producer, and the pipeline on a local Flink cluster with
 * its web dashboard; at the end a summary of what went where.
 */
public final class DemoCommand {

    public static final Set<String> OPTIONS =
            Set.of("duration", "rate", "warehouse", "bad-share", "kafka-port", "dashboard-port", "seed", "accounts", "model",
                    "shift-after", "shift-amount-scale", "shift-foreign-share");
    public static final Set<String> FLAGS = Set.of("governor");

    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(45);
    /** Ground truth arrives late: the demo labels every payment this long after it. */
    private static final Duration LABEL_DELAY = Duration.ofSeconds(5);
    private static final String LABELS_TOPIC = "weir.labels";

    private DemoCommand() {}

    public static void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(argv, OPTIONS, Set.of(), FLAGS);
        Optional<Duration> duration = args.duration("duration");
        double rate = args.doubleValue("rate", 200, 1, 100_000);
        double badShare = args.doubleValue("bad-share", 0.01, 0, 1);
        long seed = args.longValue("seed", 7, Long.MIN_VALUE);
        int accounts = (int) args.longValue("accounts", 5_000, 1);
        int kafkaPort = (int) args.longValue("kafka-port", 9092, 0);
        int dashboardPort = (int) args.longValue("dashboard-port", 8081, 0);
        Path home = Path.of(".weir");
        Path warehouse = args.path("warehouse").orElse(home.resolve("warehouse")).toAbsolutePath();
        Path modelDir = args.path("model").orElse(home.resolve("model")).toAbsolutePath();
        Path runDir = home.resolve("demo").toAbsolutePath();

        boolean otherFeatures = ModelBundle.exists(modelDir)
                && !ModelBundle.readMetadata(modelDir).featureNames().equals(FeatureSets.reference().vectorNames());
        // Drift monitoring needs the profile of a current release (sketches, categorical inputs).
        boolean oldProfile = ModelBundle.exists(modelDir) && !otherFeatures
                && (ModelBundle.loadProfile(modelDir) == null || ModelBundle.loadProfile(modelDir).inputs().isEmpty());
        if (!ModelBundle.exists(modelDir) || otherFeatures || oldProfile) {
            out.println((otherFeatures ? "The model in " + modelDir + " was trained on other features"
                    : oldProfile ? "The model in " + modelDir + " has no reference profile for drift monitoring"
                    : "No model in " + modelDir) + ": training one on synthetic data...");
            ModelMetadata m =
                    TrainCommand.train(modelDir, FeatureSets.reference(), TrainCommand.DEFAULT_NAME, "1", seed, 100_000, accounts,
                            rate, 0.02, TrainerConfig.defaults());
            out.printf("  trained %s v%s: hold-out AUC %.3f%n", m.name(), m.version(), m.holdoutAuc());
        }

        deleteRecursively(runDir);
        Files.createDirectories(runDir);
        out.println("Starting Kafka (KRaft, in-process)...");
        EmbeddedKafka kafka;
        try {
            kafka = EmbeddedKafka.start(runDir.resolve("kafka"), kafkaPort);
        } catch (RuntimeException e) {
            if (kafkaPort == 0) {
                throw e;
            }
            out.println("  port " + kafkaPort + " is not available, using a free port");
            deleteRecursively(runDir.resolve("kafka"));
            kafka = EmbeddedKafka.start(runDir.resolve("kafka"), 0);
        }
        try (EmbeddedKafka broker = kafka) {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put(WeirOptions.KAFKA_BOOTSTRAP.key(), broker.bootstrapServers());
            settings.put(WeirOptions.WAREHOUSE.key(), warehouse.toString());
            boolean governed = args.flag("governor");
            Path registry = runDir.resolve("registry");
            if (governed) {
                // The governor acts through a registry: the demo's model becomes its v1 champion.
                dev.weir.models.registry.ModelRegistry models = new dev.weir.models.registry.ModelRegistry(registry);
                dev.weir.models.registry.ModelPointer v1 = models.register(ModelBundle.load(modelDir), null);
                models.promote(v1.name(), v1.version());
                settings.put(WeirOptions.MODEL_REGISTRY.key(), registry.toString());
                settings.put(WeirOptions.MODEL_NAME.key(), v1.name());
            } else {
                settings.put(WeirOptions.MODEL_DIR.key(), modelDir.toString());
            }
            settings.put(WeirOptions.CHECKPOINT_INTERVAL.key(), "2s");
            settings.put(WeirOptions.PARALLELISM.key(), "2");
            settings.put(WeirOptions.TRANSACTIONAL_ID_PREFIX.key(), "weir-demo");
            PipelineConfig config = PipelineConfig.from(settings);
            broker.createTopics(2, config.transactionsTopic(), config.scoresTopic(), config.decisionsTopic(),
                    config.dlqTopic(), "weir.labels", "weir.monitoring", "weir.model-control");
            out.println("  Kafka on " + broker.bootstrapServers() + " with topics " + config.transactionsTopic()
                    + ", " + config.decisionsTopic() + ", " + config.scoresTopic() + ", " + config.dlqTopic());

            Configuration flink = new Configuration();
            flink.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            flink.set(RestOptions.ADDRESS, "127.0.0.1");
            flink.set(RestOptions.PORT, dashboardPort);
            flink.set(TaskManagerOptions.NUM_TASK_SLOTS, 2);
            flink.set(StateBackendOptions.STATE_BACKEND, "hashmap");
            flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, runDir.resolve("checkpoints").toUri().toString());
            flink.setString("restart-strategy.type", "fixed-delay");
            flink.setString("restart-strategy.fixed-delay.attempts", "3");
            flink.setString("restart-strategy.fixed-delay.delay", "2 s");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(flink);
            PipelineJob.build(env, config);
            Map<String, Long> rowsBefore = icebergRows(config);
            JobClient job = env.executeAsync(PipelineJob.JOB_NAME);
            out.println("Pipeline submitted as Flink job " + job.getJobID()
                    + "; dashboard: http://127.0.0.1:" + dashboardPort);
            awaitTasksRunning(dashboardPort, job, out);

            AtomicBoolean stop = new AtomicBoolean();
            Thread retrainer = null;
            if (governed) {
                retrainer = startGovernor(out, broker.bootstrapServers(), registry, runDir, stop);
            }
            StopSignals.onInterrupt(() -> {
                if (stop.getAndSet(true)) {
                    out.println("Stopping immediately.");
                    Runtime.getRuntime().halt(130);
                }
                out.println("Stop requested: finishing cleanly (Ctrl-C again to quit at once)...");
            });

            // The model's customers (population seed), paying after its training period (stream seed).
            try (SyntheticProducer producer = new SyntheticProducer(broker.bootstrapServers(),
                            config.transactionsTopic(), seed, seed + 1, accounts, 0.02, badShare)
                            .withLabels(LABELS_TOPIC, LABEL_DELAY.toMillis());
                    OutputWatcher watcher = new OutputWatcher(broker.bootstrapServers(), config.scoresTopic(),
                            config.decisionsTopic(), config.dlqTopic(), config.monitoringTopic())) {
                Optional<Duration> shiftAfter = args.duration("shift-after");
                if (shiftAfter.isPresent()) {
                    double scale = args.doubleValue("shift-amount-scale", 3, 0.001, 1000);
                    double foreign = args.doubleValue("shift-foreign-share", 0.5, 0, 1);
                    producer.withShift(System.currentTimeMillis() + shiftAfter.get().toMillis(), scale, foreign);
                    out.printf("Distributions shift after %d s: amounts x%.1f, %.0f%% of payments abroad.%n",
                            shiftAfter.get().toSeconds(), scale, foreign * 100);
                }
                watcher.start();
                Thread producing = new Thread(() -> producer.run(-1, rate, stop), "weir-demo-producer");
                producing.start();
                out.printf("Producing %.0f transactions/s%s. %s%n", rate,
                        badShare > 0 ? String.format(" (%.1f%% malformed)", badShare * 100) : "",
                        duration.map(d -> "Running for " + d.toSeconds() + " s.").orElse("Press Ctrl-C to stop."));

                long start = System.nanoTime();
                long nextProgress = start + PROGRESS_EVERY.toNanos();
                while (!stop.get()) {
                    long now = System.nanoTime();
                    if (duration.isPresent() && now - start >= duration.get().toNanos()) {
                        break;
                    }
                    if (job.getJobStatus().get().isGloballyTerminalState()) {
                        out.println("The pipeline stopped unexpectedly: " + job.getJobStatus().get());
                        break;
                    }
                    if (now >= nextProgress) {
                        progress(out, (now - start) / 1_000_000_000L, producer, watcher);
                        nextProgress += PROGRESS_EVERY.toNanos();
                    }
                    Thread.sleep(200);
                }
                stop.set(true);
                producing.join();
                double producedSeconds = (System.nanoTime() - start) / 1e9;
                out.println("Stopping: waiting for every produced record to be committed downstream...");
                long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
                while (watcher.scored.get() + watcher.deadLetters.get() < producer.counts().total()
                        && System.nanoTime() < deadline
                        && !job.getJobStatus().get().isGloballyTerminalState()) {
                    Thread.sleep(200);
                }
                if (!job.getJobStatus().get().isGloballyTerminalState()) {
                    String savepoint = job.stopWithSavepoint(false, runDir.resolve("savepoints").toUri().toString(),
                            SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
                    out.println("  pipeline stopped with savepoint " + savepoint);
                }
                Thread.sleep(500);
                summary(out, producedSeconds, producer.counts(), watcher, config, warehouse, rowsBefore);
                if (governed) {
                    dev.weir.jobs.cli.GovernorCommand.run(new String[] {"stop", "--dir", runDir.resolve("governor").toString()},
                            out);
                    retrainer.join(5_000);
                }
            }
        }
    }

    /**
     * The governor beside the pipeline: its function server and statefun runtime (JVMs of their own)
     * with a policy quick enough for a demo, and a listener that trains a challenger when asked.
     */
    private static Thread startGovernor(PrintStream out, String bootstrap, Path registry, Path runDir, AtomicBoolean stop)
            throws Exception {
        Path dir = runDir.resolve("governor");
        Files.createDirectories(dir);
        Path policy = dir.resolve("demo-policy.yaml");
        Files.writeString(policy, String.join("\n",
                "# Quick enough for a few minutes of demo: retrain after 2 drifted windows of 3.",
                "retrain: {drift_windows: 2, of_windows: 3}",
                "cooldown_windows: 3", ""));
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        dev.weir.jobs.cli.GovernorCommand.run(new String[] {"start", "--registry", registry.toString(), "--bootstrap",
                bootstrap, "--policy", policy.toString(), "--port", String.valueOf(port), "--dir", dir.toString()}, out);
        Thread listener = new Thread(() -> {
            try {
                dev.weir.jobs.cli.GovernorCommand.retrainListener(new String[] {"--bootstrap", bootstrap, "--registry",
                        registry.toString(), "--events", "20000"}, new PrintStream(
                                Files.newOutputStream(dir.resolve("logs").resolve("retrain-listener.log")), true), stop);
            } catch (Exception e) {
                out.println("retrain listener stopped: " + e.getMessage());
            }
        }, "weir-demo-retrain-listener");
        listener.setDaemon(true);
        listener.start();
        return listener;
    }

    private static void progress(PrintStream out, long seconds, SyntheticProducer producer, OutputWatcher watcher) {
        SyntheticProducer.Counts c = producer.counts();
        long[] recent = watcher.recentDecisionPercentiles();
        out.printf("[%4ds] produced %d (%d malformed) | decisions %d%s | scored %d (declined %d) | dead letters %d"
                        + " | monitoring %d%n",
                seconds, c.total(), c.bad.get(), watcher.decisions.get(),
                recent == null ? "" : String.format(" (visible p50 %d ms, p99 %d ms)", recent[0], recent[1]),
                watcher.scored.get(), watcher.declined.get(), watcher.deadLetters.get(), watcher.monitoringRecords.get());
        for (String alert; (alert = watcher.alerts.poll()) != null; ) {
            out.println((alert.startsWith("MODEL") ? "       MODEL " + alert.substring(6) : "       ALERT " + alert));
        }
    }

    private static void summary(PrintStream out, double seconds, SyntheticProducer.Counts produced,
            OutputWatcher watcher, PipelineConfig config, Path warehouse, Map<String, Long> rowsBefore) {
        out.println();
        out.println("Weir demo summary");
        out.printf("  events produced   %d in %.0f s (%d good of which %d fraud, %d malformed)%n",
                produced.total(), seconds, produced.good.get(), produced.fraud.get(), produced.bad.get());
        out.printf("  decisions         %d on %s%s%n", watcher.decisions.get(), config.decisionsTopic(),
                watcher.decisionRepeats.get() == 0 ? ""
                        : String.format(" (%d repeats dropped)", watcher.decisionRepeats.get()));
        out.printf("  scored            %d (declined %d)%n", watcher.scored.get(), watcher.declined.get());
        out.printf("  labels            %d to %s (%d s after each payment)%n", produced.labels.get(), LABELS_TOPIC,
                LABEL_DELAY.toSeconds());
        out.printf("  dead letters      %d%n", watcher.deadLetters.get());
        out.printf("  monitoring        %d records on %s, %d alerts%n", watcher.monitoringRecords.get(),
                config.monitoringTopic(), watcher.alertCount.get());
        Map<String, Long> rowsAfter = icebergRows(config);
        StringBuilder rows = new StringBuilder();
        for (Map.Entry<String, Long> table : rowsAfter.entrySet()) {
            long added = table.getValue() - rowsBefore.getOrDefault(table.getKey(), 0L);
            rows.append(rows.length() == 0 ? "" : ", ").append(table.getKey()).append(' ').append(added);
        }
        out.printf("  Iceberg rows      %s added (warehouse %s)%n", rows, warehouse);
        out.printf("  throughput        %.0f events/s scored%n", watcher.scored.get() / Math.max(1e-9, seconds));
        long[] p = watcher.percentiles();
        long[] d = watcher.decisionPercentiles();
        if (p != null) {
            out.printf("  latency           event->score p50 %d ms, p99 %d ms%s%n", p[0], p[1],
                    d == null ? "" : String.format("; event->decision visible p50 %d ms, p99 %d ms", d[0], d[1]));
            out.printf("                    event->committed in Kafka p50 %d ms, p99 %d ms%n", p[2], p[3]);
        }
        long missing = produced.total() - watcher.scored.get() - watcher.deadLetters.get();
        if (missing != 0) {
            out.printf("  NOTE: %d produced records were not yet visible downstream when the demo stopped%n", missing);
        }
    }

    /** Committed rows per table, from the current snapshot's summary. */
    private static Map<String, Long> icebergRows(PipelineConfig config) {
        Catalog catalog = dev.weir.jobs.pipeline.Catalogs.loader(config).loadCatalog();
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String name : new String[] {WeirTables.EVENTS, WeirTables.FEATURES, WeirTables.SCORES, WeirTables.DLQ,
                WeirTables.MONITORING}) {
            Table table = catalog.loadTable(TableIdentifier.of(config.namespace(), name));
            Snapshot snapshot = table.currentSnapshot();
            long total = snapshot == null ? 0 : Long.parseLong(snapshot.summary().getOrDefault("total-records", "0"));
            rows.put(config.namespace() + "." + name, total);
        }
        return rows;
    }

    /**
     * Waits until every task of the job runs (models loaded in open()), so that the producer
     * does not measure start-up as latency. Reads the job's status from the dashboard's REST API.
     */
    private static void awaitTasksRunning(int port, JobClient job, PrintStream out) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + port + "/jobs/" + job.getJobID());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(java.net.http.HttpRequest.newBuilder(uri).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                com.fasterxml.jackson.databind.JsonNode vertices = json.readTree(body).path("vertices");
                boolean allRunning = vertices.size() > 0;
                for (com.fasterxml.jackson.databind.JsonNode vertex : vertices) {
                    allRunning &= vertex.path("status").asText().equals("RUNNING");
                }
                if (allRunning) {
                    return;
                }
            } catch (java.io.IOException e) {
                // The REST endpoint is still starting.
            }
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                throw new IllegalStateException("the pipeline ended while starting: " + job.getJobStatus().get());
            }
            Thread.sleep(250);
        }
        out.println("  (the pipeline's tasks are still starting; producing anyway)");
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
