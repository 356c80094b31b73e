package dev.weir.cli;

import dev.weir.cli.cluster.PidFile;
import dev.weir.cli.promote.PromotionsTable;
import dev.weir.cli.train.TrainCommand;
import dev.weir.gates.Evidence;
import dev.weir.gates.GateCheck;
import dev.weir.gates.GateReport;
import dev.weir.gates.Gates;
import dev.weir.gates.Promotion;
import dev.weir.gates.Stage;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.models.Storage;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir governor start|stop|retrain-listener}: the governor's function server and its
 * statefun runtime, each in a JVM of its own from the governor modules' own class paths (statefun
 * 3.3 on Flink 1.16, never on this command's class path); and the listener that turns retraining
 * requests into a trained, registered challenger.
 */
@Command(
        name = "governor",
        description = {
            "The governor and its retraining listener.",
            "The governor reads the monitoring records and promotes, rolls back or "
                    + "asks for retraining by policy (a statefun function server and runtime, "
                    + "each in a JVM of its own); the listener trains a challenger when "
                    + "asked."
        },
        subcommands = {
            GovernorCommand.Start.class,
            GovernorCommand.Stop.class,
            GovernorCommand.RetrainListener.class
        })
public final class GovernorCommand {

    private static final String DEFAULT_DIR = Folders.HOME + "/governor";

    /** The governor's own words for the fix (its function server refuses the same gates). */
    static final String GOVERNOR_FIX =
            "start the governor again (weir models promote --to live --gates FILE judges batch"
                    + " scores by hand)";

    /** Who the retrain listener's promotions are recorded as made by. */
    static final String LISTENER = "retrain-listener";

    private GovernorCommand() {}

    /**
     * Waits for {@code REQUEST_RETRAIN} commands until {@code stop} is set, as {@code weir governor
     * retrain-listener ARGS} does.
     */
    public static void retrainListener(String[] argv, PrintStream out, AtomicBoolean stop)
            throws Exception {
        Weir.parse(new RetrainListener(), out, argv).listen(stop);
    }

