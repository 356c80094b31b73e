package dev.weir.cli.demo;

import dev.weir.cli.Folders;
import dev.weir.cli.WeirCommand;
import dev.weir.cli.cluster.LocalFlink;
import dev.weir.cli.cluster.SchemaRegistryServer;
import dev.weir.cli.synthetic.ShiftOptions;
import dev.weir.cli.synthetic.SyntheticProducer;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.PipelineJob;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.jobs.pipeline.OutputSchemas;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.TrainerConfig;
import dev.weir.models.fairness.FairnessSettings;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.operators.wire.WireFormat;
import dev.weir.schemas.Score;
import dev.weir.state.features.FeatureSet;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.RestartStrategyOptions.RestartStrategyType;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir demo}: the whole platform on one machine. An in-process Kafka broker, a schema
 * registry (Apicurio, a process of its own), a model (trained when missing), the synthetic
 * producer, and the pipeline on a local Flink cluster with its web dashboard; at the end a summary
 * of what went where.
 *
 * <p>A run is a sequence of steps, one method each: make sure of the model, start the schema
 * registry and Kafka, configure and start Flink, optionally start the governor, produce, watch,
 * drain and stop, report.
 */
public final class DemoCommand {

    private static final int PARALLELISM = 2;
    private static final double FRAUD_SHARE = 0.02;

    /** Payments the demo's model is trained on, and the history its windows start from. */
    private static final int TRAINING_EVENTS = 100_000;

    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(45);
    private static final Duration TASKS_START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration SAVEPOINT_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration REGISTRY_START_TIMEOUT = Duration.ofMinutes(2);
    private static final long POLL_MILLIS = 200;

    /** Ground truth arrives late: the demo labels every payment this long after it. */
    private static final Duration LABEL_DELAY = Duration.ofSeconds(5);

    private static final String LABELS_TOPIC = "weir.labels";

    private final DemoOptions options;
    private final PrintStream out;

    /**
     * Set by a stop request or the end of the run: the producer and the governor's listener end.
     */
    private final AtomicBoolean stop = new AtomicBoolean();

    /** When the schema registry's process was started (System.nanoTime). */
    private long registryStart;

