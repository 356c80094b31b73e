package dev.weir.cli;

import dev.weir.jobs.BootstrapJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code weir bootstrap}: a savepoint holding the entity feature stages' state computed from the
 * Iceberg events table, on a local Flink in this process; prints the savepoint's path.
 */
@Command(
        name = "bootstrap",
        description = {
            "Writes a savepoint with the entity features of the Iceberg history; prints its path.",
            "The pipeline started from it (--from-savepoint) holds the feature state it would"
                    + " hold after those events; README.md, \"Starting warm\", tells what is and"
                    + " is not in it, and where to start reading Kafka."
        })
final class BootstrapCommand extends WeirCommand {

    @Mixin BootstrapJob.Arguments args;

    @Override
    protected void run() throws Exception {
        out.println(BootstrapJob.run(args));
    }
}
