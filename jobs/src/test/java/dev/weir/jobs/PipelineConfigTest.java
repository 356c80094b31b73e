package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.features.FeatureOrdering;
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
    void theExampleFileParsesWithItsMonitoringSettings() {
        PipelineConfig config = ConfigLoader.load(Path.of("..", "flink-conf", "pipeline-example.yaml"), Map.of());
        assertThat(config.labelsTopic()).isEqualTo("weir.labels");
        assertThat(config.monitoringTopic()).isEqualTo("weir.monitoring");
        assertThat(config.decisionsTopic()).isEqualTo("weir.decisions");
        assertThat(config.bufferTimeout()).isEqualTo(Duration.ofMillis(10));
        assertThat(config.monitoring().window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.monitoring().categoricalInputs()).containsExactly("country", "channel");
        assertThat(config.monitoring().scoreTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(config.monitoring().thresholds().psiAlert()).isEqualTo(0.25);
        assertThat(config.monitoring().rules().duplicateRule()).isPresent();
    }

    @Test
    void orderingAndAlignmentParseAndTheirMistakesAreReported() {
        Map<String, String> base = Map.of(
                "kafka.bootstrap-servers", "b:9092", "iceberg.warehouse", "/tmp/wh", "model.dir", "/m");
        PipelineConfig defaults = PipelineConfig.from(base);
        assertThat(defaults.featureOrdering()).isEqualTo(FeatureOrdering.ORDERED);
        assertThat(defaults.alignmentMaxDrift()).isEqualTo(Duration.ofSeconds(30));
        PipelineConfig arrival = PipelineConfig.from(with(base, Map.of(
                "features.ordering", "arrival", "pipeline.watermark.alignment.max-drift", "0 s")));
        assertThat(arrival.featureOrdering()).isEqualTo(FeatureOrdering.ARRIVAL);
        assertThat(arrival.alignmentMaxDrift()).isZero();

        assertThatThrownBy(() -> PipelineConfig.from(with(base, Map.of("features.ordering", "sorted"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features.ordering");
        assertThatThrownBy(() -> PipelineConfig.from(with(base, Map.of(
                        "pipeline.watermark.idleness", "2 s", "pipeline.watermark.alignment.update-interval", "1 s"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pipeline.watermark.idleness (PT2S) must be at least five times");
        // Without alignment a short idleness is fine.
        assertThat(PipelineConfig.from(with(base, Map.of(
                "pipeline.watermark.idleness", "2 s", "pipeline.watermark.alignment.max-drift", "0 s"))).idleness())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void decisionsTopicAndBufferTimeoutParseAndTheirMistakesAreReported() {
        Map<String, String> base = Map.of(
                "kafka.bootstrap-servers", "b:9092", "iceberg.warehouse", "/tmp/wh", "model.dir", "/m");
        PipelineConfig defaults = PipelineConfig.from(base);
        assertThat(defaults.decisionsTopic()).isEqualTo("weir.decisions");
        assertThat(defaults.bufferTimeout()).isEqualTo(Duration.ofMillis(10));
        PipelineConfig set = PipelineConfig.from(with(base, Map.of(
                "kafka.topics.decisions", "fraud.decisions", "pipeline.buffer-timeout", "0 ms")));
        assertThat(set.decisionsTopic()).isEqualTo("fraud.decisions");
        assertThat(set.bufferTimeout()).isZero();

        assertThatThrownBy(() -> PipelineConfig.from(with(base, Map.of("kafka.topics.decisions", "weir.scores"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka.topics.decisions must differ from kafka.topics.scores ('weir.scores')");
        assertThatThrownBy(() -> PipelineConfig.from(with(base, Map.of("pipeline.buffer-timeout", "-5 ms"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pipeline.buffer-timeout");
        assertThatThrownBy(() -> PipelineConfig.from(with(base, Map.of("kafka.topics.decisions", " "))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka.topics.decisions is required");
        assertThatThrownBy(() -> PipelineConfig.from(with(base, Map.of(
                        "kafka.topics.decisions", "in", "kafka.topics.transactions", "in"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka.topics.decisions must differ from kafka.topics.transactions ('in')");
    }

    private static Map<String, String> with(Map<String, String> base, Map<String, String> more) {
        Map<String, String> all = new java.util.HashMap<>(base);
        all.putAll(more);
        return all;
    }

    @Test
    void badMonitoringSettingsAreReportedTogether() {
        assertThatThrownBy(() -> PipelineConfig.from(Map.of(
                        "kafka.bootstrap-servers", "b:9092",
                        "iceberg.warehouse", "/tmp/wh",
                        "model.dir", "/m",
                        "quality.rules", dir.resolve("missing.yaml").toString(),
                        "drift.categorical-inputs", "country;planet",
                        "monitoring.window", "10 ms")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quality.rules")
                .hasMessageContaining("'planet'")
                .hasMessageContaining("monitoring.window");
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
