package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.config.MaintenanceConfig;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.TableWriteConfig;
import dev.weir.jobs.config.WeirOptions;
import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.operators.features.FeatureOrdering;
import dev.weir.state.features.FeatureSet;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.MemorySize;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigTest {

    @TempDir Path dir;

    @Test
    void nestedYamlFlattensAndOverridesWin() throws Exception {
        Path yaml = dir.resolve("weir.yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
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
        PipelineConfig config =
                ConfigLoader.load(yaml, Map.of("kafka.topics.scores", "s.override"));
        assertThat(config.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(config.scoresTopic()).isEqualTo("s.override");
        assertThat(config.transactionsTopic()).isEqualTo("weir.transactions");
        assertThat(config.warehouse()).isEqualTo("/tmp/wh");
        assertThat(config.checkpointInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.transactionalIdPrefix()).isEqualTo("weir-pipeline");
    }

    @Test
    void theExampleFileParsesWithItsMonitoringSettings() {
        PipelineConfig config =
                ConfigLoader.load(Path.of("..", "flink-conf", "pipeline-example.yaml"), Map.of());
        assertThat(config.labelsTopic()).isEqualTo("weir.labels");
        assertThat(config.monitoringTopic()).isEqualTo("weir.monitoring");
        assertThat(config.decisionsTopic()).isEqualTo("weir.decisions");
        assertThat(config.bufferTimeout()).isEqualTo(Duration.ofMillis(10));
        assertThat(config.scoringReasonsTop()).isEqualTo(3);
        assertThat(config.monitoring().window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.monitoring().categoricalInputs()).containsExactly("country", "channel");
        assertThat(config.monitoring().fairness())
                .isEqualTo(
                        new dev.weir.models.fairness.FairnessSettings(
                                List.of("country", "channel"), 30, 200, 0.8));
        assertThat(config.monitoring().scoreTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(config.monitoring().thresholds().psiAlert()).isEqualTo(0.25);
        assertThat(config.monitoring().rules().duplicateRule()).isPresent();
        assertThat(config.maintenance().parallelism()).isEqualTo(1);
        assertThat(config.maintenance().snapshotRetainLast()).isEqualTo(10);
    }

    @Test
    void maintenanceDefaultsAndItsMistakesAreReported() {
        Map<String, String> base =
                Map.of(
                        "kafka.bootstrap-servers",
                        "b:9092",
                        "iceberg.warehouse",
                        "/tmp/wh",
                        "model.dir",
                        "/m");
        MaintenanceConfig defaults = PipelineConfig.from(base).maintenance();
        assertThat(defaults.parallelism()).isEqualTo(1);
        assertThat(defaults.targetFileSize()).isEqualTo(MemorySize.ofMebiBytes(128));
        assertThat(defaults.snapshotMaxAge()).isEqualTo(Duration.ofHours(1));
        assertThat(defaults.snapshotRetainLast()).isEqualTo(10);
        assertThat(defaults.orphanMinAge()).isEqualTo(Duration.ofDays(3));
        MaintenanceConfig set =
                PipelineConfig.from(
                                with(
                                        base,
                                        Map.of(
                                                "iceberg.maintenance.rewrite.target-file-size",
                                                "64 mb",
                                                "iceberg.maintenance.expire-snapshots.max-age",
                                                "2 d",
                                                "iceberg.maintenance.parallelism",
                                                "4")))
                        .maintenance();
        assertThat(set.parallelism()).isEqualTo(4);
        assertThat(set.targetFileSize()).isEqualTo(MemorySize.ofMebiBytes(64));
        assertThat(set.snapshotMaxAge()).isEqualTo(Duration.ofDays(2));

        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "iceberg.maintenance.orphan-files.min-age",
                                                        "1 h",
                                                        "iceberg.maintenance.expire-snapshots.retain-last",
                                                        "1",
                                                        "iceberg.maintenance.rate-limit",
                                                        "500 ms",
                                                        "iceberg.maintenance.parallelism",
                                                        "0"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "iceberg.maintenance.orphan-files.min-age must be at least 24h")
                .hasMessageContaining(
                        "iceberg.maintenance.expire-snapshots.retain-last must be at least 2")
                .hasMessageContaining("iceberg.maintenance.rate-limit must be at least 1s")
                .hasMessageContaining("iceberg.maintenance.parallelism must be at least 1, got 0");
    }

    @Test
    void writeBuffersDefaultsAndTheirMistakesAreReported() {
        Map<String, String> base =
                Map.of(
                        "kafka.bootstrap-servers",
                        "b:9092",
                        "iceberg.warehouse",
                        "/tmp/wh",
                        "model.dir",
                        "/m");
        PipelineConfig defaults = PipelineConfig.from(base);
        assertThat(defaults.kafka().producerBufferMemory()).isEqualTo(MemorySize.ofMebiBytes(4));
        Map<String, Map<String, String>> properties = defaults.iceberg().tableProperties();
        assertThat(properties.get("scores"))
                .isEqualTo(
                        Map.of(
                                "write.parquet.row-group-size-bytes", String.valueOf(8 << 20),
                                "write.parquet.page-size-bytes", String.valueOf(256 << 10),
                                "write.parquet.dict-size-bytes", String.valueOf(256 << 10),
                                "write.target-file-size-bytes", String.valueOf(128 << 20)));
        assertThat(properties.get("monitoring"))
                .containsEntry("write.parquet.row-group-size-bytes", String.valueOf(2 << 20))
                .containsEntry("write.parquet.page-size-bytes", String.valueOf(64 << 10));
        // A dead letter can be as large as a Kafka record: its file checks its size every few rows.
        assertThat(properties.get("dlq"))
                .containsEntry("write.parquet.row-group-size-bytes", String.valueOf(4 << 20))
                .containsEntry("write.parquet.row-group-check-min-record-count", "1")
                .containsEntry("write.parquet.row-group-check-max-record-count", "4");

        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "iceberg.write.scores.page-size",
                                                        "16 mb",
                                                        "iceberg.write.events.dict-size",
                                                        "100 b",
                                                        "iceberg.write.features.row-group-size",
                                                        "3 gb",
                                                        "kafka.producer.buffer-memory",
                                                        "512 kb",
                                                        "kafka.properties.buffer.memory",
                                                        "33554432"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "iceberg.write.scores.page-size (16 mb) must not exceed"
                                + " iceberg.write.scores.row-group-size (8 mb)")
                .hasMessageContaining("iceberg.write.events.dict-size must be at least 1 kb")
                .hasMessageContaining("iceberg.write.features.row-group-size must be below 2 gb")
                .hasMessageContaining("kafka.producer.buffer-memory must be at least 1 mb")
                .hasMessageContaining(
                        "kafka.properties.buffer.memory is set by the pipeline itself from"
                                + " kafka.producer.buffer-memory");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "iceberg.write.score.row-group-size",
                                                        "4 mb"))))
                .hasMessageContaining(
                        "unknown key 'iceberg.write.score.row-group-size'; did you mean"
                                + " 'iceberg.write.scores.row-group-size'?");
    }

    @Test
    void orderingAndAlignmentParseAndTheirMistakesAreReported() {
        Map<String, String> base =
                Map.of(
                        "kafka.bootstrap-servers",
                        "b:9092",
                        "iceberg.warehouse",
                        "/tmp/wh",
                        "model.dir",
                        "/m");
        PipelineConfig defaults = PipelineConfig.from(base);
        assertThat(defaults.featureOrdering()).isEqualTo(FeatureOrdering.ORDERED);
        assertThat(defaults.alignmentMaxDrift()).isEqualTo(Duration.ofSeconds(30));
        PipelineConfig arrival =
                PipelineConfig.from(
                        with(
                                base,
                                Map.of(
                                        "features.ordering",
                                        "arrival",
                                        "pipeline.watermark.alignment.max-drift",
                                        "0 s")));
        assertThat(arrival.featureOrdering()).isEqualTo(FeatureOrdering.ARRIVAL);
        assertThat(arrival.alignmentMaxDrift()).isZero();

        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(base, Map.of("features.ordering", "sorted"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("features.ordering");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "pipeline.watermark.idleness",
                                                        "2 s",
                                                        "pipeline.watermark.alignment.update-interval",
                                                        "1 s"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "pipeline.watermark.idleness (PT2S) must be at least five times");
        // Without alignment a short idleness is fine.
        assertThat(
                        PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "pipeline.watermark.idleness",
                                                        "2 s",
                                                        "pipeline.watermark.alignment.max-drift",
                                                        "0 s")))
                                .idleness())
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void decisionsTopicAndBufferTimeoutParseAndTheirMistakesAreReported() {
        Map<String, String> base =
                Map.of(
                        "kafka.bootstrap-servers",
                        "b:9092",
                        "iceberg.warehouse",
                        "/tmp/wh",
                        "model.dir",
                        "/m");
        PipelineConfig defaults = PipelineConfig.from(base);
        assertThat(defaults.decisionsTopic()).isEqualTo("weir.decisions");
        assertThat(defaults.bufferTimeout()).isEqualTo(Duration.ofMillis(10));
        assertThat(defaults.sideBufferTimeout()).isEqualTo(Duration.ofMillis(100));
        PipelineConfig set =
                PipelineConfig.from(
                        with(
                                base,
                                Map.of(
                                        "kafka.topics.decisions",
                                        "fraud.decisions",
                                        "pipeline.buffer-timeout",
                                        "0 ms")));
        assertThat(set.decisionsTopic()).isEqualTo("fraud.decisions");
        assertThat(set.bufferTimeout()).isZero();

        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of("kafka.topics.decisions", "weir.scores"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "kafka.topics.decisions must differ from kafka.topics.scores ('weir.scores')");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(base, Map.of("pipeline.buffer-timeout", "-5 ms"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pipeline.buffer-timeout");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of("pipeline.side-buffer-timeout", "PT-5S"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pipeline.side-buffer-timeout")
                .hasMessageContaining("negative duration is not supported");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(base, Map.of("kafka.topics.decisions", " "))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kafka.topics.decisions is required");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "kafka.topics.decisions",
                                                        "in",
                                                        "kafka.topics.transactions",
                                                        "in"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "kafka.topics.decisions must differ from kafka.topics.transactions ('in')");
    }

    @Test
    void reasonCodesAreOnByDefaultCanBeTurnedOffAndANegativeCountIsReported() {
        Map<String, String> base =
                Map.of(
                        "kafka.bootstrap-servers",
                        "b:9092",
                        "iceberg.warehouse",
                        "/tmp/wh",
                        "model.dir",
                        "/m");
        PipelineConfig defaults = PipelineConfig.from(base);
        assertThat(defaults.scoringReasonsTop()).isEqualTo(3);
        assertThat(PipelineConfig.from(with(base, Map.of("scoring.reasons.top", "0"))))
                .extracting(PipelineConfig::scoringReasonsTop)
                .isEqualTo(0);
        assertThatThrownBy(
                        () -> PipelineConfig.from(with(base, Map.of("scoring.reasons.top", "-1"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scoring.reasons.top must not be negative");
        assertThatThrownBy(() -> PipelineConfig.from(with(base, Map.of("scoring.reasons", "3"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key 'scoring.reasons'");
    }

    private static Map<String, String> with(Map<String, String> base, Map<String, String> more) {
        Map<String, String> all = new java.util.HashMap<>(base);
        all.putAll(more);
        return all;
    }

    @Test
    void theConfluentFormatNeedsARegistryUrlWithoutCredentialsAndFormatsArePerTopic() {
        Map<String, String> base =
                Map.of(
                        "kafka.bootstrap-servers",
                        "b:9092",
                        "iceberg.warehouse",
                        "/tmp/wh",
                        "model.dir",
                        "/m");
        PipelineConfig defaults = PipelineConfig.from(base);
        assertThat(defaults.transactionsFormat())
                .isEqualTo(dev.weir.operators.wire.TopicFormat.SINGLE_OBJECT);
        assertThat(defaults.formats().anyConfluent()).isFalse();

        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "kafka.formats.transactions",
                                                        "confluent",
                                                        "kafka.formats.scores",
                                                        "confluent"))))
                .hasMessageContaining(
                        "schema-registry.url is required: kafka.formats.transactions,"
                                + " kafka.formats.scores are confluent");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "kafka.formats.labels",
                                                        "confluent",
                                                        "schema-registry.url",
                                                        "http://weir:secret@registry:8081"))))
                .hasMessageContaining("schema-registry.url must not carry credentials")
                .hasMessageNotContaining("secret@");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(base, Map.of("kafka.formats.dlq", "avro-confluent"))))
                .hasMessageContaining("kafka.formats.dlq")
                .hasMessageContaining("single-object")
                .hasMessageContaining("confluent");

        PipelineConfig mixed =
                PipelineConfig.from(
                        with(
                                base,
                                Map.of(
                                        "kafka.formats.transactions",
                                        "confluent",
                                        "schema-registry.url",
                                        "http://registry:8081/apis/ccompat/v7/")));
        assertThat(mixed.transactionsFormat())
                .isEqualTo(
                        dev.weir.operators.wire.TopicFormat.confluent(
                                "http://registry:8081/apis/ccompat/v7/"));
        assertThat(mixed.labelsFormat())
                .isEqualTo(dev.weir.operators.wire.TopicFormat.SINGLE_OBJECT);
        assertThat(mixed.scoresFormat())
                .isEqualTo(dev.weir.operators.wire.TopicFormat.SINGLE_OBJECT);
    }

    @Test
    void badMonitoringSettingsAreReportedTogether() {
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        Map.of(
                                                "kafka.bootstrap-servers", "b:9092",
                                                "iceberg.warehouse", "/tmp/wh",
                                                "model.dir", "/m",
                                                "quality.rules",
                                                        dir.resolve("missing.yaml").toString(),
                                                "drift.categorical-inputs", "country;planet",
                                                "fairness.attributes", "channel;colour",
                                                "fairness.min-count", "0",
                                                "monitoring.window", "10 ms")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quality.rules")
                .hasMessageContaining("'planet'")
                .hasMessageContaining("fairness.attributes: Transaction has no field 'colour'")
                .hasMessageContaining("fairness minimum count must be at least 1")
                .hasMessageContaining("monitoring.window");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        Map.of(
                                                "kafka.bootstrap-servrs", "x",
                                                "iceberg.catalog-type", "hive",
                                                "pipeline.checkpoint-interval", "20 min")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "unknown key 'kafka.bootstrap-servrs'; did you mean"
                                + " 'kafka.bootstrap-servers'?")
                .hasMessageContaining("kafka.bootstrap-servers is required")
                .hasMessageContaining("exactly one of model.dir and model.registry is required")
                .hasMessageContaining("iceberg.catalog-type must be one of")
                .hasMessageContaining("kafka.transaction-timeout");
    }

    @Test
    void unparsableValuesAreNamed() {
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        Map.of(
                                                "kafka.bootstrap-servers",
                                                "x",
                                                "model.dir",
                                                "m",
                                                "iceberg.warehouse",
                                                "w",
                                                "pipeline.parallelism",
                                                "two")))
                .hasMessageContaining("cannot parse");
    }

    @Test
    void catalogsAreCheckedForTheirWarehouseAndUri() {
        Map<String, String> base =
                Map.of("kafka.bootstrap-servers", "b:9092", "model.dir", "/models/m");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(base, Map.of("iceberg.warehouse", "s3://b/wh"))))
                .hasMessageContaining(
                        "iceberg.catalog-type hadoop commits by renaming a file, which s3:// cannot"
                                + " do atomically")
                .hasMessageContaining("use jdbc or rest");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        with(
                                                base,
                                                Map.of(
                                                        "iceberg.catalog-type", "jdbc",
                                                        "iceberg.uri", "postgres://db/iceberg"))))
                .hasMessageContaining("iceberg.warehouse is required")
                .hasMessageContaining("a JDBC URL");

        PipelineConfig jdbc =
                PipelineConfig.from(
                        with(
                                base,
                                Map.of(
                                        "iceberg.catalog-type", "jdbc",
                                        "iceberg.uri", "jdbc:postgresql://db/iceberg",
                                        "iceberg.warehouse", "s3://b/wh")));
        assertThat(jdbc.iceberg().warehouseOnS3()).isTrue();
        assertThat(jdbc.s3Endpoint()).isNull();
        assertThat(jdbc.s3PathStyleAccess()).isFalse();
        // A local warehouse keeps Hadoop's file IO unless an S3 endpoint is named.
        PipelineConfig local =
                PipelineConfig.from(with(base, Map.of("iceberg.warehouse", "/var/wh")));
        assertThat(local.iceberg().warehouseOnS3()).isFalse();
    }

    @Test
    void everyOptionLandsInItsOwnAccessor() throws Exception {
        Path features = referenceFeaturesFile();
        Map<String, String> settings = new java.util.HashMap<>();
        int table = 0;
        for (String name : WeirOptions.ICEBERG_WRITE.keySet()) {
            table++;
            settings.put("iceberg.write." + name + ".row-group-size", (10 + table) + " mb");
            settings.put("iceberg.write." + name + ".page-size", (100 + table) + " kb");
            settings.put("iceberg.write." + name + ".dict-size", (200 + table) + " kb");
            settings.put("iceberg.write." + name + ".target-file-size", (300 + table) + " mb");
        }
        settings.putAll(
                Map.ofEntries(
                        Map.entry("kafka.bootstrap-servers", "b1:9092"),
                        Map.entry("kafka.topics.transactions", "t.transactions"),
                        Map.entry("kafka.topics.scores", "t.scores"),
                        Map.entry("kafka.topics.decisions", "t.decisions"),
                        Map.entry("kafka.topics.entity-features", "t.entity-features"),
                        Map.entry("kafka.topics.dlq", "t.dlq"),
                        Map.entry("kafka.topics.model-control", "t.control"),
                        Map.entry("kafka.topics.labels", "t.labels"),
                        Map.entry("kafka.topics.monitoring", "t.monitoring"),
                        Map.entry("kafka.group-id", "group"),
                        Map.entry("kafka.transactional-id-prefix", "prefix"),
                        Map.entry("kafka.transaction-timeout", "11 min"),
                        Map.entry("kafka.starting-offsets", "latest"),
                        Map.entry("kafka.properties.client.dns.lookup", "use_all_dns_ips"),
                        Map.entry("kafka.producer.buffer-memory", "6 mb"),
                        Map.entry("kafka.formats.transactions", "confluent"),
                        Map.entry("kafka.formats.labels", "confluent"),
                        Map.entry("kafka.formats.scores", "confluent"),
                        Map.entry("kafka.formats.decisions", "confluent"),
                        Map.entry("kafka.formats.dlq", "confluent"),
                        Map.entry("kafka.formats.monitoring", "confluent"),
                        Map.entry("schema-registry.url", "http://registry:8081"),
                        Map.entry("iceberg.catalog-type", "rest"),
                        Map.entry("iceberg.warehouse", "s3://warehouse"),
                        Map.entry("iceberg.uri", "http://catalog:8181"),
                        Map.entry("iceberg.namespace", "ns"),
                        Map.entry("iceberg.maintenance.parallelism", "3"),
                        Map.entry("iceberg.maintenance.rate-limit", "2 min"),
                        Map.entry("iceberg.maintenance.rewrite.target-file-size", "256 mb"),
                        Map.entry("iceberg.maintenance.rewrite.commit-count", "20"),
                        Map.entry("iceberg.maintenance.rewrite.interval", "30 min"),
                        Map.entry("iceberg.maintenance.expire-snapshots.max-age", "6 h"),
                        Map.entry("iceberg.maintenance.expire-snapshots.retain-last", "50"),
                        Map.entry("iceberg.maintenance.expire-snapshots.commit-count", "30"),
                        Map.entry("iceberg.maintenance.expire-snapshots.interval", "2 h"),
                        Map.entry("iceberg.maintenance.orphan-files.min-age", "5 d"),
                        Map.entry("iceberg.maintenance.orphan-files.interval", "12 h"),
                        Map.entry("iceberg.s3.endpoint", "http://store:9000"),
                        Map.entry("iceberg.s3.path-style-access", "true"),
                        Map.entry("model.dir", "/models/m"),
                        Map.entry("model.name", "name"),
                        Map.entry("features.definitions", features.toString()),
                        Map.entry("features.ordering", "arrival"),
                        Map.entry("features.publish", "false"),
                        Map.entry("features.ordering-max-wait", "7 s"),
                        Map.entry("scoring.max-batch-size", "32"),
                        Map.entry("scoring.max-wait", "3 ms"),
                        Map.entry("scoring.reasons.top", "5"),
                        Map.entry("pipeline.checkpoint-interval", "20 s"),
                        Map.entry("pipeline.buffer-timeout", "4 ms"),
                        Map.entry("pipeline.side-buffer-timeout", "40 ms"),
                        Map.entry("pipeline.parallelism", "3"),
                        Map.entry("pipeline.watermark.out-of-orderness", "2 s"),
                        Map.entry("pipeline.watermark.idleness", "40 s"),
                        Map.entry("pipeline.watermark.alignment.max-drift", "50 s"),
                        Map.entry("pipeline.watermark.alignment.update-interval", "6 s"),
                        Map.entry("quality.rules", "none"),
                        Map.entry("governance.policy", "none"),
                        Map.entry("monitoring.window", "2 min"),
                        Map.entry("monitoring.allowed-lateness", "9 s"),
                        Map.entry("drift.categorical-inputs", "channel;country"),
                        Map.entry("drift.psi-alert", "0.3"),
                        Map.entry("drift.ks-alert", "0.2"),
                        Map.entry("drift.js-alert", "0.15"),
                        Map.entry("drift.min-samples", "300"),
                        Map.entry("labels.score-ttl", "2 d"),
                        Map.entry("labels.label-wait", "2 h"),
                        Map.entry("performance.min-auc", "0.7"),
                        Map.entry("performance.min-labels", "150"),
                        Map.entry("fairness.attributes", "channel;merchant_category"),
                        Map.entry("fairness.min-count", "50"),
                        Map.entry("fairness.max-values", "20"),
                        Map.entry("fairness.min-disparate-impact", "0.9")));
        // Every option but model.registry, which excludes model.dir: an option added later must be
        // added here. A map option's entries are keys under it.
        assertThat(
                        settings.keySet().stream()
                                .map(
                                        key ->
                                                key.startsWith(
                                                                WeirOptions.KAFKA_PROPERTIES.key()
                                                                        + ".")
                                                        ? WeirOptions.KAFKA_PROPERTIES.key()
                                                        : key)
                                .toList())
                .containsExactlyInAnyOrderElementsOf(
                        WeirOptions.ALL.stream()
                                .map(ConfigOption::key)
                                .filter(key -> !key.equals(WeirOptions.MODEL_REGISTRY.key()))
                                .collect(Collectors.toList()));

        PipelineConfig config = PipelineConfig.from(settings);

        assertThat(config.bootstrapServers()).isEqualTo("b1:9092");
        dev.weir.operators.wire.TopicFormat confluent =
                dev.weir.operators.wire.TopicFormat.confluent("http://registry:8081");
        assertThat(
                        List.of(
                                config.transactionsFormat(),
                                config.labelsFormat(),
                                config.scoresFormat(),
                                config.decisionsFormat(),
                                config.dlqFormat(),
                                config.monitoringFormat()))
                .containsOnly(confluent);
        assertThat(config.transactionsTopic()).isEqualTo("t.transactions");
        assertThat(config.scoresTopic()).isEqualTo("t.scores");
        assertThat(config.decisionsTopic()).isEqualTo("t.decisions");
        assertThat(config.dlqTopic()).isEqualTo("t.dlq");
        assertThat(config.controlTopic()).isEqualTo("t.control");
        assertThat(config.labelsTopic()).isEqualTo("t.labels");
        assertThat(config.monitoringTopic()).isEqualTo("t.monitoring");
        assertThat(config.groupId()).isEqualTo("group");
        assertThat(config.transactionalIdPrefix()).isEqualTo("prefix");
        assertThat(config.transactionTimeout()).isEqualTo(Duration.ofMinutes(11));
        assertThat(config.startingOffsets()).isEqualTo("latest");
        assertThat(config.kafkaProperties())
                .isEqualTo(Map.of("client.dns.lookup", "use_all_dns_ips"));
        assertThat(config.catalogType()).isEqualTo("rest");
        assertThat(config.warehouse()).isEqualTo("s3://warehouse");
        assertThat(config.catalogUri()).isEqualTo("http://catalog:8181");
        assertThat(config.namespace()).isEqualTo("ns");
        assertThat(config.maintenance())
                .isEqualTo(
                        new MaintenanceConfig(
                                3,
                                Duration.ofMinutes(2),
                                MemorySize.ofMebiBytes(256),
                                20,
                                Duration.ofMinutes(30),
                                Duration.ofHours(6),
                                50,
                                30,
                                Duration.ofHours(2),
                                Duration.ofDays(5),
                                Duration.ofHours(12)));
        assertThat(config.kafka().producerBufferMemory()).isEqualTo(MemorySize.ofMebiBytes(6));
        assertThat(config.iceberg().writes().keySet())
                .containsExactly("events", "scores", "features", "dlq", "monitoring");
        assertThat(config.iceberg().writes().get("features"))
                .isEqualTo(
                        new TableWriteConfig(
                                "features",
                                MemorySize.ofMebiBytes(13),
                                MemorySize.parse("103 kb"),
                                MemorySize.parse("203 kb"),
                                MemorySize.ofMebiBytes(303)));
        assertThat(config.s3Endpoint()).isEqualTo("http://store:9000");
        assertThat(config.s3PathStyleAccess()).isTrue();
        assertThat(config.modelDir()).isEqualTo("/models/m");
        assertThat(config.modelRegistry()).isNull();
        assertThat(config.modelName()).isEqualTo("name");
        assertThat(config.modelPointer())
                .isEqualTo(new ModelPointer(null, null, "/models/m", null));
        assertThat(config.featureDefinitions()).isEqualTo(features.toString());
        assertThat(config.featureOrdering()).isEqualTo(FeatureOrdering.ARRIVAL);
        assertThat(config.featureOrderingMaxWait()).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.scoringMaxBatchSize()).isEqualTo(32);
        assertThat(config.scoringMaxWait()).isEqualTo(Duration.ofMillis(3));
        assertThat(config.scoringReasonsTop()).isEqualTo(5);
        assertThat(config.checkpointInterval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.bufferTimeout()).isEqualTo(Duration.ofMillis(4));
        assertThat(config.parallelism()).isEqualTo(3);
        assertThat(config.outOfOrderness()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.idleness()).isEqualTo(Duration.ofSeconds(40));
        assertThat(config.alignmentMaxDrift()).isEqualTo(Duration.ofSeconds(50));
        assertThat(config.alignmentUpdateInterval()).isEqualTo(Duration.ofSeconds(6));
        assertThat(config.monitoring().qualityRules()).isEqualTo("none");
        assertThat(config.monitoring().governancePolicy()).isEqualTo("none");
        assertThat(config.monitoring().window()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.monitoring().allowedLateness()).isEqualTo(Duration.ofSeconds(9));
        assertThat(config.monitoring().categoricalInputs()).containsExactly("channel", "country");
        assertThat(config.monitoring().psiAlert()).isEqualTo(0.3);
        assertThat(config.monitoring().ksAlert()).isEqualTo(0.2);
        assertThat(config.monitoring().jsAlert()).isEqualTo(0.15);
        assertThat(config.monitoring().minSamples()).isEqualTo(300);
        assertThat(config.monitoring().scoreTtl()).isEqualTo(Duration.ofDays(2));
        assertThat(config.monitoring().labelWait()).isEqualTo(Duration.ofHours(2));
        assertThat(config.monitoring().minAuc()).isEqualTo(0.7);
        assertThat(config.monitoring().minLabels()).isEqualTo(150);
        assertThat(config.monitoring().fairness())
                .isEqualTo(
                        new dev.weir.models.fairness.FairnessSettings(
                                List.of("channel", "merchant_category"), 50, 20, 0.9));
        // Scores carry the drift inputs, then the fairness attributes not among them.
        assertThat(config.monitoring().monitoredInputs())
                .containsExactly("channel", "country", "merchant_category");
    }

    @Test
    void theFeatureSetAndTheChampionAreResolvedOnceWhenTheConfigIsBuilt() throws Exception {
        ModelRegistry registry = new ModelRegistry(dir.resolve("registry"));
        ModelBundle bundle = tinyModel();
        ModelPointer v1 = registry.register(bundle, null);
        ModelPointer v2 = registry.register(bundle, null);
        registry.promote(v1.name(), v1.version());
        Path features = referenceFeaturesFile();
        Map<String, String> settings =
                Map.of(
                        "kafka.bootstrap-servers", "b:9092",
                        "iceberg.warehouse", "/tmp/wh",
                        "model.registry", registry.root().toString(),
                        "model.name", v1.name(),
                        "features.definitions", features.toString());
        PipelineConfig config = PipelineConfig.from(settings);
        FeatureSet featureSet = config.featureSet();
        ModelPointer champion = config.modelPointer();

        // A promotion and an edited (here: broken) feature file after the config was built.
        registry.promote(v2.name(), v2.version());
        Files.writeString(features, "entities: not a list\n");

        assertThat(champion).isEqualTo(v1);
        assertThat(config.modelPointer()).isSameAs(champion);
        assertThat(featureSet.version()).isEqualTo(FeatureSets.reference().version());
        assertThat(config.featureSet()).isSameAs(featureSet);
        // A new config resolves anew: it sees both changes.
        assertThatThrownBy(() -> PipelineConfig.from(settings))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "features.definitions: feature definitions need a list 'entities'");
        assertThat(
                        PipelineConfig.from(with(settings, Map.of("features.definitions", "")))
                                .modelPointer())
                .isEqualTo(v2);
    }

    @Test
    void aRegistryWithoutChampionIsReportedWithTheOtherProblems() {
        Path registry = dir.resolve("empty-registry");
        assertThatThrownBy(
                        () ->
                                PipelineConfig.from(
                                        Map.of(
                                                "kafka.bootstrap-servers", "b:9092",
                                                "iceberg.warehouse", "/tmp/wh",
                                                "model.registry", registry.toString(),
                                                "monitoring.window", "10 ms")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "model.registry: model fraud-mlp in " + registry + " has no champion")
                .hasMessageContaining("monitoring.window");
    }

    /** The bundled reference feature set, as a file the config names. */
    private Path referenceFeaturesFile() throws Exception {
        Path file = dir.resolve("features.yaml");
        try (InputStream in =
                FeatureSets.class.getClassLoader().getResourceAsStream(FeatureSets.REFERENCE)) {
            Files.write(file, in.readAllBytes());
        }
        return file;
    }

    /** A small trained network: what the registry holds does not matter here, only its versions. */
    private static ModelBundle tinyModel() {
        Random random = new Random(8);
        int n = 200;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10 == 0;
            x[i] = new double[] {(y[i] ? 2 : 0) + random.nextGaussian()};
            t[i] = i;
        }
        return new Trainer(new TrainerConfig(List.of(2), 1, 0.01, 64, 0.2, 1L))
                .train("m", "x", List.of("f"), x, y, t);
    }

    @Test
    void missingFileIsAClearError() {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of()))
                .hasMessageContaining("configuration file not found");
    }
}