    @Command(
            name = "start",
            description = "Starts the governor's function server and statefun runtime.")
    public static final class Start extends WeirCommand {
        @Option(
                names = "--registry",
                paramLabel = "DIR",
                defaultValue = Folders.REGISTRY,
                description =
                        "Model registry the governor reads (it never writes it): a local path or"
                                + " a URI such as s3://bucket/registry.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        String registry;

        @Option(
                names = "--bootstrap",
                paramLabel = "HOST:PORT",
                defaultValue = Weir.LOCAL_KAFKA,
                description =
                        "Kafka with weir.monitoring and weir.model-control.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        String bootstrap;

        @Option(
                names = "--policy",
                paramLabel = "FILE",
                description =
                        "The governor's policy YAML (governor/README.md).%nDefault: its defaults.")
        Path policy;

        @Option(
                names = "--gates",
                paramLabel = "FILE",
                description =
                        "The promotion gates YAML its automatic promotions must pass, the file"
                                + " weir models promote --gates takes (models/README.md).%nDefault:"
                                + " the default gates.")
        Path gates;

        @Option(
                names = "--port",
                paramLabel = "PORT",
                defaultValue = "8000",
                description = "Port of the function server.%nDefault: ${DEFAULT-VALUE}.")
        int port;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = DEFAULT_DIR,
                description =
                        "Folder of the governor's logs, pids and module.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        Path dir;

        @Option(
                names = "--root",
                paramLabel = "DIR",
                defaultValue = ".",
                description =
                        "The Weir checkout whose governor modules are built.%nDefault: this"
                                + " directory.")
        Path root;

        @Override
        protected void run() throws IOException {
            if (gates != null) {
                // Before anything starts: a gate the governor cannot judge would refuse forever.
                Gates parsed;
                try {
                    parsed = Gates.load(gates);
                } catch (IllegalArgumentException e) {
                    throw usage("--gates " + e.getMessage());
                }
                try {
                    parsed.requireNoBatchScores(Stage.LIVE, "the governor", GOVERNOR_FIX);
                } catch (IllegalArgumentException e) {
                    throw usage("--gates " + gates + ": " + e.getMessage());
                }
            }
            Path checkout = root.toAbsolutePath().normalize();
            Path home = dir.toAbsolutePath();
            String registryRoot = Storage.location(Storage.path(registry));
            atLeast("--port", port, 1);
            Path functionsJar =
                    checkout.resolve("governor/target/weir-governor-0.1.0-SNAPSHOT.jar");
            Path runtimeJar =
                    checkout.resolve(
                            "governor-runtime/target/weir-governor-runtime-0.1.0-SNAPSHOT.jar");
            for (Path jar : List.of(functionsJar, runtimeJar)) {
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalArgumentException(
                            "no "
                                    + jar
                                    + ": build it with mvn -B -ntp -DskipTests package -pl"
                                    + " governor,governor-runtime -am");
                }
            }
            Files.createDirectories(home.resolve("logs"));
            Path pids = home.resolve("pids");
            if (PidFile.anyAlive(pids)) {
                throw new IllegalStateException(
                        "a governor already runs from " + home + " (weir governor stop)");
            }
            Path policyFile = policy;
            if (policyFile == null) {
                policyFile = home.resolve("policy.yaml");
                Files.writeString(
                        policyFile, "# The governor's defaults (governor/README.md).\n{}\n");
            }
            String module =
                    Files.readString(checkout.resolve("governor/src/main/resources/module.yaml"))
                            .replace("127.0.0.1:9092", bootstrap)
                            .replace(
                                    "http://127.0.0.1:8000/statefun",
                                    "http://127.0.0.1:" + port + "/statefun");
            Path moduleFile = home.resolve("module.yaml");
            Files.writeString(moduleFile, module);

            List<Long> started = new ArrayList<>();
            started.add(
                    spawn(
                            home,
                            "functions",
                            List.of("-Xmx256m"),
                            classpath(functionsJar),
                            "dev.weir.governor.GovernorServer",
                            serverArguments(
                                    String.valueOf(port),
                                    policyFile.toAbsolutePath().toString(),
                                    registryRoot,
                                    gates),
                            pluginsDefault(checkout)));
            started.add(
                    spawn(
                            home,
                            "runtime",
                            List.of(
                                    "-Xmx1g",
                                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"),
                            classpath(runtimeJar),
                            "dev.weir.governor.runtime.GovernorRuntime",
                            List.of(moduleFile.toString()),
                            Map.of()));
            PidFile.write(pids, started);
            out.println(
                    "governor: function server on http://127.0.0.1:"
                            + port
                            + "/statefun, statefun runtime on "
                            + bootstrap
                            + " (weir.monitoring -> weir.model-control); logs in "
                            + home.resolve("logs"));
        }
    }

    @Command(name = "stop", description = "Stops the governor's processes.")
    public static final class Stop extends WeirCommand {
        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = DEFAULT_DIR,
                description = "Folder the governor was started from.%nDefault: ${DEFAULT-VALUE}.")
        Path dir;

        @Override
        protected void run() throws IOException {
            int stopped = PidFile.stopAll(dir.toAbsolutePath().resolve("pids"));
            out.println("stopped " + stopped + " governor processes");
        }
    }

    /**
     * Waits for {@code REQUEST_RETRAIN} commands; for each, trains a new version (on the pipeline's
     * Iceberg tables with --from-iceberg, else on synthetic data) and registers it. The new version
     * becomes the challenger only when it passes the {@code to_test} gates: then the promotion is
     * recorded (registry, the pipeline's Iceberg promotions table with --from-iceberg, a MODEL
     * record on the monitoring topic) and running pipelines are told through the model-control
     * topic. A refused version stays in construct; the refusal, with each failing gate, is printed
     * and sent to the monitoring topic as a MODEL record.
     */
    @Command(
            name = "retrain-listener",
            description = {
                "Trains a challenger for each retraining request.",
                "Waits for the governor's requests; for each, trains and registers a new "
                        + "version, which becomes the challenger (in the registry and in running "
                        + "pipelines) when it passes the to_test gates of --gates; refused, it stays "
                        + "in construct and the refusal goes to the monitoring topic. Runs until "
                        + "stopped."
            })
    public static final class RetrainListener extends WeirCommand {
        @Option(
                names = "--bootstrap",
                paramLabel = "HOST:PORT",
                defaultValue = Weir.LOCAL_KAFKA,
                description = "Kafka bootstrap servers.%nDefault: ${DEFAULT-VALUE}.")
        String bootstrap;

        @Option(
                names = "--registry",
                paramLabel = "DIR",
                defaultValue = Folders.REGISTRY,
                description =
                        "Model registry to register in: a local path or a URI such as"
                                + " s3://bucket/registry.%nDefault: ${DEFAULT-VALUE}.")
        String registry;

