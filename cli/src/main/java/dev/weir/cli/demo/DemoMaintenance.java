package dev.weir.cli.demo;

import dev.weir.cli.cluster.LocalFlink;
import dev.weir.jobs.MaintenanceJob;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.config.WeirOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Iceberg table maintenance job beside the demo's pipeline, as a deployment runs it: a job of
 * its own ({@link MaintenanceJob}) on a second local Flink without a dashboard, reading the same
 * configuration, so the demo's tables are compacted and their snapshots expired while the pipeline
 * commits every two seconds.
 */
final class DemoMaintenance implements AutoCloseable {

    /**
     * Maintenance paced for a demo of minutes rather than a deployment of months: look for new
     * commits every 10 s, compact after 10 commits, expire snapshots older than 30 s beyond the
     * last 5.
     */
    static final Map<String, String> SETTINGS =
            Map.of(
                    WeirOptions.MAINTENANCE_RATE_LIMIT.key(), "10s",
                    WeirOptions.MAINTENANCE_REWRITE_COMMIT_COUNT.key(), "10",
                    WeirOptions.MAINTENANCE_SNAPSHOT_MAX_AGE.key(), "30s",
                    WeirOptions.MAINTENANCE_SNAPSHOT_RETAIN_LAST.key(), "5",
                    WeirOptions.MAINTENANCE_EXPIRE_COMMIT_COUNT.key(), "10");

    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);

    private final JobClient job;
    private final Path savepoints;

    private DemoMaintenance(JobClient job, Path savepoints) {
        this.job = job;
        this.savepoints = savepoints;
    }

    static DemoMaintenance start(PipelineConfig config, Path runDir) throws Exception {
        // REST port 0: any free one, so it never competes with the pipeline's dashboard.
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        LocalFlink.configuration(0, 1, runDir.resolve("maintenance-checkpoints")));
        MaintenanceJob.build(env, config);
        return new DemoMaintenance(
                env.executeAsync(MaintenanceJob.JOB_NAME),
                runDir.resolve("maintenance-savepoints"));
    }

    /**
     * Stops the job with a savepoint: the barrier waits for a compaction or an expiry under way,
     * where a cancel would interrupt it halfway (and log the interruption as an error).
     */
    @Override
    public void close() throws Exception {
        if (!job.getJobStatus().get().isGloballyTerminalState()) {
            job.stopWithSavepoint(
                            false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
