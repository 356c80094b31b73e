package dev.weir.cli.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The options of {@code weir demo} ({@link DemoCommand.Cli}), checked.
 *
 * @param duration how long the run lasts once the pipeline runs; empty: until Ctrl-C
 * @param runDir the run's own folder (broker, checkpoints, savepoints, governor), emptied first
 * @param shift the distribution shift the producer applies, if asked for
 * @param schemaRegistry whether payments, labels, scores, decisions and dead letters go in
 *     Confluent's wire format through a schema registry started for the run
 * @param registryPort its port (a free one when taken, 0 for any)
 * @param serveRoot the Weir checkout whose serve module runs the online read API beside the
 *     pipeline; empty: no read API
 * @param warm whether the feature windows start from a history of the model's customers ({@link
 *     DemoHistory}) instead of empty
 */
record DemoOptions(
        Optional<Duration> duration,
        double rate,
        double badShare,
        long seed,
        int accounts,
        int kafkaPort,
        int dashboardPort,
        Path warehouse,
        Path modelDir,
        Path runDir,
        boolean governor,
        Optional<Shift> shift,
        boolean schemaRegistry,
        int registryPort,
        Optional<Path> serveRoot,
        boolean warm) {

    /**
     * After {@code after}, amounts scaled by {@code amountScale} and that share of payments abroad.
     */
    record Shift(Duration after, double amountScale, double foreignShare) {}

    /** The model registry of a run with the governor. */
    Path registry() {
        return runDir.resolve("registry");
    }
}
