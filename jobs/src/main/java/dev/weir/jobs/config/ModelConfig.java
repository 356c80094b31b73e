package dev.weir.jobs.config;

import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * Where the model comes from: a model directory, or the champion of a name in a registry. Part of
 * {@link PipelineConfig}, which resolves it once into the {@link ModelPointer} the job scores with.
 */
public record ModelConfig(String dir, String registry, String name) {

    /** Reads the {@code model.*} options; parse errors are the caller's to report. */
    static ModelConfig from(Configuration conf) {
        return new ModelConfig(
                conf.get(WeirOptions.MODEL_DIR),
                conf.get(WeirOptions.MODEL_REGISTRY),
                conf.get(WeirOptions.MODEL_NAME));
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (hasDir() == hasRegistry()) {
            problems.add(
                    "exactly one of "
                            + WeirOptions.MODEL_DIR.key()
                            + " and "
                            + WeirOptions.MODEL_REGISTRY.key()
                            + " is required");
        }
        return problems;
    }

    /**
     * The registry's current champion (with its checksum), or the model directory, which need not
     * hold a model yet: whether it does is checked where the model is needed.
     *
     * @throws RuntimeException when the registry cannot be read or has no champion of {@code name}
     */
    ModelPointer resolve() {
        if (hasRegistry()) {
            return new ModelRegistry(registry).champion(name);
        }
        return new ModelPointer(null, null, dir, null);
    }

    private boolean hasDir() {
        return dir != null && !dir.isBlank();
    }

    private boolean hasRegistry() {
        return registry != null && !registry.isBlank();
    }
}
