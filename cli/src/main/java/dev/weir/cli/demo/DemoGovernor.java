package dev.weir.cli.demo;

import dev.weir.cli.FreePorts;
import dev.weir.cli.GovernorCommand;
import dev.weir.cli.Weir;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The governor beside the demo's pipeline ({@code weir demo --governor}): its function server and
 * statefun runtime (JVMs of their own) with a policy quick enough for a demo, and a listener that
 * trains a challenger when asked, until the demo's stop flag is set.
 */
final class DemoGovernor {

    private static final long LISTENER_EXIT_MILLIS = 5_000;

    private final PrintStream out;
    private final Path dir;
    private final Thread listener;

    private DemoGovernor(PrintStream out, Path dir, Thread listener) {
        this.out = out;
        this.dir = dir;
        this.listener = listener;
    }

    /**
     * @param features the pipeline's feature set file, which retrained versions are trained on,
     *     after {@code warmUp} of simulated time as the demo's model was
     */
    static DemoGovernor start(
            PrintStream out,
            String bootstrap,
            Path registry,
            Path runDir,
            Path features,
            java.time.Duration warmUp,
            AtomicBoolean stop)
            throws Exception {
        Path dir = runDir.resolve("governor");
        Files.createDirectories(dir);
        Path policy = dir.resolve("demo-policy.yaml");
        Files.writeString(
                policy,
                String.join(
                        "\n",
                        "# Quick enough for a few minutes of demo: retrain after 2 drifted windows of 3.",
                        "retrain: {drift_windows: 2, of_windows: 3}",
                        "cooldown_windows: 3",
                        ""));
        int port = FreePorts.next();
        Weir.parse(
                        new GovernorCommand.Start(),
                        out,
                        "--registry",
                        registry.toString(),
                        "--bootstrap",
                        bootstrap,
                        "--policy",
                        policy.toString(),
                        "--port",
                        String.valueOf(port),
                        "--dir",
                        dir.toString())
                .call();
        Thread listener =
                new Thread(
                        () -> {
                            try {
                                GovernorCommand.retrainListener(
                                        new String[] {
                                            "--bootstrap",
                                            bootstrap,
                                            "--registry",
                                            registry.toString(),
                                            "--events",
                                            "20000",
                                            "--features",
                                            features.toString(),
                                            "--warm-up",
                                            warmUp.toSeconds() + "s"
                                        },
                                        new PrintStream(
                                                Files.newOutputStream(
                                                        dir.resolve("logs")
                                                                .resolve("retrain-listener.log")),
                                                true),
                                        stop);
                            } catch (Exception e) {
                                out.println("retrain listener stopped: " + e.getMessage());
                            }
                        },
                        "weir-demo-retrain-listener");
        listener.setDaemon(true);
        listener.start();
        return new DemoGovernor(out, dir, listener);
    }

    /**
     * Stops the governor's processes and gives the listener, told by the stop flag, a moment to
     * end.
     */
    void stop() throws Exception {
        Weir.parse(new GovernorCommand.Stop(), out, "--dir", dir.toString()).call();
        listener.join(LISTENER_EXIT_MILLIS);
    }
}
