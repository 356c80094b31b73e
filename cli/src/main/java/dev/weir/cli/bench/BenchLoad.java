package dev.weir.cli.bench;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The synthetic population, model and checkpointing of a benchmark on the standalone cluster: the
 * options {@code weir bench pipeline} and {@code weir bench ordering} share.
 */
final class BenchLoad {

    @Spec(Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    @Option(
            names = "--accounts",
            paramLabel = "N",
            defaultValue = "5000",
            description = "Customer accounts.%nDefault: ${DEFAULT-VALUE}.")
    int accounts;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "7",
            description = "Seed of the customers and payments.%nDefault: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description =
                    "The model to score with, outside --dir and readable by the cluster."
                            + "%nDefault: one trained for the run.")
    Path model;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "DURATION",
            defaultValue = "2s",
            description = "The jobs' checkpoint interval.%nDefault: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    /**
     * Refuses too few accounts and a model inside the run's folder, which is emptied first.
     *
     * @return the model's absolute path, or null when the run trains one
     */
    Path check(Path dir) {
        if (accounts < 1) {
            throw new ParameterException(
                    mixee.commandLine(), "--accounts must be at least 1, got " + accounts);
        }
        if (model == null) {
            return null;
        }
        if (model.toAbsolutePath().startsWith(dir.toAbsolutePath())) {
            throw new ParameterException(
                    mixee.commandLine(),
                    "--model must not be inside --dir "
                            + dir.toAbsolutePath()
                            + ", which is emptied first");
        }
        return model.toAbsolutePath();
    }
}
