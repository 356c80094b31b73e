package dev.weir.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.iceberg.WeirTables;
import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every commit writes a metadata file: the pipeline's tables delete the old ones, whether created
 * now or by an earlier release.
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
