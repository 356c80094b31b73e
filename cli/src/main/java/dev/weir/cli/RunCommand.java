package dev.weir.cli;

import dev.weir.jobs.BackfillJob;
import dev.weir.jobs.JobArguments;
import dev.weir.jobs.MaintenanceJob;
import dev.weir.jobs.PipelineJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code weir run pipeline|backfill}: a job on a local Flink in this process, with the arguments
 * its {@code main} takes on a cluster.
 */
@Command(
        name = "run",
        description = {
            "Runs a job on a local Flink in this process.",
            "Against an external Kafka and Iceberg catalog, with the arguments the "
                    + "job takes on a cluster."
        },
        subcommands = {
            RunCommand.Pipeline.class,
            RunCommand.Backfill.class,
            RunCommand.Maintain.class
        })
public final class RunCommand {

    private RunCommand() {}

    @Command(name = "pipeline", description = "The continuous scoring pipeline, until stopped.")
    static final class Pipeline extends WeirCommand {
        @Mixin JobArguments job;

        @Option(
                names = "--from-savepoint",
                paramLabel = "PATH",
                description =
                        "Start from this savepoint (as `weir savepoint` or `weir bootstrap`"
                                + " printed it); every state in it must find its operator.")
        String fromSavepoint;

        @Override
        protected void run() throws Exception {
            PipelineJob.run(job.load(), fromSavepoint);
        }
    }

    @Command(
            name = "backfill",
            description = {
                "Recomputes the features of the Iceberg events table in BATCH mode.",
                "With the pipeline's own feature stages, into the features schema; with --score,"
                        + " also scores them with the pipeline's scoring operator and any"
                        + " registered model version, into the scores schema."
            })
    static final class Backfill extends WeirCommand {
        @Mixin BackfillJob.Arguments args;

        @Override
        protected void run() throws Exception {
            BackfillJob.run(args);
        }
    }

    @Command(
            name = "maintain",
            description = {
                "Maintains the pipeline's Iceberg tables, beside the pipeline, until stopped.",
                "Compaction, snapshot expiry and orphan-file removal as iceberg.maintenance.*"
                        + " says, from the pipeline's own configuration; one such job per set of"
                        + " tables."
            })
    static final class Maintain extends WeirCommand {
        @Mixin JobArguments job;

        @Override
        protected void run() throws Exception {
            MaintenanceJob.run(job.load());
        }
    }
}
