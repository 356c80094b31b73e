package dev.weir.cli.bench;

import picocli.CommandLine.Command;

/** {@code weir bench}: the benchmarks of BENCHMARKS.md. */
@Command(
        name = "bench",
        description = {
            "The benchmarks of BENCHMARKS.md.",
            "Each measures its variants side by side in one run and prints the " + "results."
        },
        subcommands = {
            FeatureBenchmark.class,
            StateWritesBenchmark.class,
            ScoringBenchmark.class,
            MonitoringBenchmark.class,
            OrderingBenchmark.Cli.class,
            PipelineBenchmark.Cli.class,
            SoakBenchmark.Cli.class
        })
public final class BenchCommand {}
