package dev.weir.cli.cluster;

import dev.weir.jobs.config.ConfigLoader;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.runtime.rest.handler.legacy.messages.ClusterOverviewWithVersion;

/**
 * A Flink 2 standalone session cluster and a Kafka broker on this machine, each in its own process,
 * from the jars Maven resolved (no Flink distribution, no Docker): a JobManager ({@code
 * StandaloneSessionClusterEntrypoint}), a TaskManager ({@code TaskManagerRunner}) and a KRaft
 * broker. The Flink processes start through {@link JobManagerMain} and {@link TaskManagerMain},
 * which add the TLS passwords from the environment ({@link SslPasswords}). The Flink configuration
 * is {@code flink-conf/<env>/config.yaml} with this cluster's ports and folders laid over it; logs
 * go to {@code <dir>/logs}, one file per process; process ids to {@code <dir>/pids}, so that {@link
 * #stop(Path)} finds them from another command.
 */
public final class LocalCluster {

    /** Where everything of one cluster lives, and how it is reached. */
    public record Layout(Path dir, int restPort, int kafkaPort) {
        public Path logs() {
            return dir.resolve("logs");
        }

        public Path conf() {
            return dir.resolve("conf");
        }

        public Path pids() {
            return dir.resolve("pids");
        }

        /** The REST API without TLS. */
        public String rest() {
            return rest(false);
        }

        /** The REST API, {@code https://} when the cluster's settings turn TLS on for it. */
        public String rest(boolean tls) {
            return (tls ? "https" : "http") + "://127.0.0.1:" + restPort;
        }

        public String bootstrap() {
            return "127.0.0.1:" + kafkaPort;
        }

        public Path savepoints() {
            return dir.resolve("savepoints");
        }

        /** The processes' Flink plugins folder (FLINK_PLUGINS_DIR), see {@link #usePlugins}. */
        public Path plugins() {
            return dir.resolve("plugins");
        }
    }

    /** The processes of a cluster, in start order. */
    public enum Role {
        ZOOKEEPER,
        KAFKA,
        JOBMANAGER,
        TASKMANAGER;

