package dev.weir.jobs.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

/**
 * How the table maintenance job ({@code dev.weir.jobs.MaintenanceJob}) keeps the pipeline's Iceberg
 * tables small: compaction of small data files, snapshot expiry and orphan-file removal. Part of
 * {@link IcebergConfig}, so the maintenance job reads the pipeline's own configuration file.
 */
public record MaintenanceConfig(
        int parallelism,
        Duration rateLimit,
        MemorySize targetFileSize,
        int rewriteCommitCount,
        Duration rewriteInterval,
        Duration snapshotMaxAge,
        int snapshotRetainLast,
        int expireCommitCount,
        Duration expireInterval,
        Duration orphanMinAge,
        Duration orphanInterval) {

    /** Reads the {@code iceberg.maintenance.*} options; parse errors are the caller's to report. */
    static MaintenanceConfig from(Configuration conf) {
        return new MaintenanceConfig(
                conf.get(WeirOptions.MAINTENANCE_PARALLELISM),
                conf.get(WeirOptions.MAINTENANCE_RATE_LIMIT),
                conf.get(WeirOptions.MAINTENANCE_TARGET_FILE_SIZE),
                conf.get(WeirOptions.MAINTENANCE_REWRITE_COMMIT_COUNT),
                conf.get(WeirOptions.MAINTENANCE_REWRITE_INTERVAL),
                conf.get(WeirOptions.MAINTENANCE_SNAPSHOT_MAX_AGE),
                conf.get(WeirOptions.MAINTENANCE_SNAPSHOT_RETAIN_LAST),
                conf.get(WeirOptions.MAINTENANCE_EXPIRE_COMMIT_COUNT),
                conf.get(WeirOptions.MAINTENANCE_EXPIRE_INTERVAL),
                conf.get(WeirOptions.MAINTENANCE_ORPHAN_MIN_AGE),
                conf.get(WeirOptions.MAINTENANCE_ORPHAN_INTERVAL));
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        // Iceberg's maintenance takes whole seconds: less than one would become zero.
        atLeast(problems, WeirOptions.MAINTENANCE_RATE_LIMIT, rateLimit, Duration.ofSeconds(1));
        atLeast(
                problems,
                WeirOptions.MAINTENANCE_REWRITE_INTERVAL,
                rewriteInterval,
                Duration.ofSeconds(1));
        atLeast(
                problems,
                WeirOptions.MAINTENANCE_SNAPSHOT_MAX_AGE,
                snapshotMaxAge,
                Duration.ofSeconds(1));
        atLeast(
                problems,
                WeirOptions.MAINTENANCE_EXPIRE_INTERVAL,
                expireInterval,
                Duration.ofSeconds(1));
        atLeast(
                problems,
                WeirOptions.MAINTENANCE_ORPHAN_INTERVAL,
                orphanInterval,
                Duration.ofSeconds(1));
        // A file written before a checkpoint is referenced by no snapshot until the checkpoint
        // completes (or the job restarts from it): deleting "orphans" younger than a day risks
        // committed rows pointing at deleted files.
        atLeast(problems, WeirOptions.MAINTENANCE_ORPHAN_MIN_AGE, orphanMinAge, Duration.ofDays(1));
        if (targetFileSize.getBytes() < MemorySize.ofMebiBytes(1).getBytes()) {
            problems.add(WeirOptions.MAINTENANCE_TARGET_FILE_SIZE.key() + " must be at least 1 mb");
        }
        atLeast(problems, WeirOptions.MAINTENANCE_PARALLELISM, parallelism, 1);
        atLeast(problems, WeirOptions.MAINTENANCE_REWRITE_COMMIT_COUNT, rewriteCommitCount, 1);
        atLeast(problems, WeirOptions.MAINTENANCE_EXPIRE_COMMIT_COUNT, expireCommitCount, 1);
        atLeast(problems, WeirOptions.MAINTENANCE_SNAPSHOT_RETAIN_LAST, snapshotRetainLast, 2);
        return problems;
    }

    private static void atLeast(
            List<String> problems, ConfigOption<Duration> option, Duration value, Duration min) {
        if (value.compareTo(min) < 0) {
            problems.add(
                    option.key() + " must be at least " + human(min) + ", got " + human(value));
        }
    }

    private static void atLeast(
            List<String> problems, ConfigOption<Integer> option, int value, int min) {
        if (value < min) {
            problems.add(option.key() + " must be at least " + min + ", got " + value);
        }
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
