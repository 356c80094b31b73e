package dev.weir.jobs;

import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The arguments every job's {@code main} takes ({@code flink run weir-jobs-job.jar --config FILE
 * --set key=value ...}), and that {@code weir run} takes as a mixin. A wrong argument fails with
 * picocli's {@link CommandLine.ParameterException}, which names it.
 *
 * <pre>{@code
 * PipelineConfig config = JobArguments.parse(argv).load();
 * }</pre>
 */
public final class JobArguments {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "The pipeline's settings, a YAML file (flink-conf/pipeline-example.yaml shows"
                            + " every key).")
    private Path config;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "A setting over the file's; repeatable, the last value of a key wins."
                            + "%nExample: --set kafka.bootstrap-servers=broker:9092")
    private Map<String, String> settings;

    /** The arguments in {@code argv}; nothing else is accepted. */
    public static JobArguments parse(String... argv) {
        return CommandLine.populateCommand(new JobArguments(), argv);
    }

    /** The YAML file, or null when the settings come from {@code --set} alone. */
    public Path config() {
        return config;
    }

    /** The {@code --set} overrides in the order given, keys and values trimmed. */
    public Map<String, String> settings() {
        Map<String, String> trimmed = new LinkedHashMap<>();
        if (settings != null) {
            settings.forEach((k, v) -> trimmed.put(k.trim(), v.trim()));
        }
        return trimmed;
    }

    /** The file's settings overridden by {@code --set}, checked as the job checks them. */
    public PipelineConfig load() {
        return ConfigLoader.load(config, settings());
    }
}
