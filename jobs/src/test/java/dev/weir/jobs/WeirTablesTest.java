package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.operators.iceberg.WeirTables;
import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every commit writes a metadata file: the pipeline's tables delete the old ones, whether created
 * now or by an earlier release. Their writers buffer data files as the configuration says, on new
 * tables and on those an earlier release created, which also get the columns added since.
 */
class WeirTablesTest {

    private static final String DELETE_OLD_METADATA =
            TableProperties.METADATA_DELETE_AFTER_COMMIT_ENABLED;

    @TempDir Path dir;

    @Test
    void tablesDeleteTheirOldMetadataFilesUnlessTheySayOtherwise() {
        HadoopCatalog catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), dir.toString());
        catalog.createNamespace(Namespace.of("weir"));
        // Two tables an earlier release created: one without the property, one that turned it off.
        catalog.createTable(
                TableIdentifier.of("weir", WeirTables.EVENTS),
                WeirTables.EVENTS_SCHEMA,
                PartitionSpec.unpartitioned(),
                Map.of("format-version", "2"));
        catalog.createTable(
                TableIdentifier.of("weir", WeirTables.SCORES),
                WeirTables.SCORES_SCHEMA,
                PartitionSpec.unpartitioned(),
                Map.of("format-version", "2", DELETE_OLD_METADATA, "false"));

        WeirTables.ensure(catalog, "weir");

        assertThat(property(catalog, WeirTables.EVENTS)).isEqualTo("true");
        assertThat(property(catalog, WeirTables.SCORES)).isEqualTo("false");
        for (String created : new String[] {WeirTables.DLQ, WeirTables.FEATURES}) {
            assertThat(property(catalog, created)).isEqualTo("true");
        }
        // Nothing left to change: a second start commits nothing.
        Table events = catalog.loadTable(TableIdentifier.of("weir", WeirTables.EVENTS));
        String metadata = location(events);
        WeirTables.ensure(catalog, "weir");
        assertThat(location(catalog.loadTable(TableIdentifier.of("weir", WeirTables.EVENTS))))
                .isEqualTo(metadata);
    }

    @Test
    void writeBuffersOfTheConfigurationAreSetOnNewAndExistingTables() throws Exception {
        HadoopCatalog catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), dir.toString());
        catalog.createNamespace(Namespace.of("weir"));
        // A table of an earlier release: Iceberg's write defaults, hash distribution set by hand.
        catalog.createTable(
                TableIdentifier.of("weir", WeirTables.SCORES),
                WeirTables.SCORES_SCHEMA,
                WeirTables.partitionSpec(WeirTables.SCORES),
                Map.of("format-version", "2", TableProperties.WRITE_DISTRIBUTION_MODE, "hash"));
        PipelineConfig config =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers",
                                "127.0.0.1:9",
                                "iceberg.warehouse",
                                dir.toString(),
                                "model.dir",
                                dir.resolve("model").toString(),
                                "iceberg.write.scores.row-group-size",
                                "2 mb"));

        Catalogs.ensureTables(catalog, config);

        Map<String, String> scores = properties(catalog, WeirTables.SCORES);
        assertThat(scores)
                .containsEntry(
                        TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, String.valueOf(2 << 20))
                .containsEntry(TableProperties.PARQUET_DICT_SIZE_BYTES, String.valueOf(256 << 10))
                .containsEntry(TableProperties.WRITE_DISTRIBUTION_MODE, "hash");
        for (String table : config.iceberg().writes().keySet()) {
            assertThat(properties(catalog, table))
                    .as(table)
                    .containsAllEntriesOf(config.iceberg().tableProperties().get(table));
        }
        assertThat(properties(catalog, WeirTables.EVENTS))
                .containsEntry(TableProperties.WRITE_DISTRIBUTION_MODE, "none")
                .containsEntry(
                        TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, String.valueOf(8 << 20));

        // The same configuration again changes nothing; another value reaches the table.
        String metadata = location(catalog.loadTable(TableIdentifier.of("weir", WeirTables.DLQ)));
        Catalogs.ensureTables(catalog, config);
        assertThat(location(catalog.loadTable(TableIdentifier.of("weir", WeirTables.DLQ))))
                .isEqualTo(metadata);
        PipelineConfig changed =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers",
                                "127.0.0.1:9",
                                "iceberg.warehouse",
                                dir.toString(),
                                "model.dir",
                                dir.resolve("model").toString(),
                                "iceberg.write.dlq.page-size",
                                "128 kb"));
        Catalogs.ensureTables(catalog, changed);
        assertThat(properties(catalog, WeirTables.DLQ))
                .containsEntry(TableProperties.PARQUET_PAGE_SIZE_BYTES, String.valueOf(128 << 10));
        assertThat(properties(catalog, WeirTables.SCORES))
                .containsEntry(
                        TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES, String.valueOf(8 << 20));
    }

    private static Map<String, String> properties(HadoopCatalog catalog, String table) {
        return catalog.loadTable(TableIdentifier.of("weir", table)).properties();
    }

    @Test
    void aScoresTableOfThePreviousReleaseGetsTheReasonsColumnAtStart() {
        HadoopCatalog catalog =
                new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), dir.toString());
        catalog.createNamespace(Namespace.of("weir"));
        // The scores table as the release before reason codes created it.
        Schema previous =
                new Schema(
                        WeirTables.SCORES_SCHEMA.columns().stream()
                                .filter(c -> !c.name().equals("reasons"))
                                .toList());
        TableIdentifier scores = TableIdentifier.of("weir", WeirTables.SCORES);
        catalog.createTable(
                scores,
                previous,
                WeirTables.partitionSpec(WeirTables.SCORES),
                WeirTables.TABLE_PROPERTIES);

        PipelineConfig config =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers",
                                "127.0.0.1:9",
                                "iceberg.warehouse",
                                dir.toString(),
                                "model.dir",
                                dir.resolve("model").toString()));

        Catalogs.ensureTables(catalog, config);

        Table table = catalog.loadTable(scores);
        Schema evolved = table.schema();
        assertThat(evolved.columns()).hasSize(WeirTables.SCORES_SCHEMA.columns().size());
        Types.NestedField reasons = evolved.findField("reasons");
        assertThat(reasons.isOptional()).isTrue();
        assertThat(reasons.type().asListType().elementType().asStructType().fields())
                .extracting(Types.NestedField::name, f -> f.type().typeId())
                .containsExactly(
                        tuple("feature", Type.TypeID.STRING),
                        tuple("contribution", Type.TypeID.DOUBLE));
        // The sink writes rows built for the current schema into the table's: same shape, in order.
        assertThat(FlinkSchemaUtil.convert(evolved).toString())
                .isEqualTo(FlinkSchemaUtil.convert(WeirTables.SCORES_SCHEMA).toString());
        // The same start also sets the table's write properties.
        assertThat(table.properties())
                .containsAllEntriesOf(config.iceberg().tableProperties().get(WeirTables.SCORES));
        // A second start finds nothing to add.
        String metadata = location(table);
        Catalogs.ensureTables(catalog, config);
        assertThat(location(catalog.loadTable(scores))).isEqualTo(metadata);
    }

    private static String property(HadoopCatalog catalog, String table) {
        return catalog.loadTable(TableIdentifier.of("weir", table))
                .properties()
                .get(DELETE_OLD_METADATA);
    }

    private static String location(Table table) {
        return ((org.apache.iceberg.HasTableOperations) table)
                .operations()
                .current()
                .metadataFileLocation();
    }
}
