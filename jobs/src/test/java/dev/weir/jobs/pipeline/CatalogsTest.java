package dev.weir.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.iceberg.WeirTables;
import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jdbc catalog, on a SQLite database: Weir's tables, and commits seen by another catalog. */
class CatalogsTest {

    @TempDir Path dir;

    @Test
    void aJdbcCatalogHoldsTheTablesAndSeesCommitsOfAnotherProcess() {
        PipelineConfig config =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers", "b:9092",
                                "model.dir", "/models/m",
                                "iceberg.catalog-type", "jdbc",
                                "iceberg.uri", "jdbc:sqlite:" + dir.resolve("catalog.db"),
                                "iceberg.warehouse", dir.resolve("warehouse").toString()));
        Catalog writer = Catalogs.loader(config).loadCatalog();
        assertThat(writer).isInstanceOf(Catalogs.EnvironmentJdbcCatalog.class);
        WeirTables.ensure(writer, config.namespace());

        Table scores = writer.loadTable(TableIdentifier.of(config.namespace(), WeirTables.SCORES));
        DataFile file =
                DataFiles.builder(PartitionSpec.unpartitioned())
                        .withPath(dir.resolve("warehouse").resolve("f.parquet").toString())
                        .withFileSizeInBytes(10)
                        .withRecordCount(3)
                        .withFormat("parquet")
                        .build();
        Table unpartitioned =
                writer.buildTable(TableIdentifier.of(config.namespace(), "probe"), scores.schema())
                        .create();
        unpartitioned.newAppend().appendFile(file).commit();

        Catalog reader = Catalogs.loader(config).loadCatalog();
        assertThat(reader.listTables(org.apache.iceberg.catalog.Namespace.of(config.namespace())))
                .extracting(TableIdentifier::name)
                .contains(WeirTables.EVENTS, WeirTables.SCORES, WeirTables.DLQ, "probe");
        Table seen = reader.loadTable(TableIdentifier.of(config.namespace(), "probe"));
        assertThat(seen.currentSnapshot().summary()).containsEntry("added-records", "3");
    }
}
