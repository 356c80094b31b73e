package dev.weir.cli;

import dev.weir.cli.kafka.KafkaConnection;
import dev.weir.cli.kafka.KafkaOptions;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.operators.wire.WireFormat;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir serve}: the online read API, in the foreground. The server runs in a JVM of its own
 * from the serve module's class path (Kafka Streams with its own RocksDB, never beside Flink's);
 * this command starts it with the pipeline's brokers, topics and client properties, and waits for
 * it.
 */
@Command(
        name = "serve",
        description = {
            "Serves entity features and decisions over HTTP and GraphQL.",
            "Materializes each entity's latest feature values, each transaction's decision and "
                    + "each account's recent decisions from the pipeline's topics (Kafka Streams, "
                    + "RocksDB stores restored from their changelogs) and answers GET "
                    + "/entities/{type}/{id}, /transactions/{id}, /accounts/{id}/decisions and "
                    + "POST /graphql. Clients send the bearer token of WEIR_SERVE_TOKEN. Runs "
                    + "until stopped (Ctrl-C)."
        })
public final class ServeCommand extends WeirCommand {

    static final String MAIN = "dev.weir.serve.ServeMain";
    static final String TOKEN_ENV = "WEIR_SERVE_TOKEN";

    @Mixin KafkaOptions kafka;

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "8090",
            description = "HTTP port.%nDefault: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--bind",
            paramLabel = "ADDRESS",
            defaultValue = "127.0.0.1",
            description = "Address to listen on.%nDefault: ${DEFAULT-VALUE}.")
    String bind;

    @Option(
            names = "--state-dir",
            paramLabel = "DIR",
            defaultValue = Folders.HOME + "/serve",
            description =
                    "The stores' folder (RocksDB); an empty one is restored from the changelog"
                            + " topics.%nDefault: ${DEFAULT-VALUE}.")
    Path stateDir;

    @Option(
            names = "--application-id",
            paramLabel = "ID",
            defaultValue = "weir-serve",
            description =
                    "Kafka Streams application id: the consumer group and the changelog topics'"
                            + " prefix. Never change it on a deployment whose stores should"
                            + " survive.%nDefault: ${DEFAULT-VALUE}.")
    String applicationId;

    @Option(
            names = "--recent",
            paramLabel = "N",
            defaultValue = "20",
            description = "Decisions kept per account.%nDefault: ${DEFAULT-VALUE}.")
    int recent;

    @Option(
            names = "--insecure-no-auth",
            description =
                    "Answer requests without a bearer token (local trials only); otherwise "
                            + TOKEN_ENV
                            + " must hold the token clients send.")
    boolean insecureNoAuth;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            defaultValue = ".",
            description =
                    "The Weir checkout whose serve module is built.%nDefault: this directory.")
    Path root;

    @Override
    protected void run() throws Exception {
        atLeast("--port", port, 0);
        atLeast("--recent", recent, 1);
        String token = environment.apply(TOKEN_ENV);
        if (!insecureNoAuth && (token == null || token.isBlank())) {
            throw usage(
                    "set "
                            + TOKEN_ENV
                            + " to the bearer token clients must send, or pass --insecure-no-auth");
        }
        List<String> args = arguments(kafka.connection(), kafka.pipeline());
        Path jar =
                root.toAbsolutePath()
                        .normalize()
                        .resolve("serve/target/weir-serve-0.1.0-SNAPSHOT.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "no " + jar + ": build it with mvn -B -DskipTests package -pl serve");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx512m", "-cp", classpath(jar), MAIN));
        command.addAll(args);
        // The token reaches the server through the environment it inherits, never an argument.
        Process server = new ProcessBuilder(command).inheritIO().start();
        Thread stop = new Thread(server::destroy, "weir-serve-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        exitCode = server.waitFor();
        Runtime.getRuntime().removeShutdownHook(stop);
    }

    /** The server's arguments: the pipeline's brokers, topics and client properties. */
    List<String> arguments(KafkaConnection connection, PipelineConfig pipeline) {
        String decisions = WeirOptions.TOPIC_DECISIONS.defaultValue();
        String scores = WeirOptions.TOPIC_SCORES.defaultValue();
        String entityFeatures = WeirOptions.TOPIC_ENTITY_FEATURES.defaultValue();
        if (pipeline != null) {
            if (pipeline.formats().decisions() != WireFormat.SINGLE_OBJECT) {
                throw usage(
                        "weir serve reads single-object values; "
                                + WeirOptions.FORMAT_DECISIONS.key()
                                + " is "
                                + pipeline.formats().decisions());
            }
            decisions = pipeline.decisionsTopic();
            entityFeatures = pipeline.entityFeaturesTopic();
            // Confluent-framed scores are left out: the decisions carry the same records.
            scores =
                    pipeline.formats().scores() == WireFormat.SINGLE_OBJECT
                            ? pipeline.scoresTopic()
                            : "";
        }
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--bootstrap",
                                connection.bootstrap(),
                                "--decisions-topic",
                                decisions,
                                "--scores-topic",
                                scores,
                                "--entity-features-topic",
                                entityFeatures,
                                "--application-id",
                                applicationId,
                                "--state-dir",
                                stateDir.toAbsolutePath().toString(),
                                "--bind",
                                bind,
                                "--port",
                                String.valueOf(port),
                                "--recent",
                                String.valueOf(recent)));
        // Secrets in them are config-provider references (the pipeline refuses others).
        for (Map.Entry<String, String> property : connection.clientProperties().entrySet()) {
            args.add("--kafka-property");
            args.add(property.getKey() + "=" + property.getValue());
        }
        if (insecureNoAuth) {
            args.add("--insecure-no-auth");
        }
        return args;
    }

    private static String classpath(Path jar) throws IOException {
        return jar
                + File.pathSeparator
                + Files.readString(jar.resolveSibling("runtime-classpath.txt")).trim();
    }
}
