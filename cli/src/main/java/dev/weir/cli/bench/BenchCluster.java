package dev.weir.cli.bench;

import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.cli.cluster.Pause;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.jobs.PassThroughJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The standalone cluster processes a benchmark runs its jobs on ({@code weir cluster start}: a
 * Kafka broker, a JobManager and a TaskManager with two slots, each its own JVM): starting it for a
 * state backend, submitting the pipeline or the pass-through job, and reading the TaskManager's
 * process (CPU, memory, JFR recordings).
 */
final class BenchCluster {

    static final int PARTITIONS = 4;

    /** The job that copies Kafka bytes to Kafka bytes: the ceiling of a pipeline's rate. */
    static final String PASS_THROUGH = "pass-through";

    private final LocalCluster.Layout layout;
    private final Path flinkConf;
    private final Path jar;
    private final Path checkpoints;
    private final int parallelism;
    private FlinkRest rest;
    private String jarId;

    /**
     * @param flinkConf folder of the cluster's settings; its dev environment is used
     * @param checkpoints folder of the jobs' checkpoints, one folder per run
     */
    BenchCluster(
            LocalCluster.Layout layout,
            Path flinkConf,
            Path jar,
            Path checkpoints,
            int parallelism) {
        this.layout = layout;
        this.flinkConf = flinkConf;
        this.jar = jar;
        this.checkpoints = checkpoints;
        this.parallelism = parallelism;
    }

    LocalCluster.Layout layout() {
        return layout;
    }

    String bootstrap() {
        return layout.bootstrap();
    }

    FlinkRest rest() {
        return rest;
    }

    /**
     * Starts the cluster, or restarts it with a fresh TaskManager (Kafka keeps its data), for the
     * given job, and uploads the job jar. The TaskManager's memory is split as each state backend
     * wants it: the dev environment's for heap state (most of it heap); for RocksDB 30% managed
     * memory (its block cache and write buffers) and a task heap of 700 MB, which still holds the
     * writers' and producers' buffers (384 MB for two subtasks, README "Memory") within the 4 GB
     * process. For heap state with a changelog, the TaskManager keeps the changelog in files beside
     * the checkpoints: that storage is the TaskManager's setting, not the job's (without it, the
     * changes travel inside each checkpoint's acknowledgement, which outgrows the RPC frame).
     */
    void start(String job) throws IOException {
        LocalCluster.stop(layout.dir());
        Map<String, String> settings =
                switch (job) {
                    case "rocksdb" ->
                            Map.of(
                                    "taskmanager.memory.managed.fraction", "0.3",
                                    "taskmanager.memory.task.heap.size", "700m");
                    case "hashmap-changelog" ->
                            Map.of(
                                    "state.changelog.storage",
                                    "filesystem",
                                    "state.changelog.dstl.dfs.base-path",
                                    checkpoints.resolve("changelog").toUri().toString());
                    default -> Map.of();
                };
        Map<String, String> withHistory = new LinkedHashMap<>(settings);
        // The statistics of every checkpoint of a run (Flink keeps its last 10), for the pauses
        // the latency runs report.
        withHistory.put("web.checkpoints.history", "1000");
        LocalCluster.start(
                layout,
                flinkConf.resolve("dev").resolve("config.yaml"),
                withHistory,
                LocalCluster.classpathBeside(jar),
                LocalCluster.launcherClasspath(),
                flinkConf.resolve("log4j-cluster.properties"));
        rest = new FlinkRest(layout.rest());
        jarId = rest.uploadJar(jar);
    }

    /** Stops every process of the cluster. */
    void stop() throws IOException {
        LocalCluster.stop(layout.dir());
    }

    /**
     * Submits the pass-through job or the pipeline on a state backend ({@code hashmap}, {@code
     * rocksdb}), and waits for its tasks; {@code label} names the job in errors.
     */
    ClusterJob submit(String job, String label, String run, Map<String, String> settings) {
        KafkaClients.createTopics(
                layout.bootstrap(),
                PARTITIONS,
                BenchSupport.runTopics(run).values().toArray(String[]::new));
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        Map<String, String> flink = new LinkedHashMap<>();
        flink.put("execution.checkpointing.dir", checkpoints.resolve(run).toUri().toString());
        String entry = "dev.weir.jobs.PipelineJob";
        if (job.equals(PASS_THROUGH)) {
            entry = PassThroughJob.class.getName();
        } else {
            flink.putAll(stateBackend(job));
        }
        awaitFreeSlots();
        String jobId = rest.run(jarId, entry, args, parallelism, null, flink);
        rest.awaitAllTasksRunning(jobId, Duration.ofMinutes(3));
        return new ClusterJob(rest, jobId, label);
    }

