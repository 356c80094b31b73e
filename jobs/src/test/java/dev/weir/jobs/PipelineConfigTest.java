package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigTest {

    @TempDir Path dir;

    @Test
    void nestedYamlFlattensAndOverridesWin() throws Exception {
        Path yaml = dir.resolve("weir.yaml");
        Files.writeString(yaml, String.join("\n",
                "kafka:",
                "  bootstrap-servers: broker:9092",
                "  topics:",
                "    scores: s.file",
                "iceberg.warehouse: /tmp/wh",
                "model:",
                "  dir: /models/fraud",
                "pipeline:",
                "  checkpoint-interval: 30 s",
                ""));
        PipelineConfig config = ConfigLoader.load(yaml, Map.of("kafka.topics.scores", "s.override"));
        assertThat(config.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(config.scoresTopic()).isEqualTo("s.override");
        assertThat(config.transactionsTopic()).isEqualTo("weir.transactions");
        assertThat(config.warehouse()).isEqualTo("/tmp/wh");
        assertThat(config.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.transactionalIdPrefix()).isEqualTo("weir-pipeline");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> PipelineConfig.from(Map.of(
                        "kafka.bootstrap-servrs", "x",
                        "iceberg.catalog-type", "hive",
                        "pipeline.checkpoint-interval", "20 min")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown option 'kafka.bootstrap-servrs'")
                .hasMessageContaining("kafka.bootstrap-servers is required")
                .hasMessageContaining("exactly one of model.dir and model.registry is required")
                .hasMessageContaining("iceberg.catalog-type must be one of")
                .hasMessageContaining("kafka.transaction-timeout");
    }

    @Test
    void unparsableValuesAreNamed() {
        assertThatThrownBy(() -> PipelineConfig.from(Map.of(
                        "kafka.bootstrap-servers", "x", "model.dir", "m", "iceberg.warehouse", "w",
                        "pipeline.parallelism", "two")))
                .hasMessageContaining("cannot parse");
    }

    @Test
    void missingFileIsAClearError() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of()))
                .hasMessageContaining("configuration file not found");
    }
}
