package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.maintenance.MaintenanceWorkflow;
import dev.weir.jobs.maintenance.MaintenanceWorkflow.Maintained;
import dev.weir.jobs.pipeline.Catalogs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The maintenance job's graph: every operator has an explicit uid, the uids Iceberg derives are the
 * released ones (its savepoints map state by them), all five pipeline tables are maintained, and
 * the job runs with the settings it relies on.
 */
class MaintenanceJobTest {

    /**
     * The uids Iceberg 1.11 derives from a table's uid suffix ({@code %s}). An Iceberg release that
     * derives them otherwise would strand the maintenance job's state: this list fails first.
     */
    private static final List<String> UIDS_PER_TABLE =
            List.of(
                    "Monitor source for %s",
                    "Trigger manager%s",
                    "Watermark Assigner%s",
                    "Filter 0-%s",
                    "RDF PlannerRewriteDataFiles [0]_0_%s",
                    "RewriteRewriteDataFiles [0]_0_%s",
                    "Rewrite commitRewriteDataFiles [0]_0_%s",
                    "Rewrite aggregatorRewriteDataFiles [0]_0_%s",
                    "Filter 1-%s",
                    "Expire SnapshotExpireSnapshots [1]_1_%s",
                    "Delete fileExpireSnapshots [1]_1_%s",
                    "Filter 2-%s",
                    "Table PlannerDeleteOrphanFiles [2]_2_%s",
                    "Files ReaderDeleteOrphanFiles [2]_2_%s",
                    "List metadata FilesDeleteOrphanFiles [2]_2_%s",
                    "Filesystem FilesDeleteOrphanFiles [2]_2_%s",
                    "Filter FileDeleteOrphanFiles [2]_2_%s",
                    "Skip On ErrorDeleteOrphanFiles [2]_2_%s",
                    "Delete FileDeleteOrphanFiles [2]_2_%s",
                    "Orphan Files AggregatorDeleteOrphanFiles [2]_2_%s",
                    "lock-remover-%s");

    /** Released: changing one strands that table's maintenance state. */
    private static final List<Maintained> RELEASED =
            List.of(
                    new Maintained("events", "weir-maintenance-events"),
                    new Maintained("scores", "weir-maintenance-scores"),
                    new Maintained("dlq", "weir-maintenance-dlq"),
                    new Maintained("features", "weir-maintenance-features"),
                    new Maintained("monitoring", "weir-maintenance-monitoring"));

    @TempDir Path dir;

    @Test
    void everyPipelineTableIsMaintainedByOperatorsWithTheReleasedUids() {
        StreamGraph graph = production(Map.of());
        assertThat(MaintenanceWorkflow.PIPELINE_TABLES).isEqualTo(RELEASED);

        List<String> expected = new ArrayList<>();
        for (Maintained table : RELEASED) {
            UIDS_PER_TABLE.forEach(uid -> expected.add(uid.formatted(table.uidSuffix())));
        }
        assertThat(uids(graph)).containsExactlyInAnyOrderElementsOf(expected);
        // Each source watches its own table (catalog "weir", namespace "weir").
        assertThat(graph.getStreamNodes())
                .extracting(StreamNode::getOperatorName)
                .filteredOn(name -> name.contains("Monitor source for "))
                .extracting(name -> name.substring(name.indexOf(" for ") + 5))
                .containsExactlyInAnyOrder(
                        "weir.weir.events",
                        "weir.weir.scores",
                        "weir.weir.dlq",
                        "weir.weir.features",
                        "weir.weir.monitoring");
    }

    @Test
    void theJobAllowsGenericTypesChecksUidsAndRunsAtItsOwnParallelism() {
        StreamGraph graph =
                production(
                        Map.of(
                                "iceberg.maintenance.rate-limit", "30 s",
                                "iceberg.maintenance.parallelism", "3",
                                "pipeline.parallelism", "8"));
        // Iceberg's maintenance records and state use Kryo: allowed in this job only.
        assertThat(graph.getExecutionConfig().getSerializerConfig().hasGenericTypesDisabled())
                .isFalse();
        assertThat(graph.getJobConfiguration().get(PipelineOptions.AUTO_GENERATE_UIDS)).isFalse();
        assertThat(graph.getCheckpointConfig().getCheckpointInterval())
                .isEqualTo(Duration.ofSeconds(30).toMillis());
        assertThat(graph.getCheckpointConfig().getTolerableCheckpointFailureNumber())
                .isEqualTo(Integer.MAX_VALUE);
        // With auto-generated uids off, building the job graph fails on any operator without one.
        JobGraph job = graph.getJobGraph();
        assertThat(job.getVertices()).isNotEmpty();
        assertThat(job.getVertices())
                .extracting(v -> v.getParallelism())
                .containsOnly(1, 3)
                .contains(3);
        assertThat(graph.getJobConfiguration().get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER))
                .isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void aTableIsMaintainedOnceUnderASuffixOfItsOwn() {
        PipelineConfig config = config(Map.of());
        var catalog = Catalogs.loader(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(
                        () ->
                                MaintenanceWorkflow.define(
                                        env,
                                        config,
                                        catalog,
                                        List.of(
                                                new Maintained("events", "a"),
                                                new Maintained("scores", "a"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("under a uid suffix of its own");
    }

    @Test
    void refusesAHadoopCatalogOnAnObjectStore() {
        // The configuration itself refuses object stores for the hadoop catalog.
        assertThatThrownBy(() -> config(Map.of("iceberg.warehouse", "s3a://bucket/warehouse")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use jdbc or rest for a warehouse on an object store");
    }

    @Test
    void refusesAHadoopCatalogOnAFileSystemWithoutAnAtomicRename() {
        PipelineConfig config = config(Map.of("iceberg.warehouse", "ftp://host/warehouse"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> MaintenanceJob.build(env, config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("iceberg.warehouse ftp://host/warehouse")
                .hasMessageContaining("iceberg.catalog-type: jdbc or rest");
    }

    private StreamGraph production(Map<String, String> extra) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        MaintenanceJob.build(env, config(extra));
        return env.getStreamGraph();
    }

    private PipelineConfig config(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "127.0.0.1:9");
        settings.put("iceberg.warehouse", dir.resolve("warehouse").toString());
        settings.put("model.dir", dir.resolve("model").toString());
        settings.putAll(extra);
        return PipelineConfig.from(settings);
    }

    private static List<String> uids(StreamGraph graph) {
        List<String> uids = new ArrayList<>();
        for (StreamNode node : graph.getStreamNodes()) {
            assertThat(node.getTransformationUID())
                    .as("uid of '%s'", node.getOperatorName())
                    .isNotBlank();
            uids.add(node.getTransformationUID());
        }
        assertThat(uids).doesNotHaveDuplicates();
        return uids;
    }
}
