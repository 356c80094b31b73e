package dev.weir.cli;

import dev.weir.cli.cluster.PidFile;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.Args;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * {@code weir governor start|stop|retrain-listener}: the governor's function server and its
 * statefun runtime, each in a JVM of its own from the governor modules' own class paths (statefun
 * 3.3 on Flink 1.16, never on this command's class path); and the listener that turns retraining
 * requests into a trained, registered challenger.
 */
public final class GovernorCommand {

    private GovernorCommand() {}

    public static void run(String[] argv, PrintStream out) throws Exception {
        if (argv.length == 0 || !Set.of("start", "stop", "retrain-listener").contains(argv[0])) {
            throw new Args.UsageException("governor takes start, stop or retrain-listener");
        }
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        switch (argv[0]) {
            case "start" -> start(rest, out);
            case "stop" -> stop(rest, out);
            default -> retrainListener(rest, out, new AtomicBoolean());
        }
    }

    static void start(String[] argv, PrintStream out) throws IOException {
        Args args =
                Args.parse(
                        argv,
                        Set.of("bootstrap", "registry", "policy", "port", "dir", "root"),
                        Set.of(),
                        Set.of());
        Path root = args.path("root").orElse(Path.of(".")).toAbsolutePath().normalize();
        Path dir = args.path("dir").orElse(Path.of(".weir", "governor")).toAbsolutePath();
        String bootstrap = args.string("bootstrap").orElse("127.0.0.1:9092");
        Path registry =
                args.path("registry")
                        .orElseThrow(
                                () ->
                                        new Args.UsageException(
                                                "governor start needs --registry DIR"))
                        .toAbsolutePath();
        int port = (int) args.longValue("port", 8000, 1);
        Path functionsJar = root.resolve("governor/target/weir-governor-0.1.0-SNAPSHOT.jar");
        Path runtimeJar =
                root.resolve("governor-runtime/target/weir-governor-runtime-0.1.0-SNAPSHOT.jar");
        for (Path jar : List.of(functionsJar, runtimeJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException(
                        "no "
                                + jar
                                + ": build it with mvn -B -ntp -DskipTests package -pl"
                                + " governor,governor-runtime -am");
            }
        }
        Files.createDirectories(dir.resolve("logs"));
        Path pids = dir.resolve("pids");
        if (PidFile.anyAlive(pids)) {
            throw new IllegalStateException(
                    "a governor already runs from " + dir + " (weir governor stop)");
        }
        Path policy = args.path("policy").orElse(null);
        if (policy == null) {
            policy = dir.resolve("policy.yaml");
            Files.writeString(policy, "# The governor's defaults (governor/README.md).\n{}\n");
        }
        String module =
                Files.readString(root.resolve("governor/src/main/resources/module.yaml"))
                        .replace("127.0.0.1:9092", bootstrap)
                        .replace(
                                "http://127.0.0.1:8000/statefun",
                                "http://127.0.0.1:" + port + "/statefun");
        Path moduleFile = dir.resolve("module.yaml");
        Files.writeString(moduleFile, module);

        List<Long> started = new ArrayList<>();
        started.add(
                spawn(
                        dir,
                        "functions",
                        List.of("-Xmx256m"),
                        classpath(functionsJar),
                        "dev.weir.governor.GovernorServer",
                        List.of(
                                String.valueOf(port),
                                policy.toAbsolutePath().toString(),
                                registry.toString())));
        started.add(
                spawn(
                        dir,
                        "runtime",
                        List.of(
                                "-Xmx1g",
                                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                "--add-opens=java.base/java.util=ALL-UNNAMED",
                                "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"),
                        classpath(runtimeJar),
                        "dev.weir.governor.runtime.GovernorRuntime",
                        List.of(moduleFile.toString())));
        PidFile.write(pids, started);
        out.println(
                "governor: function server on http://127.0.0.1:"
                        + port
                        + "/statefun, statefun runtime on "
                        + bootstrap
                        + " (weir.monitoring -> weir.model-control); logs in "
                        + dir.resolve("logs"));
    }

    static void stop(String[] argv, PrintStream out) throws IOException {
        Args args = Args.parse(argv, Set.of("dir"), Set.of(), Set.of());
        Path pids =
                args.path("dir")
                        .orElse(Path.of(".weir", "governor"))
                        .toAbsolutePath()
                        .resolve("pids");
        int stopped = PidFile.stopAll(pids);
        out.println("stopped " + stopped + " governor processes");
    }

    /**
     * Waits for {@code REQUEST_RETRAIN} commands; for each, trains a new version (on the pipeline's
     * Iceberg tables with --from-iceberg, else on synthetic data), registers it and makes it the
     * challenger, in the registry and, through the model-control topic, in running pipelines.
     */
    public static void retrainListener(String[] argv, PrintStream out, AtomicBoolean stop)
            throws Exception {
        Args args =
                Args.parse(
                        argv,
                        Set.of(
                                "bootstrap",
                                "registry",
                                "topic",
                                "events",
                                "from-iceberg",
                                "labels-topic"),
                        Set.of(),
                        Set.of());
        String bootstrap = args.required("bootstrap");
        Path registryRoot =
                args.path("registry")
                        .orElseThrow(() -> new Args.UsageException("needs --registry DIR"));
        String topic = args.string("topic").orElse("weir.model-control");
        ModelRegistry registry = new ModelRegistry(registryRoot);
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
                    if (command.getCommand() != ModelCommand.REQUEST_RETRAIN) {
                        continue;
                    }
                    out.println(
                            "retraining "
                                    + command.getModelName()
                                    + " ("
                                    + command.getReason()
                                    + ")");
                    List<String> train =
                            new ArrayList<>(
                                    List.of(
                                            "--registry",
                                            registryRoot.toString(),
                                            "--name",
                                            command.getModelName(),
                                            "--events",
                                            args.string("events").orElse("50000")));
                    args.string("from-iceberg")
                            .ifPresent(c -> train.addAll(List.of("--from-iceberg", c)));
                    args.string("labels-topic")
                            .ifPresent(t -> train.addAll(List.of("--labels-topic", t)));
                    TrainCommand.run(train.toArray(String[]::new), out);
                    List<String> versions = registry.versions(command.getModelName());
                    String version = versions.get(versions.size() - 1);
                    registry.setChallenger(command.getModelName(), version);
                    ModelPointer pointer = registry.pointer(command.getModelName(), version);
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
                                    .setReason("retrained on request: " + command.getReason())
                                    .build());
                    out.println("v" + version + " is the challenger of " + pointer.name());
                }
            }
        }
    }

    private static String classpath(Path jar) throws IOException {
        return jar
                + File.pathSeparator
                + Files.readString(jar.resolveSibling("runtime-classpath.txt")).trim();
    }

    private static long spawn(
            Path dir,
            String name,
            List<String> jvm,
            String classpath,
            String main,
            List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvm);
        command.addAll(List.of("-cp", classpath, main));
        command.addAll(args);
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("logs").resolve(name + ".log").toFile())
                .start()
                .pid();
    }
}
