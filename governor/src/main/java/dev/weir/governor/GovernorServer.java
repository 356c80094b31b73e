package dev.weir.governor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.weir.gates.Gates;
import dev.weir.gates.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.statefun.sdk.java.StatefulFunctions;
import org.apache.flink.statefun.sdk.java.handler.RequestReplyHandler;
import org.apache.flink.statefun.sdk.java.slice.Slice;
import org.apache.flink.statefun.sdk.java.slice.Slices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the governor's functions to a Stateful Functions runtime: POST {@code /statefun} with a
 * request-reply invocation, answered by the SDK's {@link RequestReplyHandler}.
 *
 * <p>{@code java -cp governor.jar dev.weir.governor.GovernorServer 8000 policy.yaml /models} (or
 * {@code s3://bucket/registry} as the registry)
 */
public final class GovernorServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GovernorServer.class);

    public static final String PATH = "/statefun";

    /** Largest invocation batch accepted, bytes. */
    static final int MAX_REQUEST_BYTES = 64 * 1024 * 1024;

    private final HttpServer server;
    private final ExecutorService executor;

    private GovernorServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * The governor's functions over a policy, the promotion gates and a registry; the clock stamps
     * {@code issued_at}.
     */
    public static StatefulFunctions functions(
            Policy policy, Gates gates, RegistryView registry, Clock clock) {
        HealthPolicyEngine engine = new HealthPolicyEngine(policy, gates, registry);
        return new StatefulFunctions()
                .withStatefulFunction(MonitoringRouter.SPEC)
                .withStatefulFunction(ModelHealth.spec(engine, clock));
    }

    /** Starts serving on {@code address} (port 0 picks a free one). */
    public static GovernorServer start(InetSocketAddress address, StatefulFunctions functions)
            throws IOException {
        RequestReplyHandler handler = functions.requestReplyHandler();
        HttpServer server = HttpServer.create(address, 0);
        ExecutorService executor =
                Executors.newFixedThreadPool(
                        Math.max(2, Runtime.getRuntime().availableProcessors()));
        server.setExecutor(executor);
        server.createContext(PATH, exchange -> handle(handler, exchange));
        server.start();
        LOG.info(
                "governor functions served at http://{}:{}{}",
                address.getHostString(),
                server.getAddress().getPort(),
                PATH);
        return new GovernorServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void handle(RequestReplyHandler handler, HttpExchange exchange)
            throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] request;
            try (InputStream in = exchange.getRequestBody()) {
                request = in.readNBytes(MAX_REQUEST_BYTES + 1);
            }
            if (request.length > MAX_REQUEST_BYTES) {
                exchange.sendResponseHeaders(413, -1);
                return;
            }
            Slice reply;
            try {
                reply = handler.handle(Slices.wrap(request)).join();
            } catch (RuntimeException e) {
                // The runtime retries a failed invocation; the reason stays in our log.
                LOG.error("invocation failed", e);
                exchange.sendResponseHeaders(500, -1);
                return;
            }
            byte[] body = reply.toByteArray();
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /**
     * Flink's file systems as the {@code weir} command has them, so that the registry may be on
     * {@code s3://}: the plugins of {@code FLINK_PLUGINS_DIR} (Flink's S3 file system) with the
     * settings of {@code FLINK_CONF_DIR}'s config.yaml ({@code s3.endpoint}, ...) when it is set.
     * Credentials stay in the environment, where the S3 plugin reads them.
     *
     * @param settings settings over those of the config.yaml
     */
    static void initializeFileSystems(Configuration settings) {
        Configuration conf = GlobalConfiguration.loadConfiguration(settings);
        FileSystem.initialize(conf, PluginUtils.createPluginManagerFromRootFolder(conf));
    }

    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
    }

    /**
     * The gates of a file, or the defaults without one, refused when the governor cannot judge them
     * (a {@code batch_scores} gate under {@code to_live}).
     *
     * @throws IllegalArgumentException naming the file, the gate and the fix
     */
    static Gates gates(Path file) {
        if (file == null) {
            return Gates.DEFAULT;
        }
        Gates gates = Gates.load(file);
        try {
            return gates.requireNoBatchScores(
                    Stage.LIVE, "the governor", HealthPolicyEngine.GATES_FIX);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code GovernorServer PORT POLICY_FILE REGISTRY [GATES_FILE]}, the registry a local path or a
     * URI ({@code s3://bucket/registry}); without a gates file, promotions pass the default gates
     * ({@link Gates#DEFAULT}); a gates file with a gate the governor cannot judge exits at once
     * with code 2 and the reason. Binds all interfaces.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: GovernorServer PORT POLICY_FILE REGISTRY [GATES_FILE]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Policy policy = Policy.load(Path.of(args[1]));
        Gates gates;
        try {
            gates = gates(args.length == 4 ? Path.of(args[3]) : null);
        } catch (IllegalArgumentException e) {
            // Before anything starts: a gate the governor cannot judge would refuse forever.
            System.err.println("GovernorServer: " + e.getMessage());
            System.exit(2);
            return;
        }
        initializeFileSystems(new Configuration());
        RegistryView registry = new FileRegistry(args[2]);
        GovernorServer server =
                start(
                        new InetSocketAddress(port),
                        functions(policy, gates, registry, Clock.systemUTC()));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "governor-shutdown"));
        // Launchers wait for this line before they start the statefun runtime that calls it.
        System.out.println("governor function server listening on port " + port);
    }
}
