package dev.weir.jobs.config;

import dev.weir.operators.iceberg.WeirTables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.iceberg.TableProperties;

/**
 * How the pipeline's Iceberg writers buffer one table's data files: what each open file may hold on
 * the TaskManager's heap before Parquet writes it out. Set on the table as Iceberg properties
 * ({@link #tableProperties()}), which every writer of the table reads: the pipeline's sink, the
 * maintenance job's compaction, the backfill. Part of {@link IcebergConfig}.
 *
 * @param rowGroupSize the compressed pages a file buffers before it writes them as a row group
 * @param pageSize the values a column buffers before they become a page
 * @param dictSize the largest dictionary a column keeps before it falls back to plain encoding
 * @param targetFileSize the size at which a writer closes its file and starts another
 */
public record TableWriteConfig(
        String table,
        MemorySize rowGroupSize,
        MemorySize pageSize,
        MemorySize dictSize,
        MemorySize targetFileSize) {

    /**
     * How often, in rows, a dead-letter file checks its buffered size against the row group.
     * Parquet checks every 100 to 10,000 rows by default, which is fine for rows of a few hundred
     * bytes; a dead letter holds the raw record, up to Kafka's 1 MB, so a row group could overshoot
     * by up to 100 MB before the check. Every few rows the overshoot is a few of them.
     */
    static final int DLQ_ROW_GROUP_CHECK_ROWS = 4;

    /** Iceberg reads these sizes as Java ints. */
    private static final long INT_LIMIT = Integer.MAX_VALUE;

    /** Reads the {@code iceberg.write.<table>.*} options of every pipeline table. */
    static Map<String, TableWriteConfig> from(Configuration conf) {
        Map<String, TableWriteConfig> writes = new LinkedHashMap<>();
        WeirOptions.ICEBERG_WRITE.forEach(
                (table, options) ->
                        writes.put(
                                table,
                                new TableWriteConfig(
                                        table,
                                        conf.get(options.rowGroupSize()),
                                        conf.get(options.pageSize()),
                                        conf.get(options.dictSize()),
                                        conf.get(options.targetFileSize()))));
        return java.util.Collections.unmodifiableMap(writes);
    }

    /** The Iceberg table properties these sizes are. */
    public Map<String, String> tableProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(
                TableProperties.PARQUET_ROW_GROUP_SIZE_BYTES,
                String.valueOf(rowGroupSize.getBytes()));
        properties.put(
                TableProperties.PARQUET_PAGE_SIZE_BYTES, String.valueOf(pageSize.getBytes()));
        properties.put(
                TableProperties.PARQUET_DICT_SIZE_BYTES, String.valueOf(dictSize.getBytes()));
        properties.put(
                TableProperties.WRITE_TARGET_FILE_SIZE_BYTES,
                String.valueOf(targetFileSize.getBytes()));
        if (table.equals(WeirTables.DLQ)) {
            properties.put(TableProperties.PARQUET_ROW_GROUP_CHECK_MIN_RECORD_COUNT, "1");
            properties.put(
                    TableProperties.PARQUET_ROW_GROUP_CHECK_MAX_RECORD_COUNT,
                    String.valueOf(DLQ_ROW_GROUP_CHECK_ROWS));
        }
        return properties;
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        WeirOptions.TableWriteOptions options = WeirOptions.ICEBERG_WRITE.get(table);
        Map<ConfigOption<MemorySize>, MemorySize> sizes = new LinkedHashMap<>();
        sizes.put(options.rowGroupSize(), rowGroupSize);
        sizes.put(options.pageSize(), pageSize);
        sizes.put(options.dictSize(), dictSize);
        sizes.put(options.targetFileSize(), targetFileSize);
        sizes.forEach(
                (option, size) -> {
                    if (size.getBytes() < 1024) {
                        problems.add(option.key() + " must be at least 1 kb, got " + size);
                    } else if (option != options.targetFileSize() && size.getBytes() > INT_LIMIT) {
                        problems.add(option.key() + " must be below 2 gb, got " + size);
                    }
                });
        if (pageSize.compareTo(rowGroupSize) > 0) {
            problems.add(
                    options.pageSize().key()
                            + " ("
                            + pageSize
                            + ") must not exceed "
                            + options.rowGroupSize().key()
                            + " ("
                            + rowGroupSize
                            + ")");
        }
        return problems;
    }
}