    /**
     * A job's settings of its state backend: {@code hashmap}, {@code rocksdb} (incremental
     * checkpoints) or {@code hashmap-changelog}: heap state whose checkpoints upload only the state
     * changes since the last one, to the changelog, and whose whole state is written in the
     * background every 30 s (materialization; Flink's default is 10 minutes); or {@code
     * hashmap-compressed}: heap state whose snapshots Flink compresses (Snappy).
     */
    private static Map<String, String> stateBackend(String job) {
        return switch (job) {
            case "hashmap" -> Map.of("state.backend.type", "hashmap");
            case "hashmap-compressed" ->
                    Map.of(
                            "state.backend.type", "hashmap",
                            "execution.checkpointing.snapshot-compression", "true");
            case "rocksdb" ->
                    Map.of(
                            "state.backend.type", "rocksdb",
                            "execution.checkpointing.incremental", "true");
            case "hashmap-changelog" ->
                    Map.of(
                            "state.backend.type", "hashmap",
                            "state.changelog.enabled", "true",
                            "state.changelog.periodic-materialize.interval", "30s");
            default -> throw new IllegalArgumentException("no state backend '" + job + "'");
        };
    }

    /** A cancelled job's slots come back a moment after it is CANCELED; the next job needs them. */
    private void awaitFreeSlots() {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (rest.overview().path("slots-available").asInt() < parallelism) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the cluster's slots were not free within a minute: " + rest.overview());
            }
            Pause.millis(100);
        }
    }

    /** A run's job on the standalone cluster, driven through Flink's REST API. */
    record ClusterJob(FlinkRest rest, String id, String label) implements BenchJob {

        @Override
        public void checkRunning() {
            String state = rest.job(id).path("state").asText();
            if (Set.of("FAILED", "FAILING", "RESTARTING", "CANCELED", "FINISHED").contains(state)) {
                throw new IllegalStateException(
                        "the " + label + " job is " + state + ": " + rest.rootCause(id));
            }
        }

        @Override
        public void close() {
            String state = rest.job(id).path("state").asText();
            if (!Set.of("FAILED", "CANCELED", "FINISHED").contains(state)) {
                rest.cancel(id);
                rest.awaitState(id, Duration.ofMinutes(1), "CANCELED", "FAILED");
            }
        }
    }

    /** The process id of a role's process, as the cluster recorded it. */
    long pid(LocalCluster.Role role) throws IOException {
        return LocalCluster.pid(layout.dir(), role).orElseThrow();
    }

    /** User and system CPU of the TaskManager process so far, in clock ticks (1/100 s). */
    long taskManagerCpuTicks() throws IOException {
        String stat =
                Files.readString(
                        Path.of(
                                "/proc",
                                String.valueOf(pid(LocalCluster.Role.TASKMANAGER)),
                                "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Resident memory of a role's process, in bytes (VmRSS of /proc/PID/status). */
    long residentBytes(LocalCluster.Role role) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", pid(role) + "", "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for the " + role + " process");
    }

    /**
     * A JFR recording of the TaskManager into {@code file}, from {@link #start} to {@link #stop},
     * with the JDK's {@code settings} ({@code profile}: execution samples; {@code default}: about
     * 1% overhead, garbage collections among its events).
     */
    final class Recording {
        private final Path file;
        private final String settings;
        private boolean started;

        Recording(Path file, String settings) {
            this.file = file;
            this.settings = settings;
        }

        void start() throws IOException, InterruptedException {
            jcmd("JFR.start", "name=weir-bench", "settings=" + settings, "filename=" + file);
            started = true;
        }

        boolean started() {
            return started;
        }

        /** Stops the recording; returns its file. */
        Path stop() throws IOException, InterruptedException {
            jcmd("JFR.stop", "name=weir-bench");
            return file;
        }
    }

    /**
     * Loads a JVMTI agent into the running TaskManager (or calls one loaded before again) with
     * {@code options}; quoted, since jcmd would otherwise read {@code key=value} as its own.
     */
    void loadAgent(Path library, String options) throws IOException, InterruptedException {
        String output = jcmd("JVMTI.agent_load", library.toString(), '"' + options + '"');
        // jcmd succeeds whatever the agent answers; the agent's own code is in its output.
        if (!output.contains("return code: 0")) {
            throw new IllegalStateException(
                    "the agent "
                            + library.getFileName()
                            + " refused '"
                            + options
                            + "' (its messages are in the TaskManager's .out file): "
                            + output.strip());
        }
    }

    /** A diagnostic command to the TaskManager's JVM, with the JDK's jcmd. */
    private String jcmd(String... command) throws IOException, InterruptedException {
        List<String> line =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                                String.valueOf(pid(LocalCluster.Role.TASKMANAGER))));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IllegalStateException(
                    "jcmd " + String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
