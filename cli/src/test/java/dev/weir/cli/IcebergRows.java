package dev.weir.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.AppendFiles;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/** Rows written into a real Iceberg table as the pipeline lays them out. */
public final class IcebergRows {

    private IcebergRows() {}

    /**
     * Appends {@code rows} in one snapshot: one Parquet file per partition of the table's spec (the
     * pipeline's day partitions, or one file for an unpartitioned table).
     */
    public static void append(Table table, List<Record> rows) {
        GenericAppenderFactory factory = new GenericAppenderFactory(table.schema(), table.spec());
        OutputFileFactory files =
                OutputFileFactory.builderFor(table, 1, System.nanoTime())
                        .format(FileFormat.PARQUET)
                        .build();
        InternalRecordWrapper wrapper = new InternalRecordWrapper(table.schema().asStruct());
        Map<PartitionKey, List<Record>> byPartition = new LinkedHashMap<>();
        for (Record row : rows) {
            PartitionKey key = new PartitionKey(table.spec(), table.schema());
            key.partition(wrapper.wrap(row));
            byPartition.computeIfAbsent(key, k -> new ArrayList<>()).add(row);
        }
        AppendFiles append = table.newAppend();
        for (Map.Entry<PartitionKey, List<Record>> partition : byPartition.entrySet()) {
            PartitionKey key = partition.getKey();
            DataWriter<Record> writer =
                    table.spec().isUnpartitioned()
                            ? factory.newDataWriter(files.newOutputFile(), FileFormat.PARQUET, null)
                            : factory.newDataWriter(
                                    files.newOutputFile(table.spec(), key),
                                    FileFormat.PARQUET,
                                    key);
            try (writer) {
                for (Record row : partition.getValue()) {
                    writer.write(row);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            append.appendFile(writer.toDataFile());
        }
        append.commit();
    }
}
