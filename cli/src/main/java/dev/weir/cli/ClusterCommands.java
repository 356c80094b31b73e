package dev.weir.cli;

import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.jobs.Args;
import dev.weir.jobs.config.ConfigLoader;
import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code weir cluster start|stop}, {@code weir submit}, {@code weir savepoint} and {@code weir
 * status}: a standalone Flink cluster and Kafka broker on this machine, and the job's life on any
 * Flink cluster through its REST API.
 */
public final class ClusterCommands {

    static final String DEFAULT_REST = "http://127.0.0.1:8081";
    static final Set<String> ENVIRONMENTS = Set.of("dev", "test", "live");

    /**
     * Settings of flink-conf/<env>/config.yaml that belong to a job, passed with its submission.
     */
    static final List<String> JOB_PREFIXES =
            List.of("execution.", "state.", "restart-strategy.", "pipeline.");

    private ClusterCommands() {}

    public static void cluster(String[] argv, PrintStream out) throws Exception {
        if (argv.length == 0 || !Set.of("start", "stop").contains(argv[0])) {
            throw new Args.UsageException("cluster takes start or stop");
        }
        Args args =
                Args.parse(
                        Arrays.copyOfRange(argv, 1, argv.length),
                        Set.of("dir", "env", "rest-port", "kafka-port", "flink-conf"),
                        Set.of(),
                        Set.of());
        Path dir = args.path("dir").orElse(Path.of(".weir", "cluster")).toAbsolutePath();
        if (argv[0].equals("stop")) {
            int stopped = LocalCluster.stop(dir);
            out.println(
                    stopped == 0
                            ? "no cluster process was running from " + dir
                            : "stopped "
                                    + stopped
                                    + " processes (logs in "
                                    + dir.resolve("logs")
                                    + ")");
            return;
        }
        String env = environment(args);
        Path flinkConf =
                args.path("flink-conf")
                        .orElse(Path.of("flink-conf"))
                        .resolve(env)
                        .resolve("config.yaml");
        LocalCluster.Layout layout =
                new LocalCluster.Layout(
                        dir,
                        (int) args.longValue("rest-port", 8081, 1),
                        (int) args.longValue("kafka-port", 9092, 1));
        // The Flink processes from the class path files beside the job jar, Kafka from this
        // command's.
        LocalCluster.start(
                layout,
                flinkConf,
                LocalCluster.classpathBeside(jobJar(null)),
                LocalCluster.launcherClasspath(),
                args.path("flink-conf")
                        .orElse(Path.of("flink-conf"))
                        .resolve("log4j-cluster.properties")
                        .toAbsolutePath());
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

    public static void submit(String[] argv, PrintStream out) throws Exception {
        Args args =
                Args.parse(
                        argv,
                        Set.of(
                                "job",
                                "config",
                                "from-savepoint",
                                "parallelism",
                                "env",
                                "rest",
                                "jar",
                                "flink-conf"),
                        Set.of("set"),
                        Set.of());
        String job = args.string("job").orElse("pipeline");
        String entry =
                switch (job) {
                    case "pipeline" -> "dev.weir.jobs.PipelineJob";
                    case "backfill" -> "dev.weir.jobs.BackfillJob";
                    default ->
                            throw new Args.UsageException(
                                    "--job is pipeline or backfill, not '" + job + "'");
                };
        Path config =
                args.path("config")
                        .orElseThrow(() -> new Args.UsageException("submit needs --config FILE"))
                        .toAbsolutePath();
        // Checked here, before anything reaches the cluster: the same checks the job makes at
        // start.
        ConfigLoader.load(config, args.settings());
        List<String> programArgs = new ArrayList<>(List.of("--config", config.toString()));
        args.settings().forEach((k, v) -> programArgs.addAll(List.of("--set", k + "=" + v)));
        Map<String, String> flinkConfiguration = new LinkedHashMap<>();
        if (args.string("env").isPresent()) {
            Path envFile =
                    args.path("flink-conf")
                            .orElse(Path.of("flink-conf"))
                            .resolve(environment(args))
                            .resolve("config.yaml");
            ConfigLoader.readYaml(envFile)
                    .forEach(
                            (k, v) -> {
                                if (JOB_PREFIXES.stream().anyMatch(k::startsWith)) {
                                    flinkConfiguration.put(k, v);
                                }
                            });
        }
        FlinkRest rest = new FlinkRest(args.string("rest").orElse(DEFAULT_REST));
        String jarId = rest.uploadJar(jobJar(args.path("jar").orElse(null)));
        String id =
                rest.run(
                        jarId,
                        entry,
                        programArgs,
                        (int) args.longValue("parallelism", -1, -1),
                        args.string("from-savepoint").orElse(null),
                        flinkConfiguration);
        out.println(id);
    }

    public static void savepoint(String[] argv, PrintStream out) {
        Args args = Args.parse(argv, Set.of("job", "dir", "rest"), Set.of(), Set.of("stop"));
        String job = args.required("job");
        FlinkRest rest = new FlinkRest(args.string("rest").orElse(DEFAULT_REST));
        String target =
                args.path("dir").map(p -> p.toAbsolutePath().toUri().toString()).orElse(null);
        String path =
                args.flag("stop")
                        ? rest.stopWithSavepoint(job, target)
                        : rest.savepoint(job, target);
        out.println(path);
    }

    public static void status(String[] argv, PrintStream out) {
        Args args = Args.parse(argv, Set.of("rest"), Set.of(), Set.of());
        FlinkRest rest = new FlinkRest(args.string("rest").orElse(DEFAULT_REST));
        var overview = rest.overview();
        out.printf(
                "cluster %s: %d task managers, %d of %d slots free%n",
                args.string("rest").orElse(DEFAULT_REST),
                overview.path("taskmanagers").asInt(),
                overview.path("slots-available").asInt(),
                overview.path("slots-total").asInt());
        for (FlinkRest.Job job : rest.jobs()) {
            out.printf(
                    "%s  %-10s %-30s running for %ds%n",
                    job.id(), job.state(), job.name(), job.durationMillis() / 1000);
        }
    }

    private static String environment(Args args) {
        String env = args.string("env").orElse("dev");
        if (!ENVIRONMENTS.contains(env)) {
            throw new Args.UsageException(
                    "--env is one of " + ENVIRONMENTS + ", not '" + env + "'");
        }
        return env;
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
