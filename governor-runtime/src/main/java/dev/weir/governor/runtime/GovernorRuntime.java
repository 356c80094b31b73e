package dev.weir.governor.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.flink.statefun.flink.harness.Harness;

/**
 * Runs the statefun 3.3 runtime in this JVM (a local Flink 1.16 cluster, through statefun's
 * harness) on a {@code module.yaml}: its Kafka ingress, the remote function endpoint and the Kafka
 * egresses. For one machine and for tests; production runs the same module.yaml on a statefun
 * deployment (governor/README.md).
 *
 * <pre>{@code GovernorRuntime MODULE_YAML [CHECKPOINT_INTERVAL_MS]}</pre>
 */
public final class GovernorRuntime {

    private GovernorRuntime() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: GovernorRuntime MODULE_YAML [CHECKPOINT_INTERVAL_MS]");
            System.exit(2);
        }
        harness(Path.of(args[0]), args.length > 1 ? Long.parseLong(args[1]) : 1_000L).start();
    }

    /** A harness on the module file; {@link Harness#start()} blocks while the runtime runs. */
    public static Harness harness(Path moduleYaml, long checkpointMillis) throws Exception {
        if (!Files.isRegularFile(moduleYaml)) {
            throw new IllegalArgumentException("no module.yaml at " + moduleYaml);
        }
        // The runtime reads the module by name; a copy with a stable name keeps the source file
        // free.
        Path module = Files.createTempDirectory("weir-governor").resolve("module.yaml");
        Files.copy(moduleYaml, module, StandardCopyOption.REPLACE_EXISTING);
        return new Harness()
                .withFlinkJobName("weir-governor")
                .withParallelism(1)
                .withConfiguration("statefun.remote.module-name", module.toUri().toString())
                .withConfiguration("execution.checkpointing.interval", checkpointMillis + "ms")
                .withConfiguration("state.backend", "hashmap");
    }
}
