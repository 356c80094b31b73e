package dev.weir.cli;

import dev.weir.cli.kafka.KafkaConnection;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.operators.wire.WireFormat;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The online read API's process ({@code dev.weir.serve.ServeMain}), started from the serve module's
 * jar and class path: Kafka Streams brings its own RocksDB, which must never share a JVM with
 * Flink's. {@code weir serve}, {@code weir demo} and the tests start it here.
 */
public final class ServeProcess implements AutoCloseable {

    static final String MAIN = "dev.weir.serve.ServeMain";

    /** The environment variable of the bearer token; it reaches the server only through it. */
    public static final String TOKEN_ENV = "WEIR_SERVE_TOKEN";

    private static final String JAR = "serve/target/weir-serve-0.1.0-SNAPSHOT.jar";
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    /**
     * Where the server listens and keeps its stores.
     *
     * @param applicationId the Kafka Streams application id (consumer group, changelog prefix)
     * @param stateDir the stores' folder (RocksDB)
     * @param recent decisions kept per account
     * @param insecureNoAuth answer without a bearer token
     * @param streamThreads Kafka Streams threads of the server
     */
    public record Settings(
            String applicationId,
            Path stateDir,
            String bind,
            int port,
            int recent,
            boolean insecureNoAuth,
            int streamThreads) {

        /**
         * The server's own default: its topics have several partitions, and one thread fell behind
         * a busy pipeline.
         */
        public static final int DEFAULT_STREAM_THREADS = 2;

        /** With {@link #DEFAULT_STREAM_THREADS}. */
        public Settings(
                String applicationId,
                Path stateDir,
                String bind,
                int port,
                int recent,
                boolean insecureNoAuth) {
            this(
                    applicationId,
                    stateDir,
                    bind,
                    port,
                    recent,
                    insecureNoAuth,
                    DEFAULT_STREAM_THREADS);
        }
    }

    private final Process process;
    private final int port;

    private ServeProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts the server of the Weir checkout {@code root}.
     *
     * @param token the bearer token, or null with {@link Settings#insecureNoAuth()}
     * @param log where its output goes; null: this process's
     */
    public static ServeProcess start(
            Path root,
            KafkaConnection connection,
            PipelineConfig pipeline,
            Settings settings,
            String token,
            Path log)
            throws IOException {
        Path jar = root.toAbsolutePath().normalize().resolve(JAR);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "no " + jar + ": build it with mvn -B -DskipTests package -pl serve");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx512m", "-cp", classpath(jar), MAIN));
        command.addAll(arguments(connection, pipeline, settings));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().remove(TOKEN_ENV);
        if (token != null) {
            builder.environment().put(TOKEN_ENV, token);
        }
        if (log == null) {
            builder.inheritIO();
        } else {
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        return new ServeProcess(builder.start(), settings.port());
    }

    /** The server's arguments: the pipeline's brokers, topics and client properties. */
    static List<String> arguments(
            KafkaConnection connection, PipelineConfig pipeline, Settings settings) {
        String decisions = WeirOptions.TOPIC_DECISIONS.defaultValue();
        String scores = WeirOptions.TOPIC_SCORES.defaultValue();
        String entityFeatures = WeirOptions.TOPIC_ENTITY_FEATURES.defaultValue();
        String registry = null;
        if (pipeline != null) {
            decisions = pipeline.decisionsTopic();
            entityFeatures = pipeline.entityFeaturesTopic();
            scores = pipeline.scoresTopic();
            if (pipeline.formats().decisions() == WireFormat.CONFLUENT
                    || pipeline.formats().scores() == WireFormat.CONFLUENT) {
                // Its credentials reach the server through the environment it inherits.
                registry = pipeline.schemaRegistryUrl();
            }
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
                                settings.applicationId(),
                                "--state-dir",
                                settings.stateDir().toAbsolutePath().toString(),
                                "--bind",
                                settings.bind(),
                                "--port",
                                String.valueOf(settings.port()),
                                "--recent",
                                String.valueOf(settings.recent()),
                                "--stream-threads",
                                String.valueOf(settings.streamThreads())));
        // Secrets in them are config-provider references (the pipeline refuses others).
        for (Map.Entry<String, String> property : connection.clientProperties().entrySet()) {
            args.add("--kafka-property");
            args.add(property.getKey() + "=" + property.getValue());
        }
        if (registry != null) {
            args.add("--schema-registry");
            args.add(registry);
        }
        if (settings.insecureNoAuth()) {
            args.add("--insecure-no-auth");
        }
        return args;
    }

    /**
     * Waits until {@code GET /health} answers 200 (every store restored and running).
     *
     * @throws IllegalStateException when the process ends or the time runs out first
     */
    public void awaitReady(Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health =
                HttpRequest.newBuilder(URI.create(baseUrl() + "/health"))
                        .timeout(Duration.ofSeconds(5))
                        .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "weir serve ended with exit code " + process.exitValue());
            }
            try {
                if (http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // the server is still starting
            }
            process.waitFor(250, TimeUnit.MILLISECONDS);
        }
        throw new IllegalStateException("weir serve was not ready within " + timeout);
    }

    /** {@code http://127.0.0.1:PORT} (the server binds where its settings say). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Waits for the process to end; its exit code. */
    public int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    /** Stops the process (SIGTERM: Kafka Streams closes its stores) and waits for it. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private static String classpath(Path jar) throws IOException {
        return jar
                + File.pathSeparator
                + Files.readString(jar.resolveSibling("runtime-classpath.txt")).trim();
    }
}