        /** The name of its log files and its line in the process-id file. */
        public String fileName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * What {@link #start} started a cluster with, so that one of its processes can be started again
     * the same way ({@link #startProcess}).
     */
    public record Launch(
            Layout layout,
            String clusterClasspath,
            String kafkaClasspath,
            Path log4j,
            Map<String, String> environment) {

        /** The cluster's Flink settings as {@link #start} wrote them. */
        public Map<String, String> settings() {
            return GlobalConfiguration.loadConfiguration(layout.conf().toString()).toMap();
        }

        String env(String key) {
            return environment.containsKey(key) ? environment.get(key) : System.getenv(key);
        }
    }

    /**
     * The Flink plugins the build copies beside the job jar ({@code flink-plugins/}, Flink's S3
     * file system), as a cluster keeps them in its {@code plugins/} folder.
     */
    public static Path pluginsBeside(Path jobJar) {
        return jobJar.resolveSibling("flink-plugins");
    }

    /**
     * Makes {@code plugins} the cluster processes' plugins folder: {@link Layout#plugins()} becomes
     * a link to it. Each plugin is loaded in a class loader of its own, which is why Flink's S3
     * file system (with Hadoop and the AWS SDK inside) is a plugin and not on the class path.
     */
    public static void usePlugins(Layout layout, Path plugins) throws IOException {
        Files.createDirectories(layout.dir());
        if (Files.isSymbolicLink(layout.plugins())) {
            Files.delete(layout.plugins());
        }
        if (!Files.exists(layout.plugins()) && Files.isDirectory(plugins)) {
            Files.createSymbolicLink(layout.plugins(), plugins.toAbsolutePath());
        }
    }

    /**
     * JVM options the Flink scripts pass too: Flink's serializers and Netty need these on Java 17.
     */
    private static final List<String> JAVA_OPENS =
            List.of(
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.management/sun.management=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED");

    private LocalCluster() {}

    /**
     * The cluster processes' class path, from the files the build writes beside the job jar:
     * Flink's jars (provided-classpath.txt) and the job's other dependencies
     * (runtime-classpath.txt), as jars in a cluster's lib/ folder would be: what Flink itself needs
     * at run time (commons-lang3, slf4j) and DL4J, whose classes the Flink configuration loads from
     * here (their native libraries load once per JVM). Never the job's Flink modules (connectors,
     * formats): Flink loads {@code org.apache.flink} classes from the cluster first, so a connector
     * here would meet another Kafka client than the job's; everything else the job loads from its
     * own jar first.
     */
    public static String classpathBeside(Path jobJar) throws IOException {
        List<String> entries = new ArrayList<>();
        entries.add(Files.readString(jobJar.resolveSibling("provided-classpath.txt")).trim());
        for (String entry :
                Files.readString(jobJar.resolveSibling("runtime-classpath.txt"))
                        .trim()
                        .split(java.io.File.pathSeparator)) {
            if (!Path.of(entry).getFileName().toString().startsWith("flink-")) {
                entries.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /**
     * The class path of this JVM when the weir launcher runs it: the cli jar, the job jar and the
     * launcher's provided jars, which is what the Kafka process needs ({@link KafkaServerMain} from
     * the cli jar, the broker from the provided jars, Kafka's clients from the job jar).
     */
    public static String launcherClasspath() {
        return System.getProperty("java.class.path");
    }

    /**
     * Starts the three processes and waits until the TaskManager's slots are registered.
     *
     * @param flinkConf the environment's Flink settings ({@code flink-conf/dev/config.yaml})
     * @param clusterClasspath Flink's jars (the job jar's provided dependencies)
     * @param kafkaClasspath the Kafka process's: {@link KafkaServerMain}, the broker and its
     *     clients ({@link #launcherClasspath()})
     * @param log4j the log configuration of the processes
     */
    public static Launch start(
            Layout layout,
            Path flinkConf,
            String clusterClasspath,
            String kafkaClasspath,
            Path log4j)
            throws IOException {
        return start(layout, flinkConf, Map.of(), clusterClasspath, kafkaClasspath, log4j);
    }

    /**
     * Starts the cluster with {@code overrides} laid over the environment's settings (for example
     * the TaskManager's memory split for another state backend).
     */
    public static Launch start(
            Layout layout,
            Path flinkConf,
            Map<String, String> overrides,
            String clusterClasspath,
            String kafkaClasspath,
            Path log4j)
            throws IOException {
        return start(
                layout, flinkConf, overrides, Map.of(), clusterClasspath, kafkaClasspath, log4j);
    }

    /**
     * Starts the cluster with {@code overrides} laid over the environment's settings, and {@code
     * environment} added to the environment the processes inherit from this one (for example the
     * {@link SslPasswords} variables). Fails before anything starts when the settings turn TLS on
     * and a password variable is missing, or when they hold a password.
     */
    public static Launch start(
            Layout layout,
            Path flinkConf,
            Map<String, String> overrides,
            Map<String, String> environment,
            String clusterClasspath,
            String kafkaClasspath,
            Path log4j)
            throws IOException {
        if (PidFile.anyAlive(layout.pids())) {
            throw new IllegalStateException(
                    "a cluster already runs from " + layout.dir() + " (weir cluster stop)");
        }
        for (int port : new int[] {layout.restPort(), layout.kafkaPort()}) {
            if (listening(port)) {
                throw new IllegalStateException(
                        "port " + port + " is taken: stop what listens there first");
            }
        }
        Map<String, String> settings = settings(layout, flinkConf, overrides);
        Launch launch =
                new Launch(
                        layout, clusterClasspath, kafkaClasspath, log4j, Map.copyOf(environment));
        SslPasswords.checkCluster(Configuration.fromMap(settings), launch::env);
        Files.createDirectories(layout.logs());
        Files.createDirectories(layout.conf());
        writeConfig(layout, flinkConf, settings);
        Files.deleteIfExists(layout.pids());
        try {
            if (localZooKeeperPort(settings).isPresent()) {
                startProcess(launch, Role.ZOOKEEPER);
            }
            // The broker and the Flink processes start side by side; then both are awaited.
            long kafkaReady = readyLines(layout);
            launchProcess(launch, Role.KAFKA);
            launchProcess(launch, Role.JOBMANAGER);
            launchProcess(launch, Role.TASKMANAGER);
            awaitReady(launch, Role.KAFKA, kafkaReady);
            awaitReady(launch, Role.TASKMANAGER, 0);
        } catch (RuntimeException | IOException e) {
            stop(layout.dir());
            throw e;
        }
        return launch;
    }

    /**
     * Starts one process of a running cluster, as {@link #start} started it (for example a
     * TaskManager again after it died), adds it to the cluster's process ids and waits until it
     * serves: ZooKeeper and Kafka until they listen, a TaskManager until the JobManager has its
     * slots. Returns its process id.
     */
    public static long startProcess(Launch launch, Role role) throws IOException {
        long kafkaReady = readyLines(launch.layout());
        long pid = launchProcess(launch, role);
        awaitReady(launch, role, kafkaReady);
        return pid;
    }

    private static void awaitReady(Launch launch, Role role, long kafkaReadyBefore)
            throws IOException {
        Layout layout = launch.layout();
        switch (role) {
            case ZOOKEEPER ->
                    awaitListening(
                            localZooKeeperPort(launch.settings()).orElseThrow(),
                            layout.logs().resolve("zookeeper.out"),
                            Duration.ofSeconds(60));
            case KAFKA -> awaitKafka(layout, kafkaReadyBefore, Duration.ofSeconds(120));
            case TASKMANAGER ->
                    awaitSlots(layout, launch.settings(), launch::env, Duration.ofSeconds(90));
            case JOBMANAGER -> {
                // Serves once a TaskManager registers with it; the caller waits for what it needs.
            }
        }
    }

    private static long launchProcess(Launch launch, Role role) throws IOException {
        Layout layout = launch.layout();
        Configuration conf = GlobalConfiguration.loadConfiguration(layout.conf().toString());
        // The Weir entry points beside Flink's jars.
        String flinkClasspath = launch.clusterClasspath() + File.pathSeparator + codeLocation();
        long pid;
        switch (role) {
            case ZOOKEEPER -> {
                int port =
                        localZooKeeperPort(launch.settings())
                                .orElseThrow(
                                        () ->
                                                new IllegalStateException(
                                                        "the settings name no local ZooKeeper"));
                Path zk = layout.dir().resolve("zookeeper");
                Files.createDirectories(zk.resolve("data"));
                Files.writeString(
                        zk.resolve("zoo.cfg"),
                        String.join(
                                "\n",
                                "tickTime=2000",
                                "initLimit=10",
                                "syncLimit=5",
                                "dataDir=" + zk.resolve("data"),
                                "clientPort=" + port,
                                "clientPortAddress=127.0.0.1",
                                ""));
                // Flink's own ZooKeeper launcher (bin/start-zookeeper-quorum.sh), on the
                // ZooKeeper server shaded into flink-shaded-zookeeper-3.
                pid =
                        spawn(
                                launch,
                                role,
                                List.of("-Xmx256m"),
                                flinkClasspath,
                                "org.apache.flink.runtime.zookeeper.FlinkZooKeeperQuorumPeer",
                                List.of(
                                        "--zkConfigFile",
                                        zk.resolve("zoo.cfg").toString(),
                                        "--peerId",
                                        "1"));
            }
            case KAFKA -> {
                pid =
                        spawn(
                                launch,
                                role,
                                List.of("-Xmx768m"),
                                launch.kafkaClasspath(),
                                KafkaServerMain.class.getName(),
                                List.of(
                                        layout.dir().resolve("kafka").toString(),
                                        String.valueOf(layout.kafkaPort())));
            }
            case JOBMANAGER -> {
                // JVM sizes and derived memory settings as Flink's own start scripts compute them.
                var jm =
                        org.apache.flink.runtime.jobmanager.JobManagerProcessUtils
                                .processSpecFromConfig(conf);
                List<String> args =
                        new ArrayList<>(List.of("--configDir", layout.conf().toString()));
                args.addAll(
                        tokens(
                                org.apache.flink.runtime.jobmanager.JobManagerProcessUtils
                                        .generateDynamicConfigsStr(jm)));
                pid =
                        spawn(
                                launch,
                                role,
                                tokens(
                                        org.apache.flink.runtime.jobmanager.JobManagerProcessUtils
                                                .generateJvmParametersStr(jm, conf)),
                                flinkClasspath,
                                JobManagerMain.class.getName(),
                                args);
            }
            case TASKMANAGER -> {
                var tm =
                        org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils
                                .processSpecFromConfig(conf);
                List<String> args =
                        new ArrayList<>(List.of("--configDir", layout.conf().toString()));
                args.addAll(
                        tokens(
                                org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils
                                        .generateDynamicConfigsStr(tm)));
                List<String> jvm =
                        new ArrayList<>(
                                tokens(
                                        org.apache.flink.runtime.util.config.memory
                                                .ProcessMemoryUtils.generateJvmParametersStr(tm)));
                // env.java.opts.taskmanager, as Flink's start scripts pass it.
                jvm.addAll(
                        tokens(conf.getString("env.java.opts.taskmanager", "").replace("\"", "")));
                pid =
                        spawn(
                                launch,
                                role,
                                jvm,
                                flinkClasspath,
                                TaskManagerMain.class.getName(),
                                args);
            }
            default -> throw new IllegalArgumentException(role.toString());
        }
        return pid;
    }

    /** The process id of the role's latest process in the cluster in {@code dir}, if any. */
    public static java.util.OptionalLong pid(Path dir, Role role) throws IOException {
        return PidFile.latest(dir.resolve("pids"), role.fileName());
    }

    /**
     * The client port of the ZooKeeper this cluster starts itself: when its settings turn ZooKeeper
     * high availability on with one server on this machine ({@code 127.0.0.1:PORT} or {@code
     * localhost:PORT}). A quorum elsewhere is the operator's to run.
     */
    static java.util.Optional<Integer> localZooKeeperPort(Map<String, String> settings) {
        if (!"zookeeper".equalsIgnoreCase(settings.getOrDefault("high-availability.type", ""))) {
            return java.util.Optional.empty();
        }
        java.util.regex.Matcher local =
                java.util.regex.Pattern.compile("(?:127\\.0\\.0\\.1|localhost):(\\d+)")
                        .matcher(settings.getOrDefault("high-availability.zookeeper.quorum", ""));
        return local.matches()
                ? java.util.Optional.of(Integer.parseInt(local.group(1)))
                : java.util.Optional.empty();
    }

    /** Stops every process of the cluster in {@code dir}; returns how many were running. */
    public static int stop(Path dir) throws IOException {
        return PidFile.stopAll(dir.resolve("pids"));
    }

    /**
     * The cluster's Flink settings: the environment's file with this cluster's ports and folders.
     */
    private static Map<String, String> settings(
            Layout layout, Path flinkConf, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>(ConfigLoader.readYaml(flinkConf));
        settings.putAll(overrides);
        settings.put("rest.port", String.valueOf(layout.restPort()));
        settings.put("rest.address", "127.0.0.1");
        settings.put("rest.bind-address", "127.0.0.1");
        settings.put("jobmanager.rpc.address", "127.0.0.1");
        settings.put("taskmanager.host", "127.0.0.1");
        settings.put(
                "execution.checkpointing.dir",
                layout.dir().resolve("checkpoints").toUri().toString());
        settings.put(
                "execution.checkpointing.savepoint-dir", layout.savepoints().toUri().toString());
        settings.put("web.upload.dir", layout.dir().resolve("uploads").toString());
        settings.put("io.tmp.dirs", layout.dir().resolve("tmp").toString());
        return settings;
    }

    private static void writeConfig(Layout layout, Path flinkConf, Map<String, String> settings)
            throws IOException {
        Files.createDirectories(layout.dir().resolve("uploads"));
        Files.createDirectories(layout.dir().resolve("tmp"));
        String yaml =
                settings.entrySet().stream()
                        .map(e -> e.getKey() + ": " + quote(e.getValue()))
                        .collect(
                                Collectors.joining(
                                        "\n",
                                        "# Written by weir cluster start from " + flinkConf + "\n",
                                        "\n"));
        Files.writeString(layout.conf().resolve("config.yaml"), yaml, StandardCharsets.UTF_8);
    }

    private static String quote(String value) {
        return value.matches("[A-Za-z0-9_./:;=+-]+( [A-Za-z0-9_./:;=+-]+)*")
                ? value
                : "\"" + value.replace("\"", "\\\"") + "\"";
    }

    private static List<String> tokens(String arguments) {
        return java.util.Arrays.stream(arguments.trim().split("\\s+"))
                .filter(t -> !t.isEmpty())
                .toList();
    }

    /**
     * Where the Weir entry points of the Flink processes load from: the cli jar, or its classes.
     */
    private static String codeLocation() {
        try {
            return Path.of(
                            JobManagerMain.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the Weir entry points", e);
        }
    }

    private static long spawn(
            Launch launch,
            Role role,
            List<String> jvm,
            String classpath,
            String main,
            List<String> args)
            throws IOException {
        Layout layout = launch.layout();
        String name = role.fileName();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.addAll(JAVA_OPENS);
        command.add("-Dlog.file=" + layout.logs().resolve(name + ".log"));
        // A JVM crash (native code: ND4J, RocksDB) leaves its report beside the logs.
        command.add("-XX:ErrorFile=" + layout.logs().resolve(name + "-hs_err_%p.log"));
        command.add("-Dlog4j.configurationFile=" + launch.log4j().toUri());
        command.add("-Dorg.apache.avro.limits.bytes.maxLength=1048576");
        command.add("-Dorg.apache.avro.limits.string.maxLength=65536");
        command.add("-Dorg.apache.avro.limits.collectionItems.maxLength=10000");
        command.add("-cp");
        command.add(classpath);
        command.add(main);
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(
                                ProcessBuilder.Redirect.appendTo(
                                        layout.logs().resolve(name + ".out").toFile()));
        builder.environment().putAll(launch.environment());
        // Where Flink's entry points look for plugins (an empty folder when there are none).
        builder.environment().put("FLINK_PLUGINS_DIR", layout.plugins().toString());
        long pid = builder.start().pid();
        PidFile.append(layout.pids(), pid, name);
        return pid;
    }

    private static long readyLines(Layout layout) throws IOException {
        Path out = layout.logs().resolve("kafka.out");
        return Files.exists(out)
                ? Files.readAllLines(out).stream().filter(l -> l.startsWith("kafka ready")).count()
                : 0;
    }

    private static void awaitListening(int port, Path out, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!listening(port)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "nothing listens on port " + port + " after " + timeout + "; see " + out);
            }
            Pause.millis(200);
        }
    }

    private static void awaitKafka(Layout layout, long before, Duration timeout)
            throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path out = layout.logs().resolve("kafka.out");
        // The output file is appended to across restarts: wait for this start's line.
        while (readyLines(layout) <= before || !listening(layout.kafkaPort())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Kafka did not start within " + timeout + "; see " + out);
            }
            Pause.millis(200);
        }
    }

    /** Waits until a TaskManager has registered its slots, asking as any client would. */
    private static void awaitSlots(
            Layout layout,
            Map<String, String> settings,
            Function<String, String> env,
            Duration timeout) {
        Configuration conf = Configuration.fromMap(settings);
        boolean tls = SecurityOptions.isRestSSLEnabled(conf);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (RestClusterClient<?> client =
                FlinkClusters.connect(FlinkClusters.client(layout.rest(tls), conf.toMap(), env))) {
            while (true) {
                try {
                    ClusterOverviewWithVersion overview = FlinkClusters.overview(client);
                    if (overview.getNumTaskManagersConnected() >= 1
                            && overview.getNumSlotsTotal() >= 1) {
                        return;
                    }
                } catch (IllegalStateException notYet) {
                    // REST endpoint not up yet.
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "the Flink cluster did not come up within "
                                    + timeout
                                    + "; see "
                                    + layout.logs());
                }
                Pause.millis(300);
            }
        }
    }

    /** Whether something on this machine accepts connections on {@code port}. */
    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