        @Option(
                names = "--topic",
                paramLabel = "TOPIC",
                defaultValue = "weir.model-control",
                description = "The model-control topic.%nDefault: ${DEFAULT-VALUE}.")
        String topic;

        @Option(
                names = "--events",
                paramLabel = "N",
                defaultValue = "50000",
                description =
                        "Synthetic payments to train on (without --from-iceberg).%nDefault: "
                                + "${DEFAULT-VALUE}.")
        int events;

        @Option(
                names = "--features",
                paramLabel = "FILE",
                description =
                        "Feature set YAML of the synthetic payments (without --from-iceberg): the"
                                + " pipeline's features.definitions.%nDefault: the bundled"
                                + " reference set.")
        String features;

        @Option(
                names = "--warm-up",
                paramLabel = "DURATION",
                description =
                        "As weir train --warm-up: simulated time before the first synthetic"
                                + " training row.%nDefault: weir train's.")
        Duration warmUp;

        @Option(
                names = "--from-iceberg",
                paramLabel = "PIPELINE_CONFIG",
                description =
                        "Train on the Iceberg tables of the pipeline this YAML file configures.")
        Path fromIceberg;

        @Option(
                names = "--labels-topic",
                paramLabel = "TOPIC",
                description =
                        "With --from-iceberg, the topic of the labels.%nDefault: weir train's.")
        String labelsTopic;

        @Option(
                names = "--gates",
                paramLabel = "FILE",
                description =
                        "The promotion gates YAML, the file weir governor start --gates takes: a"
                                + " new version becomes the challenger only when it passes its"
                                + " to_test gates (models/README.md).%nDefault: the default gates.")
        Path gatesFile;

        @Option(
                names = "--monitoring-topic",
                paramLabel = "TOPIC",
                description =
                        "Where refusals and promotions go as MODEL records.%nDefault: the"
                                + " pipeline's with --from-iceberg, else weir.monitoring.")
        String monitoringTopic;

        @Override
        protected void run() throws Exception {
            listen(new AtomicBoolean());
        }

        void listen(AtomicBoolean stop) throws Exception {
            atLeast("--events", events, 1_000);
            Gates gates = gates();
            PipelineConfig pipeline =
                    fromIceberg == null ? null : ConfigLoader.load(fromIceberg, Map.of());
            String monitoring =
                    monitoringTopic != null
                            ? monitoringTopic
                            : pipeline != null
                                    ? pipeline.monitoringTopic()
                                    : WeirOptions.TOPIC_MONITORING.defaultValue();
            ModelRegistry models = new ModelRegistry(registry);
            try (KafkaConsumer<byte[], byte[]> consumer =
                    dev.weir.cli.kafka.KafkaClients.readCommittedConsumer(
                            bootstrap, "weir-retrain-listener")) {
                consumer.subscribe(List.of(topic));
                out.println("waiting for retraining requests on " + topic);
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> record :
                            consumer.poll(Duration.ofMillis(500))) {
                        ModelControl command;
                        try {
                            command = ModelControl.getDecoder().decode(record.value());
                        } catch (Exception e) {
                            continue; // not a command this listener reads
                        }
                        if (command.getCommand() == ModelCommand.REQUEST_RETRAIN) {
                            retrain(models, gates, pipeline, monitoring, command);
                        }
                    }
                }
            }
        }

        /**
         * The gates file's gates, or the defaults; refused when a to_test gate cannot be judged.
         */
        private Gates gates() {
            if (gatesFile == null) {
                return Gates.DEFAULT;
            }
            Gates gates;
            try {
                gates = Gates.load(gatesFile);
            } catch (IllegalArgumentException e) {
                throw usage("--gates " + e.getMessage());
            }
            try {
                return gates.requireNoBatchScores(
                        Stage.TEST,
                        "the retrain listener (a version it has just trained was never"
                                + " backfill-scored)",
                        "start the listener again (weir models promote --to test --gates FILE"
                                + " judges batch scores by hand)");
            } catch (IllegalArgumentException e) {
                throw usage("--gates " + gatesFile + ": " + e.getMessage());
            }
        }

