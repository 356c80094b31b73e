package dev.weir.cli;

import dev.weir.cli.cluster.FlinkClusters;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.cli.cluster.PidFile;
import dev.weir.cli.cluster.SchemaRegistryServer;
import dev.weir.cli.cluster.SslPasswords;
import dev.weir.jobs.config.ConfigLoader;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.runtime.messages.webmonitor.JobDetails;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir cluster start|stop}, {@code weir submit}, {@code weir savepoint} and {@code weir
 * status}: a standalone Flink cluster and Kafka broker on this machine, and the job's life on any
 * Flink cluster through Flink's own REST client, over TLS with a client certificate when the
 * cluster's settings ({@code --env}) say so, the passwords from the environment ({@link
 * SslPasswords}).
 */
public final class ClusterCommands {

    static final String DEFAULT_REST = "http://127.0.0.1:8081";

    private static final String REST_DESCRIPTION =
            "The cluster's REST API, host:port or a URL; https:// when --env's settings turn TLS on"
                    + " for it.%nDefault: ${DEFAULT-VALUE}.";

    private static final String ENV_DESCRIPTION =
            "The cluster's settings, flink-conf/ENV/config.yaml, ENV one of"
                    + " ${COMPLETION-CANDIDATES}: this command takes their TLS settings"
                    + " (security.ssl.), the passwords from WEIR_SSL_KEYSTORE_PASSWORD,"
                    + " WEIR_SSL_TRUSTSTORE_PASSWORD and WEIR_SSL_KEY_PASSWORD.";

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
                        + "slots), a Kafka broker and a schema registry, each in a process of "
                        + "its own."
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

        @Option(
                names = "--schema-registry-port",
                paramLabel = "PORT",
                defaultValue = "" + SchemaRegistryServer.DEFAULT_PORT,
                description =
                        "Port of the schema registry (Apicurio Registry; the Confluent API under"
                                + " /apis/ccompat/v7).%nDefault: ${DEFAULT-VALUE}.")
        int registryPort;

        @Option(names = "--no-schema-registry", description = "Start no schema registry.")
        boolean noRegistry;

