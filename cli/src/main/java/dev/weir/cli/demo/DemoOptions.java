package dev.weir.cli.demo;

import dev.weir.jobs.Args;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code weir demo}, parsed and checked once.
 *
 * @param duration how long to produce; empty: until Ctrl-C
 * @param runDir the run's own folder (broker, checkpoints, savepoints, governor), emptied first
 * @param shift the distribution shift the producer applies, if asked for
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
        Optional<Shift> shift) {

    static final Set<String> OPTIONS =
            Set.of(
                    "duration",
                    "rate",
                    "warehouse",
                    "bad-share",
                    "kafka-port",
                    "dashboard-port",
                    "seed",
                    "accounts",
                    "model",
                    "shift-after",
                    "shift-amount-scale",
                    "shift-foreign-share");
    static final Set<String> FLAGS = Set.of("governor");

    /**
     * After {@code after}, amounts scaled by {@code amountScale} and that share of payments abroad.
     */
    record Shift(Duration after, double amountScale, double foreignShare) {}

    static DemoOptions parse(String[] argv) {
        Args args = Args.parse(argv, OPTIONS, Set.of(), FLAGS);
        Path home = Path.of(".weir");
        return new DemoOptions(
                args.duration("duration"),
                args.doubleValue("rate", 200, 1, 100_000),
                args.doubleValue("bad-share", 0.01, 0, 1),
                args.longValue("seed", 7, Long.MIN_VALUE),
                (int) args.longValue("accounts", 5_000, 1),
                (int) args.longValue("kafka-port", 9092, 0),
                (int) args.longValue("dashboard-port", 8081, 0),
                args.path("warehouse").orElse(home.resolve("warehouse")).toAbsolutePath(),
                args.path("model").orElse(home.resolve("model")).toAbsolutePath(),
                home.resolve("demo").toAbsolutePath(),
                args.flag("governor"),
                args.duration("shift-after")
                        .map(
                                after ->
                                        new Shift(
                                                after,
                                                args.doubleValue(
                                                        "shift-amount-scale", 3, 0.001, 1000),
                                                args.doubleValue(
                                                        "shift-foreign-share", 0.5, 0, 1))));
    }

    /** The model registry of a run with the governor. */
    Path registry() {
        return runDir.resolve("registry");
    }
}
