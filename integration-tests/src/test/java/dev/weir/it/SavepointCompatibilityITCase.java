package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.Uids;
import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.operators.iceberg.WeirTables;
import dev.weir.schemas.Transaction;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.catalog.Catalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Releases stay upgradable: the state layout of the previous release (operator uids, maximum
 * parallelism, state names and kinds, serializers and Avro writer schemas, kept as text in {@code
 * upgrade/previous-release.json}) must restore into the pipeline as built now. The current layout
 * is read from a real savepoint of the full pipeline and written to {@code
 * target/state-layout/current.json}, which becomes the file in test resources at a release.
 */
class SavepointCompatibilityITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = TestEnvironment.miniCluster();

    private static final String PREVIOUS = "/upgrade/previous-release.json";
    private static final int EVENTS = 400;

    @TempDir Path dir;

    @Test
    void thePreviousReleasesStateRestoresIntoThisBuild() throws Exception {
        StateLayout current = layoutOfASavepoint();
        current.write(
                Path.of("target", "state-layout", "current.json"),
                System.getProperty("weir.version", "unknown"));

        // The reading is not vacuous: the stateful operators are there with the states they keep.
        ObjectNode operators = current.operators();
        assertThat(
                        operators
                                .get(Uids.FEATURES + "-account")
                                .get("states")
                                .has("keyed:" + EntityFeatureStage.STATE_NAME))
                .isTrue();
        assertThat(operators.get(Uids.LABEL_JOIN).get("states").has("keyed:waiting-score"))
                .isTrue();
        assertThat(operators.get(Uids.DEDUPLICATE).get("states").has("keyed:seen-ids")).isTrue();
        assertThat(operators.get(Uids.SCORE).get("states").has("broadcast:model-pointer")).isTrue();
        assertThat(operators.get(Uids.MONITOR_DRIFT + "-report").toString())
                .contains("dev.weir.schemas.MonitoringPartial");
        assertThat(operators.has(Uids.SOURCE_TRANSACTIONS)).isTrue();

        StateLayout previous;
        try (InputStream in = getClass().getResourceAsStream(PREVIOUS)) {
            assertThat(in)
                    .as("%s (copy target/state-layout/current.json there at a release)", PREVIOUS)
                    .isNotNull();
            previous = StateLayout.read(in);
        }
        assertThat(current.problemsRestoring(previous))
                .as("restoring the previous release's savepoint")
                .isEmpty();

        // And the check does catch what would break an upgrade.
        assertThat(StateLayout.read(current.json()).problemsRestoring(current)).isEmpty();
        StateLayout renamed =
                current.edited(
                        o ->
                                ((ObjectNode) o.get(Uids.LABEL_JOIN).get("states"))
                                        .set(
                                                "keyed:waiting-score-v2",
                                                ((ObjectNode) o.get(Uids.LABEL_JOIN).get("states"))
                                                        .remove("keyed:waiting-score")));
        assertThat(renamed.problemsRestoring(current))
                .containsExactly(
                        "operator "
                                + Uids.LABEL_JOIN
                                + ": state keyed:waiting-score is gone, so its values are lost");
        StateLayout regrouped =
                current.edited(
                        o ->
                                ((ObjectNode) o.get(Uids.FEATURES + "-account"))
                                        .put("maxParallelism", 256));
        assertThat(regrouped.problemsRestoring(current))
                .singleElement()
                .asString()
                .contains("maximum parallelism");
        // Transaction ids are written through BufferedSerializer: restorable from Flink's string
        // serializer, but not back (a plain serializer does not know the buffered snapshot).
        assertThat(operators.get(Uids.LABEL_JOIN).get("key").path("buffered").asBoolean()).isTrue();
        StateLayout unbuffered =
                current.edited(
                        o -> ((ObjectNode) o.get(Uids.LABEL_JOIN).get("key")).remove("buffered"));
        assertThat(unbuffered.problemsRestoring(current))
                .singleElement()
                .asString()
                .contains("no longer buffered");
        StateLayout withAStatelessOperator =
                current.edited(
                        o ->
                                o.putObject("weir-stateless")
                                        .put("maxParallelism", 128)
                                        .put("coordinatorState", false)
                                        .putObject("states"));
        assertThat(current.problemsRestoring(withAStatelessOperator))
                .as("an operator without state may go")
                .isEmpty();
        StateLayout uidless = current.edited(o -> o.remove(Uids.DEDUPLICATE));
        assertThat(uidless.problemsRestoring(current))
                .containsExactly(
                        "operator " + Uids.DEDUPLICATE + " is gone: its state cannot be restored");
        // A field added without a default cannot be filled in from records written before it.
        StateLayout older =
                current.edited(
                        o ->
                                StateLayout.avroSchemas(o.get(Uids.LABEL_JOIN))
                                        .forEach(
                                                schema ->
                                                        ((com.fasterxml.jackson.databind.node
                                                                                .ArrayNode)
                                                                        schema.get("fields"))
                                                                .remove(0)));
        assertThat(current.problemsRestoring(older))
                .isNotEmpty()
                .allSatisfy(p -> assertThat(p).contains("cannot read the old records"));
    }

    /** Runs the full pipeline on a little traffic and stops it with a canonical savepoint. */
    private StateLayout layoutOfASavepoint() throws Exception {
        String suffix = TestEnvironment.uniqueName("upgrade");
        Map<String, String> settings =
                TestEnvironment.settings(suffix, dir.resolve("warehouse"), TestEnvironment.model());
        PipelineConfig config = PipelineConfig.from(settings);
        TestEnvironment.kafka()
                .createTopics(
                        2,
                        config.transactionsTopic(),
                        config.scoresTopic(),
                        config.dlqTopic(),
                        config.controlTopic());
        var catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        WeirTables.ensure(catalog, config.namespace());
        TransactionGenerator generator = new TransactionGenerator(5L, 50, 0.03);
        long start = System.currentTimeMillis() - 3_600_000L;
        List<Transaction> events = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            events.add(generator.next(start + i * 1_000L).transaction());
        }
        TestEnvironment.send(config.transactionsTopic(), events);

        JobClient job =
                TestEnvironment.pipeline(config, catalogLoader, false, null)
                        .executeAsync("upgrade-" + suffix);
        Eventually.rows(
                catalog, config.namespace(), WeirTables.SCORES, EVENTS / 2, Duration.ofMinutes(2));
        String savepoint =
                job.stopWithSavepoint(
                                false,
                                dir.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(2, TimeUnit.MINUTES);
        return StateLayout.ofSavepoint(
                Path.of(java.net.URI.create(savepoint)), getClass().getClassLoader());
    }
}
