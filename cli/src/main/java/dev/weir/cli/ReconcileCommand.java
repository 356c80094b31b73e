package dev.weir.cli;

import dev.weir.cli.reconcile.ReconcileReader;
import dev.weir.cli.reconcile.ReconcileReport;
import dev.weir.jobs.JobArguments;
import dev.weir.jobs.config.PipelineConfig;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir reconcile}: after an incident, accounts for every input payment of a range in each
 * store the pipeline writes, and says which are missing or written more than once.
 */
@Command(
        name = "reconcile",
        description = {
            "Accounts for every input payment in Kafka and Iceberg.",
            "Each must be scored once or dead-lettered once in the Kafka scores and dead-letter"
                    + " topics (read committed) and in the Iceberg scores and dlq tables, decided"
                    + " at least once, and logged once in the features table. Prints counts,"
                    + " dead letters by reason, and the missing and repeated payments; exits 3"
                    + " when any are found. Run it after the job has caught up."
        })
public final class ReconcileCommand extends WeirCommand {

    /** The exit code when something is missing or repeated. */
    public static final int PROBLEMS_FOUND = 3;

    @Mixin JobArguments job;

    @Option(
            names = "--from-offsets",
            paramLabel = "PARTITION=OFFSET",
            split = ",",
            description =
                    "First input offset per partition, e.g. 0=1200,1=1180.%nDefault: each"
                            + " partition's beginning.")
    Map<Integer, Long> fromOffsets;

    @Option(
            names = "--to-offsets",
            paramLabel = "PARTITION=OFFSET",
            split = ",",
            description =
                    "Input offset per partition to stop before.%nDefault: each partition's end"
                            + " as of now.")
    Map<Integer, Long> toOffsets;

    @Option(
            names = "--from",
            paramLabel = "TIME",
            description =
                    "Only payments with an event time at or after this instant (ISO-8601, e.g."
                            + " 2026-12-01T10:00:00Z); undecodable records are then left out.")
    Instant from;

    @Option(
            names = "--to",
            paramLabel = "TIME",
            description = "Only payments with an event time before this instant (ISO-8601).")
    Instant to;

    @Override
    protected void run() {
        if (from != null && to != null && !from.isBefore(to)) {
            throw usage("--from must be before --to");
        }
        PipelineConfig config = job.load();
        ReconcileReader.Range range =
                new ReconcileReader.Range(
                        fromOffsets == null ? Map.of() : fromOffsets,
                        toOffsets == null ? Map.of() : toOffsets,
                        from,
                        to);
        ReconcileReport report =
                ReconcileReport.of(config, new ReconcileReader(config).read(range));
        report.print(out);
        exitCode = report.problems() == 0 ? 0 : PROBLEMS_FOUND;
    }
}
