package dev.weir.cli;

import dev.weir.cli.synthetic.SyntheticProducer;
import dev.weir.jobs.Args;
import java.io.PrintStream;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code weir produce}: the synthetic transaction producer against any Kafka. */
public final class ProduceCommand {

    public static final Set<String> OPTIONS =
            Set.of(
                    "bootstrap",
                    "topic",
                    "rate",
                    "count",
                    "bad-share",
                    "fraud-share",
                    "seed",
                    "population-seed",
                    "accounts",
                    "labels-topic",
                    "label-delay",
                    "shift-after",
                    "shift-amount-scale",
                    "shift-foreign-share");

    private ProduceCommand() {}

    public static void run(String[] argv, PrintStream out) {
        Args args = Args.parse(argv, OPTIONS, Set.of(), Set.of());
        String bootstrap = args.required("bootstrap");
        String topic = args.string("topic").orElse("weir.transactions");
        double rate = args.doubleValue("rate", 200, 0.001, 1e7);
        long count = args.longValue("count", 1000, 1);
        double badShare = args.doubleValue("bad-share", 0, 0, 1);
        double fraudShare = args.doubleValue("fraud-share", 0.02, 0, 0.3);
        long seed = args.longValue("seed", System.currentTimeMillis(), Long.MIN_VALUE);
        int accounts = (int) args.longValue("accounts", 5_000, 1);
        // The accounts of `weir train` (same seed default): live customers are the training
        // customers.
        long population = args.longValue("population-seed", 7, Long.MIN_VALUE);
        try (SyntheticProducer producer =
                new SyntheticProducer(
                        bootstrap, topic, population, seed, accounts, fraudShare, badShare)) {
            if (args.string("labels-topic").isPresent()) {
                producer.withLabels(
                        args.string("labels-topic").get(),
                        args.duration("label-delay")
                                .orElse(java.time.Duration.ofSeconds(5))
                                .toMillis());
            }
            if (args.string("shift-after").isPresent()) {
                producer.withShift(
                        System.currentTimeMillis() + args.duration("shift-after").get().toMillis(),
                        args.doubleValue("shift-amount-scale", 3, 0.001, 1000),
                        args.doubleValue("shift-foreign-share", 0.5, 0, 1));
            }
            long start = System.nanoTime();
            producer.run(count, rate, new AtomicBoolean());
            double seconds = (System.nanoTime() - start) / 1e9;
            SyntheticProducer.Counts c = producer.counts();
            out.printf(
                    "sent %d records to %s in %.1f s: %d good (%d fraud), %d malformed; %d labels%n",
                    c.total(),
                    topic,
                    seconds,
                    c.good.get(),
                    c.fraud.get(),
                    c.bad.get(),
                    c.labels.get());
            if (c.shiftedAt.get() > 0) {
                out.printf(
                        "distributions shifted at %s%n",
                        java.time.Instant.ofEpochMilli(c.shiftedAt.get()));
            }
        }
    }
}
