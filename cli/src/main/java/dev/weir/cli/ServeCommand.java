package dev.weir.cli;

import dev.weir.cli.kafka.KafkaOptions;
import java.nio.file.Path;
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
            names = "--stream-threads",
            paramLabel = "N",
            defaultValue = "" + ServeProcess.Settings.DEFAULT_STREAM_THREADS,
            description =
                    "Kafka Streams threads: the topics' partitions are processed side by side."
                            + "%nDefault: ${DEFAULT-VALUE}.")
    int streamThreads;

    @Option(
            names = "--insecure-no-auth",
            description =
                    "Answer requests without a bearer token (local trials only); otherwise "
                            + ServeProcess.TOKEN_ENV
                            + " must hold the token clients send.")
    boolean insecureNoAuth;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            defaultValue = "${sys:weir.root:-.}",
            description =
                    "The Weir checkout whose serve module is built.%nDefault: the one ./weir"
                            + " runs from.")
    Path root;

    @Override
    protected void run() throws Exception {
        atLeast("--port", port, 0);
        atLeast("--recent", recent, 1);
        atLeast("--stream-threads", streamThreads, 1);
        String token = environment.apply(ServeProcess.TOKEN_ENV);
        if (!insecureNoAuth && (token == null || token.isBlank())) {
            throw usage(
                    "set "
                            + ServeProcess.TOKEN_ENV
                            + " to the bearer token clients must send, or pass --insecure-no-auth");
        }
        ServeProcess.Settings settings =
                new ServeProcess.Settings(
                        applicationId, stateDir, bind, port, recent, insecureNoAuth, streamThreads);
        ServeProcess server;
        try {
            server =
                    ServeProcess.start(
                            root,
                            kafka.connection(),
                            kafka.pipeline(),
                            settings,
                            insecureNoAuth ? null : token,
                            null);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        Thread stop =
                new Thread(
                        () -> {
                            try {
                                server.close();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "weir-serve-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        exitCode = server.waitFor();
        Runtime.getRuntime().removeShutdownHook(stop);
    }
}
