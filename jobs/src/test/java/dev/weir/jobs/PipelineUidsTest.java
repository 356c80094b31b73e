package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.PipelineSources;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.jobs.pipeline.Uids;
import dev.weir.operators.iceberg.WeirTables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The build check that savepoints stay restorable: every operator of the production topology,
 * sources and sinks included, has an explicit uid, no two share one, and no type falls back to
 * Kryo. Savepoints map state to operators by these uids; a generated one would change with the
 * topology and strand the state.
 */
class PipelineUidsTest {

    @TempDir Path dir;

    private PipelineConfig config() {
        return PipelineConfig.from(
                Map.of(
                        "kafka.bootstrap-servers", "127.0.0.1:9",
                        "iceberg.warehouse", dir.resolve("warehouse").toString(),
                        "model.dir", dir.resolve("model").toString()));
    }

    private StreamGraph productionGraph(PipelineConfig config) {
        var catalog = Catalogs.loader(config);
        WeirTables.ensure(catalog.loadCatalog(), config.namespace());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipelineWorkflow.define(
                env,
                config,
                PipelineSources.kafka(config, false),
                new KafkaIcebergSinks(config, catalog));
        return env.getStreamGraph();
    }

    /**
     * The operators a payment passes before scoring flush their buffers at the pipeline's buffer
     * timeout (10 ms), every other operator at the side timeout (100 ms): each output has a thread
     * waking up at its timeout.
     */
    @Test
    void onlyTheDecisionPathFlushesAtThePipelinesBufferTimeout() {
        StreamGraph graph = productionGraph(config());
        List<String> decisionPath = new ArrayList<>();
        for (StreamNode node : graph.getStreamNodes()) {
            if (node.getBufferTimeout() == 10) {
                decisionPath.add(node.getOperatorName());
            } else {
                assertThat(node.getBufferTimeout())
                        .as("buffer timeout of '%s'", node.getOperatorName())
                        .isEqualTo(100);
            }
        }
        assertThat(decisionPath)
                .containsExactlyInAnyOrder(
                        "Source: Kafka weir.transactions",
                        "Decode, check quality, govern",
                        "Duplicate transaction ids (1h)",
                        "Feature vector 3687cf1d3bc72e4f",
                        "Features: account",
                        "Features: merchant",
                        "Features: device");
    }

    @Test
    void everyOperatorHasItsOwnExplicitUid() {
        PipelineConfig config = config();
        StreamGraph graph = productionGraph(config);
        List<String> uids = new ArrayList<>();
        for (StreamNode node : graph.getStreamNodes()) {
            assertThat(node.getTransformationUID())
                    .as("uid of '%s'", node.getOperatorName())
                    .isNotBlank();
            uids.add(node.getTransformationUID());
        }
        assertThat(uids).hasSizeGreaterThan(30).doesNotHaveDuplicates();
        assertThat(uids).contains(Uids.SINK_SCORES_KAFKA, Uids.SINK_DECISIONS_KAFKA);
        // Fairness monitoring is on by default (country and channel).
        assertThat(uids)
                .contains(Uids.MONITOR_FAIRNESS + "-partial", Uids.MONITOR_FAIRNESS + "-report");
        // With pipeline.auto-generate-uid off (the workflow sets it), building the job graph fails
        // on any operator without a uid.
        assertThat(graph.getJobGraph().getVertices()).isNotEmpty();
        // Chained consumers share records (the operators never change a record they received).
        assertThat(graph.getExecutionConfig().isObjectReuseEnabled()).isTrue();
        // No Kryo: Flink refuses any generic type while building the job graph above, so every
        // record and state type of the pipeline restores across releases.
        assertThat(graph.getExecutionConfig().getSerializerConfig().hasGenericTypesDisabled())
                .isTrue();
        // The Iceberg writers close their files at every checkpoint on their task's thread: in
        // a task of their own, never holding up scoring and the decisions.
        for (org.apache.flink.runtime.jobgraph.JobVertex vertex :
                graph.getJobGraph().getVertices()) {
            if (vertex.getName().contains("Iceberg")) {
                assertThat(vertex.getName())
                        .as("a task with an Iceberg writer")
                        .doesNotContain("Score (DL4J")
                        .doesNotContain("Duplicate transaction ids")
                        .doesNotContain("Features: ");
            }
        }
        // The exactly-once scores writer opens a transaction at every checkpoint and its
        // committer commits one, each a round trip to the broker on their task's thread: not
        // the thread that scores and sends the decisions.
        org.apache.flink.runtime.jobgraph.JobVertex scoring =
                graph.getJobGraph().getVerticesSortedTopologicallyFromSources().stream()
                        .filter(v -> v.getName().contains("Score (DL4J"))
                        .findFirst()
                        .orElseThrow();
        assertThat(scoring.getName())
                .contains("Kafka " + config.decisionsTopic() + " (decisions")
                .doesNotContain("Kafka " + config.scoresTopic() + ":");
        assertThat(graph.getJobGraph().getVertices())
                .anySatisfy(
                        v ->
                                assertThat(v.getName())
                                        .contains("Kafka " + config.scoresTopic() + ": Writer")
                                        .contains(
                                                "Iceberg "
                                                        + config.namespace()
                                                        + "."
                                                        + WeirTables.SCORES
                                                        + ": Writer"));
        // Table maintenance is a job of its own (MaintenanceJob), never part of this graph.
        // (Iceberg ends every maintenance graph with a lock remover.)
        assertThat(uids).noneMatch(uid -> uid.contains("lock-remover"));
    }
}