    private DemoCommand(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** {@code weir demo}'s options; a run with them. */
    @Command(
            name = "demo",
            description = {
                "The whole platform on one machine, on embedded defaults.",
                "An in-process Kafka broker, a schema registry, a model (trained when "
                        + "missing), the synthetic producer and the pipeline on a local Flink with "
                        + "its dashboard (http://127.0.0.1:8081 by default); at the end a summary "
                        + "of what went where. Ctrl-C, or the end of --duration, stops it cleanly."
            })
    public static final class Cli extends WeirCommand {

        @Mixin ShiftOptions shift;

        @Option(
                names = "--duration",
                paramLabel = "DURATION",
                description =
                        "How long the pipeline runs on live payments.%nDefault: until Ctrl-C.")
        Duration duration;

        @Option(
                names = "--rate",
                paramLabel = "N",
                defaultValue = "200",
                description = "Payments per second, 1 to 100000.%nDefault: ${DEFAULT-VALUE}.")
        double rate;

        @Option(
                names = "--bad-share",
                paramLabel = "F",
                defaultValue = "0.01",
                description = "Share of malformed records, 0 to 1.%nDefault: ${DEFAULT-VALUE}.")
        double badShare;

        @Option(
                names = "--accounts",
                paramLabel = "N",
                defaultValue = "5000",
                description = "Customer accounts.%nDefault: ${DEFAULT-VALUE}.")
        int accounts;

        @Option(
                names = "--seed",
                paramLabel = "S",
                defaultValue = "7",
                description =
                        "Seed of the customers (and of the model trained when there is "
                                + "none).%nDefault: ${DEFAULT-VALUE}.")
        long seed;

        @Option(
                names = "--warehouse",
                paramLabel = "DIR",
                defaultValue = Folders.WAREHOUSE,
                description = "The Iceberg warehouse.%nDefault: ${DEFAULT-VALUE}.")
        Path warehouse;

        @Option(
                names = "--model",
                paramLabel = "DIR",
                defaultValue = Folders.DEMO_MODEL,
                description =
                        "The model to score with, trained there when missing or made for other "
                                + "features than the demo's.%nDefault: ${DEFAULT-VALUE}.")
        Path model;

        @Option(
                names = "--kafka-port",
                paramLabel = "PORT",
                defaultValue = "9092",
                description =
                        "Port of the in-process broker (a free one when taken, 0 for "
                                + "any).%nDefault: ${DEFAULT-VALUE}.")
        int kafkaPort;

        @Option(
                names = "--dashboard-port",
                paramLabel = "PORT",
                defaultValue = "8081",
                description = "Port of the Flink dashboard.%nDefault: ${DEFAULT-VALUE}.")
        int dashboardPort;

        @Option(
                names = "--schema-registry-port",
                paramLabel = "PORT",
                defaultValue = "" + SchemaRegistryServer.DEFAULT_PORT,
                description =
                        "Port of the schema registry (a free one when taken, 0 for any)."
                                + "%nDefault: ${DEFAULT-VALUE}.")
        int registryPort;

        @Option(
                names = "--no-schema-registry",
                description =
                        "Run without a schema registry: every topic in Avro single-object"
                                + " encoding.")
        boolean noRegistry;

        @Option(names = "--no-serve", description = "Run without the online read API (weir serve).")
        boolean noServe;

        @Option(
                names = "--cold",
                description =
                        "Start with empty feature windows instead of bootstrapping them from a"
                                + " history of the model's customers.")
        boolean cold;

        @Option(
                names = "--governor",
                description =
                        "Also run the governor and the retraining listener, the pipeline scoring"
                                + " from a registry in the run's folder.")
        boolean governor;

        /** The options, checked. */
        DemoOptions options() {
            within("--rate", rate, 1, 100_000);
            within("--bad-share", badShare, 0, 1);
            atLeast("--accounts", accounts, 1);
            atLeast("--kafka-port", kafkaPort, 0);
            atLeast("--dashboard-port", dashboardPort, 0);
            atLeast("--schema-registry-port", registryPort, 0);
            within("--shift-amount-scale", shift.amountScale(), 0.001, 1000);
            within("--shift-foreign-share", shift.foreignShare(), 0, 1);
            return new DemoOptions(
                    Optional.ofNullable(duration),
                    rate,
                    badShare,
                    seed,
                    accounts,
                    kafkaPort,
                    dashboardPort,
                    warehouse.toAbsolutePath(),
                    model.toAbsolutePath(),
                    Path.of(Folders.HOME, "demo").toAbsolutePath(),
                    governor,
                    Optional.ofNullable(shift.after())
                            .map(
                                    after ->
                                            new DemoOptions.Shift(
                                                    after,
                                                    shift.amountScale(),
                                                    shift.foreignShare())),
                    !noRegistry,
                    registryPort,
                    noServe
                            ? Optional.empty()
                            : Optional.of(Path.of(System.getProperty("weir.root", "."))),
                    !cold);
        }

        @Override
        protected void run() throws Exception {
            new DemoCommand(options(), out).run();
        }
    }

    /** The pipeline running on the local Flink, and the Iceberg tables' rows before it started. */
    private record StartedPipeline(JobClient job, Map<String, Long> rowsBefore) {}

    private void run() throws Exception {
        Folders.deleteRecursively(options.runDir());
        Files.createDirectories(options.runDir());
        Path features = options.runDir().resolve("features.yaml");
        Files.writeString(features, FeatureSets.bundledYaml(FeatureSets.DEMO));
        prepareModel();
        // The registry boots in a process of its own while Kafka starts here.
        try (SchemaRegistryServer registry = startRegistry();
                EmbeddedKafka broker = startKafka()) {
            String registryUrl = awaitRegistry(registry);
            Map<String, String> settings =
                    pipelineSettings(broker.bootstrapServers(), registryUrl, features);
            PipelineConfig config = PipelineConfig.from(settings);
            createTopics(broker, config);
            registerSchemas(config);
            try (SyntheticProducer producer = producer(broker.bootstrapServers(), config);
                    OutputWatcher watcher = new OutputWatcher(broker.bootstrapServers(), config)) {
                Production production = new Production(producer);
                try {
                    run(settings, broker, features, production, watcher);
                } finally {
                    production.stop();
                }
            }
        }
    }

    /** The producing thread, when started, and since when it produces. */
    private final class Production {
        private final SyntheticProducer producer;
        private Thread thread;
        private long startNanos;

        Production(SyntheticProducer producer) {
            this.producer = producer;
        }

        void start() {
            if (thread == null) {
                startNanos = System.nanoTime();
                thread = produce(producer);
            }
        }

        /** Ends production (the stop flag) and waits for the producer's last sends. */
        void stop() throws InterruptedException {
            stop.set(true);
            if (thread != null) {
                thread.join();
            }
        }

        double seconds() {
            return (System.nanoTime() - startNanos) / 1e9;
        }
    }

    private void run(
            Map<String, String> settings,
            EmbeddedKafka broker,
            Path features,
            Production production,
            OutputWatcher watcher)
            throws Exception {
        PipelineConfig config = PipelineConfig.from(settings);
        String warmFrom = null;
        if (options.warm()) {
            // The live payments continue the history's timeline while it is bootstrapped, as
            // Kafka continues an Iceberg history in production; the pipeline catches up.
            long historyEnd = System.currentTimeMillis();
            production.start();
            // A warehouse of the run's own: earlier runs' payments in the demo's warehouse are
            // another timeline of the same customers, which the windows must not see.
            Map<String, String> history = new LinkedHashMap<>(settings);
            history.put(
                    WeirOptions.WAREHOUSE.key(),
                    options.runDir().resolve("history-warehouse").toString());
            warmFrom =
                    DemoHistory.bootstrap(
                            out,
                            PipelineConfig.from(history),
                            options,
                            TRAINING_EVENTS,
                            FRAUD_SHARE,
                            historyEnd);
        }
        StartedPipeline pipeline = startFlink(config, warmFrom);
        DemoMaintenance maintenance = DemoMaintenance.start(config, options.runDir());
        out.println(
                "Table maintenance submitted as a Flink job of its own (compaction, snapshot"
                        + " expiry)");
        DemoGovernor governor =
                options.governor()
                        ? DemoGovernor.start(
                                out,
                                broker.bootstrapServers(),
                                options.registry(),
                                options.runDir(),
                                features,
                                FeatureSets.demo().longestWindow(),
                                stop)
                        : null;
        stopOnSignals();
        try (DemoServe serve =
                options.serveRoot().isPresent()
                        ? DemoServe.start(
                                out,
                                config,
                                options.serveRoot().get(),
                                options.runDir(),
                                System::getenv)
                        : null) {
            DemoReport report =
                    new DemoReport(
                            out, config, production.producer, watcher, pipeline.rowsBefore());
            watcher.start();
            production.start();
            shiftLater(production.producer);
            watch(pipeline.job(), report, production.producer, watcher, System.nanoTime());
            production.stop();
            double producedSeconds = production.seconds();
            drainAndStop(pipeline.job(), production.producer, watcher);
            maintenance.close();
            // The watchers' last polls: what the savepoint's commit made visible.
            watcher.awaitPollsAfterNow(Duration.ofSeconds(5));
            report.summary(
                    producedSeconds, options.warehouse(), LABELS_TOPIC, LABEL_DELAY.toSeconds());
            Score declined = watcher.lastDeclined.get();
            if (serve != null && declined != null) {
                serve.example(declined);
            }
            DemoPromotion.show(out, options, broker.bootstrapServers());
            if (governor != null) {
                governor.stop();
            }
        }
    }

    /**
     * Trains a model on synthetic data when there is none, or when the one there was trained on
     * other features than the demo's or lacks the reference profile that drift monitoring needs.
     * Its rows come after a warm-up as long as the longest window, so they see full windows as the
     * pipeline does after its history.
     */
    private void prepareModel() throws Exception {
        Path modelDir = options.modelDir();
        FeatureSet features = FeatureSets.demo();
        boolean otherFeatures =
                ModelBundle.exists(modelDir)
                        && !ModelBundle.readMetadata(modelDir)
                                .featureNames()
                                .equals(features.vectorNames());
        // Drift monitoring needs the profile of a current release (sketches, categorical inputs).
        // ... and the path to live, the fairness evaluation of current releases.
        boolean oldProfile =
                ModelBundle.exists(modelDir)
                        && !otherFeatures
                        && (ModelBundle.loadProfile(modelDir) == null
                                || ModelBundle.loadProfile(modelDir).inputs().isEmpty()
                                || ModelBundle.readMetadata(modelDir).fairness() == null);
        if (ModelBundle.exists(modelDir) && !otherFeatures && !oldProfile) {
            return;
        }
        out.println(
                (otherFeatures
                                ? "The model in " + modelDir + " was trained on other features"
                                : oldProfile
                                        ? "The model in "
                                                + modelDir
                                                + " has no reference profile for drift monitoring"
                                                + " or no fairness evaluation"
                                        : "No model in " + modelDir)
                        + ": training one on synthetic data...");
        ModelMetadata m =
                TrainCommand.train(
                        modelDir,
                        features,
                        TrainCommand.DEFAULT_NAME,
                        "1",
                        options.seed(),
                        TRAINING_EVENTS,
                        options.accounts(),
                        options.rate(),
                        FRAUD_SHARE,
                        TrainerConfig.defaults(),
                        FairnessSettings.defaults(),
                        "bundled " + FeatureSets.DEMO,
                        features.longestWindow());
        out.printf("  trained %s v%s: hold-out AUC %.3f%n", m.name(), m.version(), m.holdoutAuc());
    }

    /**
     * Starts the schema registry on the asked port, or on a free one when that is taken; null with
     * --no-schema-registry. Its schemas live in memory, for this run only.
     */
    private SchemaRegistryServer startRegistry() throws java.io.IOException {
        if (!options.schemaRegistry()) {
            return null;
        }
        out.println("Starting the schema registry (Apicurio Registry, a process of its own)...");
        int port = options.registryPort();
        if (port != 0 && !free(port)) {
            out.println("  port " + port + " is not available, using a free port");
            port = 0;
        }
        registryStart = System.nanoTime();
        return SchemaRegistryServer.start(
                SchemaRegistryServer.jar(),
                port,
                null,
                options.runDir().resolve("schema-registry.log"));
    }

    /** Waits for the registry; its Confluent API's URL, or null without one. */
    private String awaitRegistry(SchemaRegistryServer registry) throws java.io.IOException {
        if (registry == null) {
            return null;
        }
        registry.awaitReady(REGISTRY_START_TIMEOUT);
        out.printf(
                "  schema registry on %s (ready %.1f s after its start; UI"
                        + " http://127.0.0.1:%d/ui)%n",
                registry.url(), (System.nanoTime() - registryStart) / 1e9, registry.port());
        return registry.url();
    }

    /**
     * The pipeline registers its output schemas when it starts; done here first to show the
     * subjects and their ids.
     */
    private void registerSchemas(PipelineConfig config) {
        if (!config.formats().anyConfluent()) {
            return;
        }
        java.util.Map<String, Integer> ids = OutputSchemas.register(config, System::getenv);
        StringBuilder subjects = new StringBuilder();
        ids.forEach(
                (subject, id) ->
                        subjects.append(subjects.length() == 0 ? "" : ", ")
                                .append(subject)
                                .append(" (id ")
                                .append(id)
                                .append(')'));
        out.println(
                "  output schemas registered with BACKWARD compatibility: "
                        + subjects
                        + "; the producer registers "
                        + config.transactionsTopic()
                        + "-value and "
                        + LABELS_TOPIC
                        + "-value");
    }

    private static boolean free(int port) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (java.io.IOException taken) {
            return false;
        }
    }