        private void retrain(
                ModelRegistry models,
                Gates gates,
                PipelineConfig pipeline,
                String monitoring,
                ModelControl command)
                throws Exception {
            out.println("retraining " + command.getModelName() + " (" + command.getReason() + ")");
            List<String> train =
                    new ArrayList<>(
                            List.of(
                                    "--registry",
                                    registry,
                                    "--name",
                                    command.getModelName(),
                                    "--events",
                                    String.valueOf(events)));
            if (fromIceberg != null) {
                train.addAll(List.of("--from-iceberg", fromIceberg.toString()));
            }
            if (features != null) {
                train.addAll(List.of("--features", features));
            }
            if (warmUp != null) {
                train.addAll(List.of("--warm-up", warmUp.toMillis() + "ms"));
            }
            if (labelsTopic != null) {
                train.addAll(List.of("--labels-topic", labelsTopic));
            }
            Weir.parse(new TrainCommand(), out, train.toArray(String[]::new)).call();
            List<String> versions = models.versions(command.getModelName());
            String version = versions.get(versions.size() - 1);
            ModelPointer pointer = models.pointer(command.getModelName(), version);
            String reason = "retrained on request: " + command.getReason();
            Stage from = models.stage(pointer.name(), version);
            if (from != Stage.CONSTRUCT) {
                // The first version of a name: weir train made it the champion, with nothing to
                // compare it with.
                out.println("v" + version + " of " + pointer.name() + " is in " + from);
                return;
            }
            GateReport report =
                    gates.evaluate(
                            Stage.TEST,
                            new Evidence(ModelsCommand.metadataEvidence(pointer), null, null));
            out.printf(
                    "%s v%s: %s -> %s, %d gate(s)%n",
                    pointer.name(), version, from, Stage.TEST, report.checks().size());
            for (GateCheck c : report.checks()) {
                out.println("  " + c.describe());
            }
            Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
            if (!report.passed()) {
                out.printf(
                        "refused: %d gate(s) failed; v%s stays in construct%n",
                        report.failures().size(), version);
                ModelsCommand.publishMonitoring(
                        bootstrap,
                        monitoring,
                        ModelsCommand.refusalRecord(
                                pointer.name(),
                                version,
                                from,
                                Stage.TEST,
                                LISTENER,
                                at,
                                report,
                                reason));
                out.println("sent the refusal to " + monitoring);
                return;
            }
            Promotion promotion =
                    new Promotion(
                            pointer.name(),
                            version,
                            from,
                            Stage.TEST,
                            LISTENER,
                            at.toString(),
                            false,
                            reason,
                            report.checks());
            models.promote(promotion);
            if (pipeline != null) {
                PromotionsTable audit =
                        PromotionsTable.open(
                                Catalogs.loader(pipeline).loadCatalog(), pipeline.namespace());
                audit.append(promotion);
                out.println("recorded in " + audit.name());
            }
            ModelsCommand.publish(
                    bootstrap,
                    topic,
                    ModelControl.newBuilder()
                            .setCommand(ModelCommand.SET_CHALLENGER)
                            .setModelName(pointer.name())
                            .setVersion(pointer.version())
                            .setLocation(pointer.location())
                            .setChecksum(pointer.checksum())
                            .setIssuedAt(Instant.now())
                            .setReason(reason)
                            .build());
            ModelsCommand.publishAudit(bootstrap, monitoring, promotion);
            out.println("v" + version + " is the challenger of " + pointer.name());
        }
    }

    /** PORT POLICY REGISTRY [GATES]: the gates file, absolute, only when one is given. */
    static List<String> serverArguments(String port, String policy, String registry, Path gates) {
        List<String> args = new ArrayList<>(List.of(port, policy, registry));
        if (gates != null) {
            args.add(gates.toAbsolutePath().toString());
        }
        return args;
    }

    private static String classpath(Path jar) throws IOException {
        return jar
                + File.pathSeparator
                + Files.readString(jar.resolveSibling("runtime-classpath.txt")).trim();
    }

    /**
     * The function server's Flink plugins (the S3 file system, for a registry on {@code s3://}):
     * the weir launcher's {@code FLINK_PLUGINS_DIR}, which the process inherits with the rest of
     * the environment (credentials, {@code FLINK_CONF_DIR}), else the folder the build copies
     * beside the job jar of the checkout.
     */
    private static Map<String, String> pluginsDefault(Path checkout) {
        if (System.getenv("FLINK_PLUGINS_DIR") != null) {
            return Map.of();
        }
        return Map.of(
                "FLINK_PLUGINS_DIR", checkout.resolve("jobs/target/flink-plugins").toString());
    }

    private static long spawn(
            Path dir,
            String name,
            List<String> jvm,
            String classpath,
            String main,
            List<String> args,
            Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.addAll(List.of("-cp", classpath, main));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        return builder.redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs").resolve(name + ".log").toFile())
                .start()
                .pid();
    }
}