        @Override
        protected void run() throws Exception {
            checkEnvironment(this, env);
            LocalCluster.Layout layout =
                    new LocalCluster.Layout(
                            dir.toAbsolutePath(),
                            atLeast("--rest-port", restPort, 1),
                            atLeast("--kafka-port", kafkaPort, 1));
            atLeast("--schema-registry-port", registryPort, 1);
            if (!noRegistry && LocalCluster.listening(registryPort)) {
                throw new IllegalStateException(
                        "port "
                                + registryPort
                                + " is taken: stop what listens there first, or give"
                                + " --schema-registry-port");
            }
            // The Flink processes from the class path files and plugins beside the job jar, Kafka
            // from this command's class path.
            LocalCluster.usePlugins(layout, LocalCluster.pluginsBeside(jobJar(null)));
            Path settings = flinkConf.resolve(env).resolve("config.yaml");
            LocalCluster.start(
                    layout,
                    settings,
                    Map.of(),
                    Map.of(),
                    LocalCluster.classpathBeside(jobJar(null)),
                    LocalCluster.launcherClasspath(),
                    flinkConf.resolve("log4j-cluster.properties").toAbsolutePath());
            // After Kafka and Flink, so it does not slow their start on a small machine; its
            // schemas are kept in the cluster's folder, as the broker's topics are.
            SchemaRegistryServer registry = null;
            if (!noRegistry) {
                try {
                    registry =
                            SchemaRegistryServer.start(
                                    SchemaRegistryServer.jar(),
                                    registryPort,
                                    layout.dir().resolve("schema-registry"),
                                    layout.logs().resolve("schema-registry.log"));
                    PidFile.append(layout.pids(), registry.pid(), "schema-registry");
                    registry.awaitReady(java.time.Duration.ofMinutes(2));
                } catch (RuntimeException | java.io.IOException e) {
                    LocalCluster.stop(layout.dir());
                    throw e;
                }
            }
            boolean tls =
                    SecurityOptions.isRestSSLEnabled(
                            Configuration.fromMap(ConfigLoader.readYaml(settings)));
            out.println(
                    "Flink session cluster ("
                            + env
                            + "): JobManager and TaskManager running; dashboard and REST on "
                            + layout.rest(tls)
                            + (tls ? " (TLS, client certificates required)" : ""));
            out.println("Kafka (KRaft) on " + layout.bootstrap());
            if (registry != null) {
                out.println(
                        "Schema registry (Apicurio, Confluent API) on "
                                + registry.url()
                                + "; its UI on http://127.0.0.1:"
                                + registry.port()
                                + "/ui");
            }
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
                "Checks the job's configuration and builds its job graph here, then submits it "
                        + "with the job jar through Flink's REST client (no web submission)."
            })
    public static final class Submit extends WeirCommand {
        @Option(
                names = "--config",
                paramLabel = "FILE",
                required = true,
                description =
                        "The pipeline's settings, a YAML file read here; the model it names must be"
                                + " readable by the cluster's TaskManagers.")
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
                        "The cluster's settings, flink-conf/ENV/config.yaml, ENV one of"
                                + " ${COMPLETION-CANDIDATES}: their job settings (execution.,"
                                + " state., restart-strategy., pipeline.) go with the job, their"
                                + " TLS settings (security.ssl.; passwords from the WEIR_SSL_*"
                                + " variables) reach the cluster.")
        String env;

        @Option(
                names = "--from-savepoint",
                paramLabel = "PATH",
                description = "Start from this savepoint (as `weir savepoint` printed it).")
        String fromSavepoint;

        @Option(
                names = "--parallelism",
                paramLabel = "N",
                description =
                        "The job's parallelism.%nDefault: parallelism.default of --env's settings,"
                                + " else 1.")
        Integer parallelism;

        @Option(
                names = "--rest",
                paramLabel = "URL",
                defaultValue = DEFAULT_REST,
                description = REST_DESCRIPTION)
        String rest;

        @Option(
                names = "--jar",
                paramLabel = "FILE",
                description =
                        "The shaded job jar, of the same build as this command (the job graph is"
                                + " built here).%nDefault: the one this command runs from.")
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
            Map<String, String> cluster = clusterSettings(this, env, flinkConf);
            Configuration jobSettings = new Configuration();
            cluster.forEach(
                    (k, v) -> {
                        if (JOB_PREFIXES.stream().anyMatch(k::startsWith)) {
                            jobSettings.setString(k, v);
                        }
                    });
            int defaultParallelism =
                    parallelism != null
                            ? parallelism
                            : Configuration.fromMap(cluster).get(CoreOptions.DEFAULT_PARALLELISM);
            try (RestClusterClient<StandaloneClusterId> client =
                    FlinkClusters.connect(FlinkClusters.client(rest, cluster, environment))) {
                JobID id =
                        FlinkClusters.submit(
                                client,
                                jobJar(jar),
                                entry,
                                programArgs,
                                jobSettings,
                                defaultParallelism,
                                fromSavepoint);
                out.println(id);
            }
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
                        "Where to write the savepoint: a folder, or a URI such as"
                                + " s3://bucket/savepoints.%nDefault: the cluster's "
                                + "execution.checkpointing.savepoint-dir.")
        String dir;

        @Option(
                names = "--rest",
                paramLabel = "URL",
                defaultValue = DEFAULT_REST,
                description = REST_DESCRIPTION)
        String rest;

        @Option(
                names = "--env",
                paramLabel = "ENV",
                completionCandidates = Environments.class,
                description = ENV_DESCRIPTION)
        String env;

        @Option(
                names = "--flink-conf",
                paramLabel = "DIR",
                defaultValue = "flink-conf",
                description = "Folder of the environments' settings.%nDefault: ${DEFAULT-VALUE}.")
        Path flinkConf;

        @Override
        protected void run() {
            JobID id;
            try {
                id = JobID.fromHexString(job);
            } catch (IllegalArgumentException e) {
                throw usage("--job takes a job id (32 hex digits), not '" + job + "'");
            }
            // A URI (s3://...) as it is, a path as the cluster's file URI.
            String target =
                    dir == null || dir.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*")
                            ? dir
                            : Path.of(dir).toAbsolutePath().toUri().toString();
            try (RestClusterClient<StandaloneClusterId> client =
                    FlinkClusters.connect(
                            FlinkClusters.client(
                                    rest, clusterSettings(this, env, flinkConf), environment))) {
                out.println(
                        stop
                                ? FlinkClusters.stopWithSavepoint(client, id, target)
                                : FlinkClusters.savepoint(client, id, target));
            }
        }
    }

    @Command(name = "status", description = "A Flink cluster's slots and jobs.")
    public static final class Status extends WeirCommand {
        @Option(
                names = "--rest",
                paramLabel = "URL",
                defaultValue = DEFAULT_REST,
                description = REST_DESCRIPTION)
        String rest;

        @Option(
                names = "--env",
                paramLabel = "ENV",
                completionCandidates = Environments.class,
                description = ENV_DESCRIPTION)
        String env;

        @Option(
                names = "--flink-conf",
                paramLabel = "DIR",
                defaultValue = "flink-conf",
                description = "Folder of the environments' settings.%nDefault: ${DEFAULT-VALUE}.")
        Path flinkConf;

        @Override
        protected void run() {
            try (RestClusterClient<StandaloneClusterId> client =
                    FlinkClusters.connect(
                            FlinkClusters.client(
                                    rest, clusterSettings(this, env, flinkConf), environment))) {
                ClusterOverviewWithVersion overview = FlinkClusters.overview(client);
                out.printf(
                        "cluster %s: %d task managers, %d of %d slots free%n",
                        rest,
                        overview.getNumTaskManagersConnected(),
                        overview.getNumSlotsAvailable(),
                        overview.getNumSlotsTotal());
                for (JobDetails j : FlinkClusters.jobs(client)) {
                    out.printf(
                            "%s  %-10s %-30s running for %ds%n",
                            j.getJobId(), j.getStatus(), j.getJobName(), j.getDuration() / 1000);
                }
            }
        }
    }

    /**
     * The settings of flink-conf/ENV/config.yaml (what a client takes from them: the job settings
     * and TLS), or none without --env.
     */
    private static Map<String, String> clusterSettings(
            WeirCommand command, String env, Path flinkConf) {
        if (env == null) {
            return Map.of();
        }
        checkEnvironment(command, env);
        return ConfigLoader.readYaml(flinkConf.resolve(env).resolve("config.yaml"));
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
