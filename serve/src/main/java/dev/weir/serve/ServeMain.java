package dev.weir.serve;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The server's process, as {@code weir serve} starts it; runs until stopped. The bearer token comes
 * from {@code WEIR_SERVE_TOKEN}, never from an argument.
 */
@Command(
        name = "weir-serve",
        mixinStandardHelpOptions = true,
        description = "Serves the pipeline's latest entity features and decisions over HTTP.")
public final class ServeMain implements Callable<Integer> {

    /** The environment variable of the bearer token. */
    public static final String TOKEN_ENV = "WEIR_SERVE_TOKEN";

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description = "A Kafka client property of every client (secrets as ${env:VAR}).")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(names = "--decisions-topic", defaultValue = "weir.decisions")
    String decisionsTopic;

    @Option(
            names = "--scores-topic",
            defaultValue = "weir.scores",
            description = "Also read the exactly-once scores; empty: only the decisions.")
    String scoresTopic;

    @Option(names = "--entity-features-topic", defaultValue = "weir.entity-features")
    String entityFeaturesTopic;

    @Option(names = "--application-id", defaultValue = "weir-serve")
    String applicationId;

    @Option(names = "--state-dir", required = true)
    Path stateDir;

    @Option(names = "--bind", defaultValue = "127.0.0.1")
    String bind;

    @Option(names = "--port", defaultValue = "8090")
    int port;

    @Option(names = "--recent", defaultValue = "20")
    int recent;

    @Option(
            names = "--stream-threads",
            defaultValue = "" + ServeSettings.DEFAULT_STREAM_THREADS,
            description = "Kafka Streams threads (num.stream.threads).")
    int streamThreads;

    @Option(
            names = "--schema-registry",
            paramLabel = "URL",
            description =
                    "The schema registry of Confluent-framed decisions and scores (credentials"
                            + " from WEIR_SCHEMA_REGISTRY_USER and WEIR_SCHEMA_REGISTRY_PASSWORD).")
    String schemaRegistryUrl;

    @Option(
            names = "--insecure-no-auth",
            description = "Answer without a bearer token (" + TOKEN_ENV + " is then ignored).")
    boolean insecureNoAuth;

    @Override
    public Integer call() throws Exception {
        String token = insecureNoAuth ? null : System.getenv(TOKEN_ENV);
        if (!insecureNoAuth && (token == null || token.isBlank())) {
            System.err.println(
                    "weir serve: set "
                            + TOKEN_ENV
                            + " to the bearer token clients must send, or pass --insecure-no-auth");
            return 2;
        }
        ServeSettings settings = settings(token);
        CountDownLatch stopped = new CountDownLatch(1);
        WeirServe serve = WeirServe.start(settings);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    serve.close();
                                    stopped.countDown();
                                },
                                "weir-serve-shutdown"));
        System.out.println(
                "weir serve listening on http://" + bind + ":" + serve.port() + " (Ctrl-C stops)");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** The parsed options as settings, with {@code token} (null: no authentication). */
    ServeSettings settings(String token) {
        return new ServeSettings(
                bootstrap,
                kafkaProperties,
                decisionsTopic,
                scoresTopic,
                entityFeaturesTopic,
                applicationId,
                stateDir,
                bind,
                port,
                recent,
                token,
                schemaRegistryUrl,
                streamThreads);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ServeMain()).execute(args));
    }
}
