package dev.weir.cli;

import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.jobs.config.ConfigLoader;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir cluster start|stop}, {@code weir submit}, {@code weir savepoint} and {@code weir
 * status}: a standalone Flink cluster and Kafka broker on this machine, and the job's life on any
 * Flink cluster through its REST API.
 */
public final class ClusterCommands {

    static final String DEFAULT_REST = "http://127.0.0.1:8081";
    static final List<String> ENVIRONMENTS = List.of("dev", "test", "live");

    /**
     * Settings of flink-conf/<env>/config.yaml that belong to a job, passed with its submission.
     */
    static final List<String> JOB_PREFIXES =
            List.of("execution.", "state.", "restart-strategy.", "pipeline.");

    private ClusterCommands() {}

    /** The values --env takes, for completion and help. */
    static final class Environments extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Environments() {
            super(ENVIRONMENTS);
        }
    }

    /** The values --job takes, for completion and help. */
    static final class Jobs extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Jobs() {
            super(List.of("pipeline", "backfill", "maintain"));
        }
    }

    @Command(
            name = "cluster",
            description = {
                "A Flink session cluster and a Kafka broker on this machine.",
                "A Flink standalone session cluster (JobManager, TaskManager with 2 "
                        + "slots) and a Kafka broker, each in a process of its own."
            },
            subcommands = {ClusterCommands.Start.class, ClusterCommands.Stop.class})
    public static final class Cluster {}

    @Command(name = "start", description = "Starts the cluster's processes; logs in DIR/logs.")
    static final class Start extends WeirCommand {
        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = Folders.HOME + "/cluster",
                description =
                        "Folder of the processes' configuration, logs, data and pids.%nDefault: "
                                + "${DEFAULT-VALUE}.")
        Path dir;

        @Option(
                names = "--env",
                paramLabel = "ENV",
                defaultValue = "dev",
                completionCandidates = Environments.class,
                description =
                        "Flink settings of flink-conf/ENV/config.yaml, ENV one of "
                                + "${COMPLETION-CANDIDATES}.%nDefault: ${DEFAULT-VALUE}.")
        String env;

        @Option(
                names = "--rest-port",
                paramLabel = "PORT",
                defaultValue = "8081",
                description =
                        "Port of the Flink REST API and dashboard.%nDefault: ${DEFAULT-VALUE}.")
        int restPort;

        @Option(
                names = "--kafka-port",
                paramLabel = "PORT",
                defaultValue = "9092",
                description = "Port of the Kafka broker.%nDefault: ${DEFAULT-VALUE}.")
        int kafkaPort;

        @Option(
                names = "--flink-conf",
                paramLabel = "DIR",
                defaultValue = "flink-conf",
                description =
                        "Folder of the environments' settings and of "
                                + "log4j-cluster.properties.%nDefault: ${DEFAULT-VALUE}.")
        Path flinkConf;

        @Override
        protected void run() throws Exception {
            checkEnvironment(this, env);
            LocalCluster.Layout layout =
                    new LocalCluster.Layout(
                            dir.toAbsolutePath(),
                            atLeast("--rest-port", restPort, 1),
                            atLeast("--kafka-port", kafkaPort, 1));
            // The Flink processes from the class path files beside the job jar, Kafka from this
            // command's.
            LocalCluster.start(
                    layout,
                    flinkConf.resolve(env).resolve("config.yaml"),
                    LocalCluster.classpathBeside(jobJar(null)),
                    LocalCluster.launcherClasspath(),
                    flinkConf.resolve("log4j-cluster.properties").toAbsolutePath());
            out.println(
                    "Flink session cluster ("
                            + env
                            + "): JobManager and TaskManager running; dashboard and REST on "
                            + layout.rest());
            out.println("Kafka (KRaft) on " + layout.bootstrap());
            out.println("logs in " + layout.logs() + "; stop with: weir cluster stop");
            if (System.getenv("WEIR_TOKEN_KEY") == null) {
                out.println(
                        "NOTE: WEIR_TOKEN_KEY is not set, so the cluster's processes do not have it: pipelines with"
                                + " the default governance policy will refuse to start. Export it and restart the cluster.");
            }
        }
    }

    @Command(name = "stop", description = "Stops the cluster's processes; their logs stay.")
    static final class Stop extends WeirCommand {
        @Option(
                names = "--dir",
                paramLabel = "DIR",
                defaultValue = Folders.HOME + "/cluster",
                description = "Folder the cluster was started from.%nDefault: ${DEFAULT-VALUE}.")
        Path dir;

        @Override
        protected void run() throws Exception {
            Path absolute = dir.toAbsolutePath();
            int stopped = LocalCluster.stop(absolute);
            out.println(
                    stopped == 0
                            ? "no cluster process was running from " + absolute
                            : "stopped "
                                    + stopped
                                    + " processes (logs in "
                                    + absolute.resolve("logs")
                                    + ")");
        }
    }

    @Command(
            name = "submit",
            description = {
                "Submits a job to a Flink cluster; prints the job id.",
                "Through the cluster's REST API, after checking the job's configuration " + "here."
            })
    public static final class Submit extends WeirCommand {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                required = true,
                description =
                        "The pipeline's settings, a YAML file readable by the cluster's processes"
                                + " at the same path.")
        Path config;

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description =
                        "A setting over the file's; repeatable, the last value of a key wins.")
        Map<String, String> settings;

        @Option(
                names = "--job",
                paramLabel = "JOB",
                defaultValue = "pipeline",
                completionCandidates = Jobs.class,
                description =
                        "The job, one of ${COMPLETION-CANDIDATES}.%nDefault: ${DEFAULT-VALUE}.")
        String job;

        @Option(
                names = "--env",
                paramLabel = "ENV",
                completionCandidates = Environments.class,
                description =
                        "Also send the job settings (execution., state., restart-strategy.,"
                                + " pipeline.) of flink-conf/ENV/config.yaml, ENV one of"
                                + " ${COMPLETION-CANDIDATES}.")
        String env;

        @Option(
                names = "--from-savepoint",
                paramLabel = "PATH",
                description = "Start from this savepoint (as `weir savepoint` printed it).")
        String fromSavepoint;

        @Option(
                names = "--parallelism",
                paramLabel = "N",
                description = "The job's parallelism.%nDefault: the cluster's.")
        Integer parallelism;

        @Option(
                names = "--rest",
                paramLabel = "URL",
                defaultValue = DEFAULT_REST,
                description = "The cluster's REST API.%nDefault: ${DEFAULT-VALUE}.")
        String rest;

        @Option(
                names = "--jar",
                paramLabel = "FILE",
                description = "The shaded job jar.%nDefault: the one this command runs from.")
        Path jar;

        @Option(
                names = "--flink-conf",
                paramLabel = "DIR",
                defaultValue = "flink-conf",
                description = "Folder of the environments' settings.%nDefault: ${DEFAULT-VALUE}.")
        Path flinkConf;

        @Override
        protected void run() throws Exception {
            String entry =
                    switch (job) {
                        case "pipeline" -> "dev.weir.jobs.PipelineJob";
                        case "backfill" -> "dev.weir.jobs.BackfillJob";
                        case "maintain" -> "dev.weir.jobs.MaintenanceJob";
                        default ->
                                throw usage(
                                        "--job is pipeline, backfill or maintain, not '"
                                                + job
                                                + "'");
                    };
            if (parallelism != null) {
                atLeast("--parallelism", parallelism, 1);
            }
            Path absolute = config.toAbsolutePath();
            Map<String, String> overrides = new LinkedHashMap<>();
            if (settings != null) {
                settings.forEach((k, v) -> overrides.put(k.trim(), v.trim()));
            }
            // Checked here, before anything reaches the cluster: the same checks the job makes at
            // start.
            ConfigLoader.load(absolute, overrides);
            List<String> programArgs = new ArrayList<>(List.of("--config", absolute.toString()));
            overrides.forEach((k, v) -> programArgs.addAll(List.of("--set", k + "=" + v)));
            Map<String, String> flinkConfiguration = new LinkedHashMap<>();
            if (env != null) {
                checkEnvironment(this, env);
                ConfigLoader.readYaml(flinkConf.resolve(env).resolve("config.yaml"))
                        .forEach(
                                (k, v) -> {
                                    if (JOB_PREFIXES.stream().anyMatch(k::startsWith)) {
                                        flinkConfiguration.put(k, v);
                                    }
                                });
            }
            FlinkRest cluster = new FlinkRest(rest);
            String jarId = cluster.uploadJar(jobJar(jar));
            String id =
                    cluster.run(
                            jarId,
                            entry,
                            programArgs,
                            parallelism == null ? -1 : parallelism,
                            fromSavepoint,
                            flinkConfiguration);
            out.println(id);
        }
    }

    @Command(
            name = "savepoint",
            description =
                    "Takes a savepoint of a running job, or stops it with one; prints its path.")
    public static final class Savepoint extends WeirCommand {
        @Option(
                names = "--job",
                paramLabel = "ID",
                required = true,
                description = "The job's id (`weir submit` printed it; `weir status` lists them).")
        String job;

        @Option(names = "--stop", description = "Stop the job with the savepoint.")
        boolean stop;

        @Option(
                names = "--dir",
                paramLabel = "DIR",
                description =
                        "Where to write the savepoint.%nDefault: the cluster's "
                                + "execution.checkpointing.savepoint-dir.")
        Path dir;

        @Option(
                names = "--rest",
                paramLabel = "URL",
                defaultValue = DEFAULT_REST,
                description = "The cluster's REST API.%nDefault: ${DEFAULT-VALUE}.")
        String rest;

        @Override
        protected void run() {
            FlinkRest cluster = new FlinkRest(rest);
            String target = dir == null ? null : dir.toAbsolutePath().toUri().toString();
            String path =
                    stop ? cluster.stopWithSavepoint(job, target) : cluster.savepoint(job, target);
            out.println(path);
        }
    }

    @Command(name = "status", description = "A Flink cluster's slots and jobs.")
    public static final class Status extends WeirCommand {
        @Option(
                names = "--rest",
                paramLabel = "URL",
                defaultValue = DEFAULT_REST,
                description = "The cluster's REST API.%nDefault: ${DEFAULT-VALUE}.")
        String rest;

        @Override
        protected void run() {
            FlinkRest cluster = new FlinkRest(rest);
            var overview = cluster.overview();
            out.printf(
                    "cluster %s: %d task managers, %d of %d slots free%n",
                    rest,
                    overview.path("taskmanagers").asInt(),
                    overview.path("slots-available").asInt(),
                    overview.path("slots-total").asInt());
            for (FlinkRest.Job j : cluster.jobs()) {
                out.printf(
                        "%s  %-10s %-30s running for %ds%n",
                        j.id(), j.state(), j.name(), j.durationMillis() / 1000);
            }
        }
    }

    private static void checkEnvironment(WeirCommand command, String env) {
        if (!ENVIRONMENTS.contains(env)) {
            throw command.usage("--env is one of " + ENVIRONMENTS + ", not '" + env + "'");
        }
    }

    /** The shaded job jar: --jar, else the one this command runs from. */
    public static Path jobJar(Path given) {
        if (given != null) {
            if (!Files.isRegularFile(given)) {
                throw new IllegalArgumentException("no job jar at " + given);
            }
            return given.toAbsolutePath();
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.endsWith("-job.jar")) {
                return Path.of(entry).toAbsolutePath();
            }
        }
        throw new IllegalArgumentException("cannot find the job jar on the class path: pass --jar");
    }
}