    /** The broker on the asked port, or on a free one when that is taken. */
    private EmbeddedKafka startKafka() {
        out.println("Starting Kafka (KRaft, in-process)...");
        Path dir = options.runDir().resolve("kafka");
        try {
            return EmbeddedKafka.start(dir, options.kafkaPort());
        } catch (RuntimeException e) {
            if (options.kafkaPort() == 0) {
                throw e;
            }
            out.println("  port " + options.kafkaPort() + " is not available, using a free port");
            Folders.deleteRecursively(dir);
            return EmbeddedKafka.start(dir, 0);
        }
    }

    /**
     * The pipeline's settings: this broker and warehouse, the demo's features, and the model from
     * its folder or, with the governor, from a registry (the governor acts through one) whose v1
     * champion it becomes. With a schema registry, every topic but the monitoring records (the
     * governor reads those in single-object encoding) is in Confluent's wire format.
     */
    private Map<String, String> pipelineSettings(
            String bootstrap, String registryUrl, Path features) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(WeirOptions.KAFKA_BOOTSTRAP.key(), bootstrap);
        settings.put(WeirOptions.FEATURE_DEFINITIONS.key(), features.toString());
        if (registryUrl != null) {
            settings.put(WeirOptions.SCHEMA_REGISTRY_URL.key(), registryUrl);
            for (var format :
                    java.util.List.of(
                            WeirOptions.FORMAT_TRANSACTIONS,
                            WeirOptions.FORMAT_LABELS,
                            WeirOptions.FORMAT_SCORES,
                            WeirOptions.FORMAT_DECISIONS,
                            WeirOptions.FORMAT_DLQ)) {
                settings.put(format.key(), WireFormat.CONFLUENT.toString());
            }
        }
        settings.put(WeirOptions.WAREHOUSE.key(), options.warehouse().toString());
        if (options.governor()) {
            ModelRegistry models = new ModelRegistry(options.registry());
            ModelPointer v1 = models.register(ModelBundle.load(options.modelDir()), null);
            models.promote(v1.name(), v1.version());
            settings.put(WeirOptions.MODEL_REGISTRY.key(), options.registry().toString());
            settings.put(WeirOptions.MODEL_NAME.key(), v1.name());
        } else {
            settings.put(WeirOptions.MODEL_DIR.key(), options.modelDir().toString());
        }
        settings.put(WeirOptions.CHECKPOINT_INTERVAL.key(), "2s");
        settings.putAll(DemoMaintenance.SETTINGS);
        settings.put(WeirOptions.PARALLELISM.key(), String.valueOf(PARALLELISM));
        settings.put(WeirOptions.TRANSACTIONAL_ID_PREFIX.key(), "weir-demo");
        return settings;
    }

    private void createTopics(EmbeddedKafka broker, PipelineConfig config) {
        broker.createTopics(
                2,
                config.transactionsTopic(),
                config.scoresTopic(),
                config.decisionsTopic(),
                config.dlqTopic(),
                LABELS_TOPIC,
                "weir.monitoring",
                "weir.model-control");
        out.println(
                "  Kafka on "
                        + broker.bootstrapServers()
                        + " with topics "
                        + config.transactionsTopic()
                        + ", "
                        + config.decisionsTopic()
                        + ", "
                        + config.scoresTopic()
                        + ", "
                        + config.dlqTopic());
    }

    /**
     * The pipeline on a local Flink with its dashboard, a slot per subtask, heap state and a few
     * restarts, from {@code savepoint} unless it is null; returns once every task runs.
     */
    private StartedPipeline startFlink(PipelineConfig config, String savepoint) throws Exception {
        Configuration conf = flinkConfiguration(options.dashboardPort(), options.runDir());
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        PipelineJob.build(env, config);
        Map<String, Long> rowsBefore = DemoReport.icebergRows(config);
        JobClient job = env.executeAsync(PipelineJob.JOB_NAME);
        out.println(
                "Pipeline submitted as Flink job "
                        + job.getJobID()
                        + "; dashboard: http://127.0.0.1:"
                        + options.dashboardPort());
        awaitTasksRunning(job);
        return new StartedPipeline(job, rowsBefore);
    }

    /** The local Flink's settings: {@link LocalFlink}'s, and a few restarts two seconds apart. */
    static Configuration flinkConfiguration(int dashboardPort, Path runDir) {
        Configuration flink =
                LocalFlink.configuration(dashboardPort, PARALLELISM, runDir.resolve("checkpoints"));
        flink.set(
                RestartStrategyOptions.RESTART_STRATEGY,
                RestartStrategyType.FIXED_DELAY.getMainValue());
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        return flink;
    }

    /**
     * Waits until every task of the job runs (models loaded in open()), so that the producer does
     * not measure start-up as latency; produces anyway when that takes too long.
     */
    private void awaitTasksRunning(JobClient job) throws Exception {
        try {
            LocalFlink.rest(options.dashboardPort())
                    .awaitAllTasksRunning(job.getJobID().toString(), TASKS_START_TIMEOUT);
        } catch (IllegalStateException notRunning) {
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                throw new IllegalStateException(
                        "the pipeline ended while starting: " + job.getJobStatus().get(),
                        notRunning);
            }
            out.println("  (the pipeline's tasks are still starting; producing anyway)");
        }
    }

    /** Ctrl-C (or SIGTERM) asks for a clean stop; a second one quits at once. */
    private void stopOnSignals() {
        StopSignals.onInterrupt(
                () -> {
                    if (stop.getAndSet(true)) {
                        out.println("Stopping immediately.");
                        Runtime.getRuntime().halt(130);
                    }
                    out.println(
                            "Stop requested: finishing cleanly (Ctrl-C again to quit at once)...");
                });
    }

    /**
     * The model's customers (population seed), paying after its training period (stream seed), each
     * payment labelled {@link #LABEL_DELAY} later; with the asked distribution shift.
     */
    private SyntheticProducer producer(String bootstrap, PipelineConfig config) {
        SyntheticProducer producer =
                new SyntheticProducer(
                                bootstrap,
                                config.transactionsTopic(),
                                options.seed(),
                                options.seed() + 1,
                                options.accounts(),
                                FRAUD_SHARE,
                                options.badShare())
                        .withFormat(config.transactionsFormat())
                        .withLabels(LABELS_TOPIC, LABEL_DELAY.toMillis());
        return producer;
    }

    /** The asked distribution shift, counted from now (the run begins). */
    private void shiftLater(SyntheticProducer producer) {
        options.shift()
                .ifPresent(
                        shift -> {
                            producer.withShift(
                                    System.currentTimeMillis() + shift.after().toMillis(),
                                    shift.amountScale(),
                                    shift.foreignShare());
                            out.printf(
                                    "Distributions shift after %d s: amounts x%.1f, %.0f%% of payments abroad.%n",
                                    shift.after().toSeconds(),
                                    shift.amountScale(),
                                    shift.foreignShare() * 100);
                        });
    }

    /** Produces at the asked rate, in a thread of its own, until the stop flag is set. */
    private Thread produce(SyntheticProducer producer) {
        Thread producing =
                new Thread(() -> producer.run(-1, options.rate(), stop), "weir-demo-producer");
        producing.start();
        out.printf(
                "Producing %.0f transactions/s%s%s.%n",
                options.rate(),
                options.badShare() > 0
                        ? String.format(" (%.1f%% malformed)", options.badShare() * 100)
                        : "",
                options.warm()
                        ? " from the end of the history on; the pipeline catches up when it starts"
                        : "");
        return producing;
    }

    /**
     * Prints progress until the duration is over, a stop is asked for, or the pipeline ends; once
     * what was produced before the start is visible downstream, the latencies start again.
     */
    private void watch(
            JobClient job,
            DemoReport report,
            SyntheticProducer producer,
            OutputWatcher watcher,
            long start)
            throws Exception {
        out.println(
                options.duration()
                        .map(d -> "Running for " + d.toSeconds() + " s.")
                        .orElse("Press Ctrl-C to stop."));
        long backlog = producer.counts().total();
        boolean caughtUp = false;
        long nextProgress = start + PROGRESS_EVERY.toNanos();
        while (!stop.get()) {
            long now = System.nanoTime();
            if (!caughtUp && watcher.scored.get() + watcher.deadLetters.get() >= backlog) {
                caughtUp = true;
                watcher.measureFrom(System.currentTimeMillis());
                if (options.warm()) {
                    report.caughtUp(backlog, (now - start) / 1_000_000_000L);
                }
            }
            if (options.duration().isPresent()
                    && now - start >= options.duration().get().toNanos()) {
                return;
            }
            if (job.getJobStatus().get().isGloballyTerminalState()) {
                out.println("The pipeline stopped unexpectedly: " + job.getJobStatus().get());
                return;
            }
            if (now >= nextProgress) {
                report.progress((now - start) / 1_000_000_000L);
                nextProgress += PROGRESS_EVERY.toNanos();
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Waits until every produced record is visible downstream (scored or dead-lettered), for at
     * most {@link #DRAIN_TIMEOUT}, then stops the pipeline with a savepoint.
     */
    private void drainAndStop(JobClient job, SyntheticProducer producer, OutputWatcher watcher)
            throws Exception {
        out.println("Stopping: waiting for every produced record to be committed downstream...");
        long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
        while (watcher.scored.get() + watcher.deadLetters.get() < producer.counts().total()
                && System.nanoTime() < deadline
                && !job.getJobStatus().get().isGloballyTerminalState()) {
            Thread.sleep(POLL_MILLIS);
        }
        if (!job.getJobStatus().get().isGloballyTerminalState()) {
            String savepoint =
                    job.stopWithSavepoint(
                                    false,
                                    options.runDir().resolve("savepoints").toUri().toString(),
                                    SavepointFormatType.CANONICAL)
                            .get(SAVEPOINT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            out.println("  pipeline stopped with savepoint " + savepoint);
        }
    }
}
