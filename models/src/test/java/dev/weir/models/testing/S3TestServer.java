package dev.weir.models.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
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
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;
import org.apache.flink.core.plugin.PluginConfig;
import org.apache.flink.core.plugin.PluginManager;

/**
 * A real S3 server for tests: S3Proxy in a process of its own (run from the jar the build copies to
 * {@code target/s3proxy}), on a free port of 127.0.0.1, checking request signatures against the
 * credentials of this JVM's environment ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
 * set by the module's surefire configuration), which every S3 client of the tests takes from there
 * too, as in production. Objects are files under {@code data/}: a bucket is a folder.
 *
 * <p>{@code try (S3TestServer s3 = S3TestServer.start(dir, "weir-models")) { ... s3.endpoint() ...
 * }}
 */
public final class S3TestServer implements AutoCloseable {

    private final Process process;
    private final String endpoint;
    private final Path data;
    private final Path log;

    private S3TestServer(Process process, String endpoint, Path data, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.data = data;
        this.log = log;
    }

    /**
     * Starts the server with its objects under {@code dir} and the buckets given, and returns once
     * it answers HTTP.
     */
    public static S3TestServer start(Path dir, String... buckets) throws IOException {
        Path jar =
                Path.of(System.getProperty("weir.test.s3proxy.jar", "target/s3proxy/s3proxy.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar
                            + " is missing: the build copies it (maven-dependency-plugin, s3-test-tools)");
        }
        Path data = Files.createDirectories(dir.resolve("data"));
        for (String bucket : buckets) {
            Files.createDirectories(data.resolve(bucket));
        }
        int port = freePort();
        String endpoint = "http://127.0.0.1:" + port;
        Properties settings = new Properties();
        settings.setProperty("s3proxy.endpoint", endpoint);
        settings.setProperty("s3proxy.authorization", "aws-v2-or-v4");
        settings.setProperty("jclouds.provider", "filesystem-nio2");
        settings.setProperty("jclouds.filesystem.basedir", data.toString());
        settings.setProperty("jclouds.region", "us-east-1");
        Path properties = dir.resolve("s3proxy.properties");
        try (var out = Files.newOutputStream(properties)) {
            settings.store(out, "S3 test server; the credentials come from the environment");
        }
        String classpath = jar + java.io.File.pathSeparator + codeSource(S3ProxyMain.class);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(List.of("-cp", classpath, S3ProxyMain.class.getName()));
        command.addAll(List.of("--properties", properties.toString()));
        Path log = dir.resolve("s3proxy.log");
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        S3TestServer server = new S3TestServer(process, endpoint, data, log);
        try {
            server.awaitAnswering(Duration.ofMinutes(2));
        } catch (RuntimeException e) {
            server.close();
            throw new IllegalStateException(
                    "S3Proxy did not answer on "
                            + endpoint
                            + "; its log:\n"
                            + Files.readString(log),
                    e);
        }
        return server;
    }

    /** {@code http://127.0.0.1:PORT} */
    public String endpoint() {
        return endpoint;
    }

    /** The folder of a bucket's objects. */
    public Path bucketFolder(String bucket) {
        return data.resolve(bucket);
    }

    /**
     * Flink's settings for its S3 file system on this server (path-style requests, plain HTTP). The
     * credentials are not among them: the file system takes them from the environment.
     */
    public Map<String, String> flinkSettings() {
        return Map.of(
                "s3.endpoint", endpoint,
                "s3.path.style.access", "true",
                "s3.connection.ssl.enabled", "false");
    }

    /**
     * Registers Flink's file system plugins from the folder the build copies them to (as a cluster
     * loads its {@code plugins/}) with {@code conf}, for {@code s3://} in this JVM. A MiniCluster
     * does not do it itself.
     */
    public static void initializeFlinkFileSystems(Configuration conf) {
        Path plugins =
                Path.of(System.getProperty("weir.test.flink.plugins", "target/flink-plugins"));
        if (!Files.isDirectory(plugins)) {
            throw new IllegalStateException(
                    plugins + " is missing: the build copies flink-s3-fs-hadoop there");
        }
        try {
            PluginManager plugin =
                    new DefaultPluginManager(
                            new DirectoryBasedPluginFinder(plugins).findPlugins(),
                            PluginConfig.fromConfiguration(conf).getAlwaysParentFirstPatterns());
            FileSystem.initialize(conf, plugin);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the plugins in " + plugins, e);
        }
    }

    private void awaitAnswering(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(endpoint + "/")).GET().build();
        await("S3Proxy answering on " + endpoint)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsInstanceOf(IOException.class)
                .until(
                        () -> {
                            if (!process.isAlive()) {
                                throw new IllegalStateException(
                                        "S3Proxy exited with " + process.exitValue());
                            }
                            // Unsigned, so refused (403): what matters is that it answers.
                            return http.send(probe, HttpResponse.BodyHandlers.discarding())
                                            .statusCode()
                                    > 0;
                        });
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

    /** The server's log, for a failing test's message. */
    public String log() throws IOException {
        return Files.readString(log);
    }

    private static String codeSource(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
