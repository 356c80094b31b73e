package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weir.cli.train.PointInTimeTrainingSet;
import dev.weir.jobs.MaintenanceJob;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.maintenance.MaintenanceWorkflow;
import dev.weir.jobs.maintenance.MaintenanceWorkflow.Maintained;
import dev.weir.jobs.pipeline.Catalogs;
import dev.weir.jobs.pipeline.KafkaIcebergSinks;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.operators.iceberg.WeirTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.DataOperations;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.SnapshotSummary;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.types.Types.IntegerType;
import org.apache.iceberg.types.Types.LongType;
import org.apache.iceberg.types.Types.NestedField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Table maintenance as a job of its own beside the writer: a streaming job commits a few rows to a
 * real Iceberg table (Hadoop catalog) at every one of 120 checkpoints while the maintenance job
 * runs on the same cluster. Without maintenance the table would end with at least two data files
 * per commit (two writers) and a snapshot per commit; with it, compaction, snapshot expiry and
 * orphan removal keep both small while the writer goes on committing, every row is there exactly
 * once (no commit of one job replaced the other's), and a snapshot tagged as training does is still
 * readable after its files were compacted away from the current snapshot.
 */
class IcebergMaintenanceITCase {

    /** The writer's two slots and one for the maintenance job. */
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            TestEnvironment.miniCluster(TestEnvironment.PARALLELISM + 1);

    private static final int ROWS_PER_CHECKPOINT = 25;
    private static final int COMMITS = 120;
    private static final long ROWS = (long) ROWS_PER_CHECKPOINT * COMMITS;

    /** Two partitions; one is compacted once it holds five small files, so at most five stay. */
    private static final int MAX_DATA_FILES = 10;

    /** The last three, those younger than a second when expiry ran, and the commits since. */
    private static final int MAX_SNAPSHOTS = 12;

    /**
     * Iceberg's default number of previous metadata files kept
     * (write.metadata.previous-versions-max).
     */
    private static final int METADATA_FILES_KEPT = 100;

    private static final Schema SCHEMA =
            new Schema(
                    NestedField.required(1, "id", LongType.get()),
                    NestedField.required(2, "part", IntegerType.get()));

    @TempDir Path dir;

    @Test
    void maintenanceKeepsFilesAndSnapshotsBoundedWhileTheWriterCommitsEveryRowOnce()
            throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "127.0.0.1:9");
        settings.put("iceberg.warehouse", dir.resolve("warehouse").toString());
        settings.put("model.dir", dir.resolve("model").toString());
        settings.put("pipeline.checkpoint-interval", "200 ms");
        settings.put("pipeline.parallelism", String.valueOf(TestEnvironment.PARALLELISM));
        settings.put("iceberg.maintenance.rate-limit", "1 s");
        settings.put("iceberg.maintenance.rewrite.commit-count", "5");
        settings.put("iceberg.maintenance.rewrite.interval", "1 s");
        settings.put("iceberg.maintenance.expire-snapshots.max-age", "1 s");
        settings.put("iceberg.maintenance.expire-snapshots.retain-last", "3");
        settings.put("iceberg.maintenance.expire-snapshots.commit-count", "5");
        settings.put("iceberg.maintenance.expire-snapshots.interval", "1 s");
        settings.put("iceberg.maintenance.orphan-files.interval", "2 s");
        // orphan-files.min-age keeps its default, 3 days: only the planted file is that old.
        PipelineConfig config = PipelineConfig.from(settings);

        CatalogLoader catalogLoader = Catalogs.loader(config);
        Catalog catalog = catalogLoader.loadCatalog();
        ((SupportsNamespaces) catalog).createNamespace(Namespace.of(config.namespace()));
        TableIdentifier id = TableIdentifier.of(config.namespace(), "maintained");
        Table table =
                catalog.createTable(
                        id,
                        SCHEMA,
                        PartitionSpec.builderFor(SCHEMA).identity("part").build(),
                        WeirTables.TABLE_PROPERTIES);
        // A file no snapshot references, older than the minimum age: an orphan.
        Path orphan = Path.of(table.location(), "data", "left-by-a-failed-write.parquet");
        Files.createDirectories(orphan.getParent());
        Files.writeString(orphan, "not referenced by any snapshot");
        Files.setLastModifiedTime(orphan, FileTime.from(Instant.now().minus(Duration.ofDays(10))));

        // Any failure, of a committer too, fails the job and the test.
        Configuration noRestarts =
                new Configuration().set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment writerEnv = StreamExecutionEnvironment.getExecutionEnvironment();
        PipelineWorkflow.configure(writerEnv, config);
        writerEnv.configure(noRestarts);
        // One reader emits the next ROWS_PER_CHECKPOINT ids after each checkpoint; ids past ROWS
        // are dropped, so the table then stays as it is while the job keeps running.
        DataStream<Long> ids =
                writerEnv
                        .fromSource(
                                new DataGeneratorSource<>(
                                        index -> index,
                                        Long.MAX_VALUE,
                                        RateLimiterStrategy.perCheckpoint(ROWS_PER_CHECKPOINT),
                                        Types.LONG),
                                WatermarkStrategy.noWatermarks(),
                                "ids")
                        .uid("ids")
                        .setParallelism(1)
                        .filter(i -> i < ROWS)
                        .uid("first-ids")
                        .name("First ids")
                        .setParallelism(1);
        KafkaIcebergSinks.appendToIceberg(
                ids,
                IcebergMaintenanceITCase::row,
                SCHEMA,
                catalogLoader,
                config.namespace(),
                id.name(),
                "maintained-to-row",
                "maintained-sink");
        JobClient writer = writerEnv.executeAsync("writer");

        StreamExecutionEnvironment maintenanceEnv =
                StreamExecutionEnvironment.getExecutionEnvironment();
        MaintenanceWorkflow.configure(maintenanceEnv, config);
        maintenanceEnv.configure(noRestarts);
        MaintenanceWorkflow.define(
                maintenanceEnv,
                config,
                catalogLoader,
                List.of(new Maintained(id.name(), "maintained-maintenance")));
        JobClient maintenance = maintenanceEnv.executeAsync(MaintenanceJob.JOB_NAME);

        Snapshot first =
                await("the first commit")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> firstSnapshot(catalog.loadTable(id)), s -> s != null);

        // What training does: tag the snapshot it reads; expiry must keep it.
        Snapshot tagged =
                await("three commits")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(50))
                        .until(
                                () -> catalog.loadTable(id).currentSnapshot(),
                                s -> s != null && totalRecords(s) >= 3L * ROWS_PER_CHECKPOINT);
        PointInTimeTrainingSet.protect(catalog.loadTable(id), tagged.snapshotId());

        AtomicLong rowsAtFirstCompaction = new AtomicLong(-1);
        await("every row committed, the table compacted, its snapshots expired, the orphan gone")
                .atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> {
                            Table t = catalog.loadTable(id);
                            Snapshot current = t.currentSnapshot();
                            if (rowsAtFirstCompaction.get() < 0 && compacted(t)) {
                                rowsAtFirstCompaction.set(totalRecords(current));
                            }
                            return totalRecords(current) == ROWS
                                    && rowsAtFirstCompaction.get() >= 0
                                    && dataFiles(current) <= MAX_DATA_FILES
                                    && count(t.snapshots()) <= MAX_SNAPSHOTS
                                    && !Files.exists(orphan);
                        });
        for (JobClient job : List.of(writer, maintenance)) {
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            job.cancel().get();
            await("the job cancelled")
                    .atMost(Duration.ofMinutes(1))
                    .until(() -> job.getJobStatus().get().isGloballyTerminalState());
        }

        Table result = catalog.loadTable(id);
        // Every row exactly once.
        List<Long> read = ids(IcebergGenerics.read(result).build());
        assertThat(read).hasSize((int) ROWS);
        assertThat(new HashSet<>(read)).containsExactlyInAnyOrderElementsOf(range(ROWS));
        // The writer committed after the first compaction.
        assertThat(rowsAtFirstCompaction.get()).isLessThan(ROWS);
        // Bounded: at least two files and one snapshot per commit without maintenance.
        Set<String> currentFiles = files(result, result.currentSnapshot().snapshotId());
        assertThat(currentFiles).hasSizeLessThanOrEqualTo(MAX_DATA_FILES);
        assertThat(count(result.snapshots())).isLessThan(COMMITS / 4);
        assertThat(result.snapshot(first.snapshotId())).as("the first snapshot").isNull();
        // The tagged snapshot reads as it was, though none of its files is current any more.
        assertThat(result.snapshot(tagged.snapshotId())).isNotNull();
        assertThat(result.refs())
                .containsKey(PointInTimeTrainingSet.lineageTag(tagged.snapshotId()));
        assertThat(ids(IcebergGenerics.read(result).useSnapshot(tagged.snapshotId()).build()))
                .containsExactlyInAnyOrderElementsOf(range(totalRecords(tagged)));
        assertThat(files(result, tagged.snapshotId())).doesNotContainAnyElementsOf(currentFiles);
        // Old metadata versions are deleted as commits go on. (A commit interrupted by the
        // cancellation may leave its temporary <uuid>.metadata.json: an orphan, deleted by orphan
        // removal once older than its minimum age.)
        String metadata =
                ((HasTableOperations) result).operations().current().metadataFileLocation();
        int version =
                Integer.parseInt(
                        metadata.substring(
                                metadata.lastIndexOf("/v") + 2,
                                metadata.indexOf(".metadata.json")));
        assertThat(version).isGreaterThan(METADATA_FILES_KEPT + 1);
        try (Stream<Path> files = Files.list(Path.of(result.location(), "metadata"))) {
            assertThat(
                            files.filter(
                                    f ->
                                            f.getFileName()
                                                    .toString()
                                                    .matches("v\\d+\\.metadata\\.json")))
                    .hasSizeLessThanOrEqualTo(METADATA_FILES_KEPT + 1);
        }
    }

    private static RowData row(Long id) {
        return GenericRowData.of(id, (int) (id % 2));
    }

    /** The table's first snapshot, or null before the first commit. */
    private static Snapshot firstSnapshot(Table table) {
        Snapshot first = null;
        for (Snapshot s : table.snapshots()) {
            if (first == null || s.sequenceNumber() < first.sequenceNumber()) {
                first = s;
            }
        }
        return first;
    }

    /** Whether a compaction is among the table's snapshots. */
    private static boolean compacted(Table table) {
        for (Snapshot s : table.snapshots()) {
            if (DataOperations.REPLACE.equals(s.operation())) {
                return true;
            }
        }
        return false;
    }

    private static long totalRecords(Snapshot snapshot) {
        return Long.parseLong(snapshot.summary().get(SnapshotSummary.TOTAL_RECORDS_PROP));
    }

    private static long dataFiles(Snapshot snapshot) {
        return Long.parseLong(snapshot.summary().get(SnapshotSummary.TOTAL_DATA_FILES_PROP));
    }

    private static int count(Iterable<?> items) {
        int n = 0;
        for (Object ignored : items) {
            n++;
        }
        return n;
    }

    private static Set<String> files(Table table, long snapshotId) throws Exception {
        try (CloseableIterable<FileScanTask> tasks =
                table.newScan().useSnapshot(snapshotId).planFiles()) {
            Set<String> files = new HashSet<>();
            tasks.forEach(task -> files.add(task.file().location()));
            return files;
        }
    }

    private static List<Long> ids(CloseableIterable<Record> records) throws Exception {
        try (records) {
            List<Long> ids = new ArrayList<>();
            records.forEach(r -> ids.add((Long) r.getField("id")));
            return ids;
        }
    }

    private static Set<Long> range(long end) {
        return LongStream.range(0, end).boxed().collect(Collectors.toSet());
    }
}
