package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.DataFiles;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;

/**
 * A process that commits to one table as fast as it can, beside another doing the same: {@code
 * WAREHOUSE TABLE NAME COUNT GO_FILE}. Each commit appends one data file of its own (metadata only:
 * no file is written); waits for {@code GO_FILE} to exist so that both processes start together.
 */
public final class ConcurrentAppends {

    private ConcurrentAppends() {}

    public static void main(String[] args) throws Exception {
        Path warehouse = Path.of(args[0]);
        String name = args[2];
        int count = Integer.parseInt(args[3]);
        Path go = Path.of(args[4]);
        PipelineConfig config =
                PipelineConfig.from(
                        Map.of(
                                "kafka.bootstrap-servers", "127.0.0.1:9",
                                "iceberg.warehouse", warehouse.toString(),
                                "model.dir", warehouse.resolve("model").toString()));
        Table table =
                Catalogs.loader(config)
                        .loadCatalog()
                        .loadTable(TableIdentifier.of(config.namespace(), args[1]));
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) {
            Thread.onSpinWait();
        }
        for (int i = 0; i < count; i++) {
            DataFile file =
                    DataFiles.builder(PartitionSpec.unpartitioned())
                            .withPath(warehouse.resolve(name + "-" + i + ".parquet").toString())
                            .withFileSizeInBytes(1)
                            .withRecordCount(1)
                            .build();
            table.newFastAppend().appendFile(file).commit();
        }
        System.out.println("committed " + count);
    }
}
