package dev.weir.cli;

import dev.weir.cli.demo.DemoCommand;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.Args;
import dev.weir.jobs.BackfillJob;
import dev.weir.jobs.PipelineJob;
import java.io.PrintStream;
import java.util.Arrays;

/** The {@code weir} command line. */
public final class Weir {

    static final String USAGE =
            String.join(
                    "\n",
                    "usage: weir <command> [options]",
                    "",
                    "  demo     [--duration 60s] [--rate N] [--warehouse DIR] [--bad-share F] [--kafka-port P]",
                    "           the whole platform on embedded defaults; dashboard on http://127.0.0.1:8081",
                    "  produce  --bootstrap HOST:PORT [--topic T] [--rate N] [--count N] [--bad-share F] [--seed S]",
                    "           [--labels-topic T [--label-delay 5s]]",
                    "  consume  --bootstrap HOST:PORT --topic T [--max N] [--idle-timeout 10s]",
                    "  train    [--out DIR | --registry DIR] [--features FILE] [--events N] [--seed S] [--epochs N] [--learning-rate R]",
                    "           [--hidden 32,16]",
                    "  train    --from-iceberg PIPELINE_CONFIG [--labels-topic T] [--registry DIR | --out DIR]",
                    "  models   list|show|promote|rollback|challenger --registry DIR [--name N] [--version V|none]",
                    "           [--bootstrap HOST:PORT [--topic T]]  (promote/rollback: tell running pipelines)",
                    "  run      pipeline --config FILE [--set key=value ...]",
                    "  run      backfill --config FILE [--set key=value ...] [--output-table NAME]",
                    "  cluster  start|stop [--dir .weir/cluster] [--env dev|test|live] [--rest-port 8081] [--kafka-port 9092]",
                    "           a Flink standalone session cluster and a Kafka broker, each in its own process",
                    "  submit   --config FILE [--job pipeline|backfill] [--env dev|test|live] [--from-savepoint PATH]",
                    "           [--parallelism N] [--set key=value ...] [--rest URL]  (prints the job id)",
                    "  savepoint --job ID [--stop] [--dir DIR] [--rest URL]  (prints the savepoint path)",
                    "  status   [--rest URL]",
                    "  governor start --registry DIR [--bootstrap HOST:PORT] [--policy FILE] [--port 8000] | stop",
                    "           the statefun governor: function server and runtime, each in its own JVM",
                    "  governor retrain-listener --bootstrap HOST:PORT --registry DIR [--from-iceberg CONFIG] [--events N]",
                    "  bench    features [--events N] [--keys N] [--sliding-events N] [--span 60d]",
                    "  bench    scoring [--events N] [--rate N] [--max-wait 10ms] [--model DIR] [--side-events N]",
                    "  bench    monitoring [--events N] [--window-events N] [--model DIR]",
                    "  bench    ordering [--payments N] [--rounds 2] [--span 4h] [--rate N] [--duration 60s] [--warm-up 15s]",
                    "           [--small-out-of-orderness 200ms] [--accounts N] [--model DIR] [--set key=value ...]",
                    "  bench    pipeline [--payments N] [--span 4h] [--backends hashmap,rocksdb] [--rate N]",
                    "           [--duration 60s] [--warm-up 20s] [--accounts N] [--model DIR] [--checkpoint-interval 2s]",
                    "           on the standalone cluster processes, beside a pass-through job",
                    "");

    private Weir() {}

    public static void main(String[] argv) {
        PrintStream out = System.out;
        if (argv.length == 0
                || argv[0].equals("help")
                || argv[0].equals("--help")
                || argv[0].equals("-h")) {
            out.print(USAGE);
            return;
        }
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        try {
            switch (argv[0]) {
                case "demo" -> DemoCommand.run(rest, out);
                case "produce" -> ProduceCommand.run(rest, out);
                case "consume" -> ConsumeCommand.run(rest, out);
                case "train" -> TrainCommand.run(rest, out);
                case "run" -> run(rest);
                case "bench" -> bench(rest, out);
                case "models" -> ModelsCommand.run(rest, out);
                case "cluster" -> ClusterCommands.cluster(rest, out);
                case "submit" -> ClusterCommands.submit(rest, out);
                case "savepoint" -> ClusterCommands.savepoint(rest, out);
                case "status" -> ClusterCommands.status(rest, out);
                case "governor" -> GovernorCommand.run(rest, out);
                default -> throw new Args.UsageException("unknown command '" + argv[0] + "'");
            }
        } catch (IllegalArgumentException e) {
            // Usage and configuration mistakes: the message says what is wrong.
            System.err.println("weir " + argv[0] + ": " + e.getMessage());
            if (e instanceof Args.UsageException) {
                System.err.print("\n" + USAGE);
            }
            System.exit(2);
        } catch (IllegalStateException e) {
            // A cluster or broker said no: its message is the useful part.
            System.err.println("weir " + argv[0] + " failed: " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println("weir " + argv[0] + " failed: " + e);
            e.printStackTrace(System.err);
            System.exit(1);
        }
        System.exit(0);
    }

    private static void bench(String[] argv, PrintStream out) throws Exception {
        String[] rest = argv.length == 0 ? argv : Arrays.copyOfRange(argv, 1, argv.length);
        if (argv.length > 0 && argv[0].equals("features")) {
            dev.weir.cli.bench.FeatureBenchmark.run(rest, out);
        } else if (argv.length > 0 && argv[0].equals("scoring")) {
            dev.weir.cli.bench.ScoringBenchmark.run(rest, out);
        } else if (argv.length > 0 && argv[0].equals("monitoring")) {
            dev.weir.cli.bench.MonitoringBenchmark.run(rest, out);
        } else if (argv.length > 0 && argv[0].equals("ordering")) {
            dev.weir.cli.bench.OrderingBenchmark.run(rest, out);
        } else if (argv.length > 0 && argv[0].equals("pipeline")) {
            dev.weir.cli.bench.PipelineBenchmark.run(rest, out);
        } else {
            throw new Args.UsageException(
                    "bench takes a benchmark name: weir bench features|scoring|monitoring|ordering|pipeline");
        }
    }

    private static void run(String[] argv) throws Exception {
        String[] rest = argv.length == 0 ? argv : Arrays.copyOfRange(argv, 1, argv.length);
        if (argv.length > 0 && argv[0].equals("pipeline")) {
            PipelineJob.main(rest);
        } else if (argv.length > 0 && argv[0].equals("backfill")) {
            BackfillJob.main(rest);
        } else {
            throw new Args.UsageException(
                    "run takes a job name: weir run pipeline|backfill --config FILE");
        }
    }
}
