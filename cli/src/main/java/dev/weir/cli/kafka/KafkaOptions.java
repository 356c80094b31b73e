package dev.weir.cli.kafka;

import dev.weir.cli.Weir;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * How {@code weir produce} and {@code weir consume} reach Kafka: a bare address, or the pipeline's
 * settings file, whose bootstrap servers and client properties ({@code kafka.properties.*}: SASL,
 * TLS, config-provider secrets) make the command connect as the job does.
 */
public final class KafkaOptions {

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description =
                    "Kafka bootstrap servers, over --config's.%nDefault: --config's, else "
                            + Weir.LOCAL_KAFKA
                            + ".")
    String bootstrap;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description =
                    "The pipeline's settings (YAML, as for weir run): its Kafka bootstrap servers"
                            + " and client properties (kafka.properties.*: SASL, TLS; secrets as"
                            + " ${env:VARIABLE} references), so the command connects as the job"
                            + " does.")
    Path config;

    private PipelineConfig pipeline;

    /** The connection the options name. */
    public KafkaConnection connection() {
        if (config == null) {
            return KafkaConnection.plain(bootstrap != null ? bootstrap : Weir.LOCAL_KAFKA);
        }
        KafkaConnection job = KafkaConnection.of(pipeline());
        return bootstrap == null ? job : new KafkaConnection(bootstrap, job.clientProperties());
    }

    /** The pipeline's settings of {@code --config}, read once; null without it. */
    public PipelineConfig pipeline() {
        if (config != null && pipeline == null) {
            pipeline = ConfigLoader.load(config, Map.of());
        }
        return pipeline;
    }
}
