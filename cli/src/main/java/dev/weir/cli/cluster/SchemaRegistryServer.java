package dev.weir.cli.cluster;

import dev.weir.cli.FreePorts;
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
import java.util.concurrent.TimeUnit;

/**
 * A schema registry on this machine: Apicurio Registry (built from Maven Central by {@code
 * schema-registry/pom.xml}) in a process of its own on 127.0.0.1, serving the Confluent Schema
 * Registry API at {@link #url()}. Schemas live in memory, or in an H2 database file when a folder
 * is given, so they outlive a restart like the broker's topics do.
 *
 * <p>{@code try (SchemaRegistryServer r = SchemaRegistryServer.start(jar, 8085, null, log)
 * .awaitReady(Duration.ofMinutes(2))) { ... r.url() ... }}
 */
public final class SchemaRegistryServer implements AutoCloseable {

    /** Where the weir launcher says the registry's runner jar is. */
    public static final String JAR_PROPERTY = "weir.schema-registry.jar";

    /** The default port of {@code weir cluster start} and {@code weir demo}. */
    public static final int DEFAULT_PORT = 8085;

    /** Apicurio's Confluent-compatible API, below the server's root. */
    public static final String CONFLUENT_API = "/apis/ccompat/v7";

    /** The registry of {@code weir cluster start} and {@code weir demo} with default ports. */
    public static final String LOCAL_URL = "http://127.0.0.1:" + DEFAULT_PORT + CONFLUENT_API;

    private final Process process;
    private final int port;
    private final Path log;

    private SchemaRegistryServer(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * The runner jar: {@link #JAR_PROPERTY}, else {@code schema-registry/target/} below the current
     * directory.
     *
     * @throws IllegalStateException when it has not been built
     */
    public static Path jar() {
        Path jar =
                Path.of(
                        System.getProperty(
                                JAR_PROPERTY, "schema-registry/target/schema-registry-runner.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "the schema registry is not built ("
                            + jar
                            + " is missing): run `mvn -f schema-registry/pom.xml package` (the weir"
                            + " script does on first use)");
        }
        return jar;
    }

    /**
     * Starts the registry on {@code port} (0: a free one) and returns at once; {@link #awaitReady}
     * waits for it.
     *
     * @param data folder of its database; null keeps the schemas in memory
     * @param log where its output goes
     */
    public static SchemaRegistryServer start(Path jar, int port, Path data, Path log)
            throws IOException {
        int bound = port == 0 ? FreePorts.next() : port;
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small and quick to start: it holds a few schemas.
        command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.http.port=" + bound);
        command.add("-Dquarkus.datasource.jdbc.initial-size=2");
        command.add("-Dquarkus.datasource.jdbc.min-size=2");
        command.add("-Dquarkus.datasource.jdbc.max-size=10");
        if (data != null) {
            Files.createDirectories(data);
            command.add(
                    "-Dquarkus.datasource.jdbc.url=jdbc:h2:file:"
                            + data.toAbsolutePath().resolve("registry"));
        }
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        return new SchemaRegistryServer(process, bound, log);
    }

    /**
     * Waits until the registry says it is ready ({@code GET /health/ready}).
     *
     * @throws IllegalStateException when it exits or is not ready within {@code timeout}; it is
     *     stopped then
     */
    public SchemaRegistryServer awaitReady(Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the schema registry exited with "
                                + process.exitValue()
                                + "; its log ("
                                + log
                                + "):\n"
                                + tail());
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while the schema registry started");
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException(
                        "the schema registry was not ready within " + timeout + "; see " + log);
            }
            Pause.millis(200);
        }
    }

    /** The Confluent-compatible API: {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
    public String url() {
        return "http://127.0.0.1:" + port + CONFLUENT_API;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
