package dev.weir.jobs.maintenance;

import dev.weir.jobs.config.MaintenanceConfig;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.iceberg.WeirTables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.maintenance.api.DeleteOrphanFiles;
import org.apache.iceberg.flink.maintenance.api.ExpireSnapshots;
import org.apache.iceberg.flink.maintenance.api.RewriteDataFiles;
import org.apache.iceberg.flink.maintenance.api.TableMaintenance;

/**
 * The table maintenance job's topology: for each table, Iceberg's own Flink table maintenance
 * ({@code org.apache.iceberg.flink.maintenance.api}) watches the table's snapshots and, at most one
 * task at a time, compacts small data files, expires old snapshots and deletes orphan files.
 *
 * <p>One task at a time per table is Iceberg's in-job lock: the table's trigger manager starts a
 * task only after the previous one reported back. It covers the tasks of this job only, so each
 * table must be maintained by one job at a time; writers (the pipeline, {@code weir train}) are no
 * concern of that lock, their commits and the tasks' are ordinary Iceberg commits that retry on
 * conflict.
 */
public final class MaintenanceWorkflow {

    /**
     * A maintained table and the uid suffix of its maintenance operators. Iceberg derives every
     * operator uid from the suffix and the task's position ("Trigger manager" + suffix, "RDF
     * Planner" + "RewriteDataFiles [0]_0_" + suffix, ...): never change either once released.
     */
    public record Maintained(String table, String uidSuffix) {}

    /** The five tables the pipeline writes. */
    public static final List<Maintained> PIPELINE_TABLES =
            List.of(
                    new Maintained(WeirTables.EVENTS, "weir-maintenance-events"),
                    new Maintained(WeirTables.SCORES, "weir-maintenance-scores"),
                    new Maintained(WeirTables.DLQ, "weir-maintenance-dlq"),
                    new Maintained(WeirTables.FEATURES, "weir-maintenance-features"),
                    new Maintained(WeirTables.MONITORING, "weir-maintenance-monitoring"));

    private MaintenanceWorkflow() {}

    /**
     * Settings the job relies on whatever the cluster's defaults are.
     *
     * <p>Generic types are allowed here, and only here: Iceberg's maintenance operators pass their
     * own classes (table changes, triggers, task results, compaction groups) between them and keep
     * some in state with Kryo. This job's state is Iceberg's bookkeeping (the last snapshot seen,
     * trigger times, pending changes); the pipeline job keeps refusing Kryo.
     */
    public static void configure(StreamExecutionEnvironment env, PipelineConfig config) {
        MaintenanceConfig maintenance = config.maintenance();
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        conf.set(PipelineOptions.GENERIC_TYPES, true);
        // A checkpoint waits for a compaction step in progress; one that times out meanwhile must
        // not fail the job, as the state it would have saved is rebuilt from the table anyway.
        conf.set(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER, Integer.MAX_VALUE);
        env.configure(conf);
        // Checkpoints keep the trigger times over a restart, and turn on Flink's default restarts.
        env.enableCheckpointing(maintenance.rateLimit().toMillis());
        env.setParallelism(maintenance.parallelism());
    }

    /**
     * Maintains each of {@code tables}, which must exist, in namespace {@code config.namespace()}.
     */
    public static void define(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            CatalogLoader catalog,
            List<Maintained> tables) {
        Set<String> names = new HashSet<>();
        Set<String> suffixes = new HashSet<>();
        for (Maintained t : tables) {
            if (!names.add(t.table()) || !suffixes.add(t.uidSuffix())) {
                throw new IllegalArgumentException(
                        "each table is maintained once, under a uid suffix of its own: " + tables);
            }
        }
        MaintenanceConfig maintenance = config.maintenance();
        // A Hadoop catalog's files are listed directory by directory. Its recursive listing (the
        // prefix listing) reads each file's permissions, on a local file system with one `ls` per
        // file, and fails the whole run when a file is deleted meanwhile, as expiry and metadata
        // cleanup do all the time.
        boolean hadoopCatalog = config.catalogType().equals("hadoop");
        for (Maintained t : tables) {
            TableLoader loader =
                    TableLoader.fromCatalog(
                            catalog, TableIdentifier.of(config.namespace(), t.table()));
            try {
                TableMaintenance.forTable(env, loader)
                        .uidSuffix(t.uidSuffix())
                        .rateLimit(maintenance.rateLimit())
                        // How soon a due task tries again while the previous one still runs.
                        .lockCheckDelay(maintenance.rateLimit())
                        .parallelism(maintenance.parallelism())
                        // The order is part of the uids (the task's index): never reorder.
                        .add(
                                RewriteDataFiles.builder()
                                        .targetFileSizeBytes(
                                                maintenance.targetFileSize().getBytes())
                                        .scheduleOnCommitCount(maintenance.rewriteCommitCount())
                                        .scheduleOnInterval(maintenance.rewriteInterval()))
                        .add(
                                ExpireSnapshots.builder()
                                        .maxSnapshotAge(maintenance.snapshotMaxAge())
                                        .retainLast(maintenance.snapshotRetainLast())
                                        .scheduleOnCommitCount(maintenance.expireCommitCount())
                                        .scheduleOnInterval(maintenance.expireInterval()))
                        .add(
                                DeleteOrphanFiles.builder()
                                        .minAge(maintenance.orphanMinAge())
                                        .scheduleOnInterval(maintenance.orphanInterval())
                                        .usePrefixListing(!hadoopCatalog))
                        .append();
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "cannot define the maintenance of table " + t.table(), e);
            }
        }
    }
}
