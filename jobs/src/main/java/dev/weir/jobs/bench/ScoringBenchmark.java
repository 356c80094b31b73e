package dev.weir.jobs.bench;

import dev.weir.jobs.cli.Args;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.jobs.train.SyntheticTrainingSet;
import dev.weir.jobs.train.TrainCommand;
import dev.weir.models.BatchScorer;
import dev.weir.models.ModelBundle;
import dev.weir.models.Scorer;
import dev.weir.models.TrainerConfig;
import dev.weir.state.features.FeatureSet;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code weir bench scoring}: scoring throughput of the reference network on one core, one
 * forward pass per event beside batches of 1, 8, 32, 128 and 512, in one run; and the latency
 * that batching adds at a given arrival rate and maximum wait, from the measured pass times.
 */
public final class ScoringBenchmark {

    private ScoringBenchmark() {}

    public static void run(String[] argv, PrintStream out) throws Exception {
        Args args = Args.parse(argv, Set.of("events", "rate", "max-wait", "model"), Set.of(), Set.of());
        int events = (int) args.longValue("events", 200_000, 1_000);
        double rate = args.doubleValue("rate", 5_000, 1, 1e7);
        double maxWaitMs = args.duration("max-wait").map(d -> (double) d.toMillis()).orElse(10.0);
        // One core: ND4J's own thread pool would otherwise use both.
        Nd4j.getEnvironment().setMaxMasterThreads(1);
        Nd4j.getEnvironment().setMaxThreads(1);

        FeatureSet set = FeatureSets.reference();
        Path modelDir = args.path("model").orElse(null);
        if (modelDir == null) {
            modelDir = Files.createTempDirectory("weir-bench-model");
            TrainCommand.train(modelDir, set, "bench", "1", 7L, 50_000, 2_000, 200, 0.02, TrainerConfig.defaults());
        }
        ModelBundle bundle = ModelBundle.load(modelDir);
        double[][] vectors = SyntheticTrainingSet.generate(set, 11L, 20_000, 2_000, 200, 0.02).features();

        out.printf("Reference network %s (%d inputs, hidden %s), one core, %d events per variant%n",
                bundle.metadata().name(), bundle.metadata().featureCount(), TrainerConfig.defaults().hiddenLayers(),
                events);
        Scorer single = new Scorer(bundle);
        // Warm-up of both paths (JIT, ND4J workspaces), not reported.
        perEvent(single, vectors, events / 4);
        batched(new BatchScorer(bundle, 32), vectors, events / 4, 32, null);

        double perEventRate = perEvent(single, vectors, events);
        out.printf("%-28s %14s %12s%n", "variant", "events/s", "x per-event");
        out.printf("%-28s %14.0f %12.2f%n", "per event (Scorer)", perEventRate, 1.0);
        StringBuilder latency = new StringBuilder(String.format(
                "%nAdded latency at %.0f events/s per subtask, max wait %.0f ms (wait for the batch + its pass,"
                        + " minus the per-event pass):%n", rate, maxWaitMs));
        for (int batch : new int[] {1, 8, 32, 128, 512}) {
            BatchScorer scorer = new BatchScorer(bundle, batch);
            double r = batched(scorer, vectors, events, batch, null);
            out.printf("%-28s %14.0f %12.2f%n", "batches of " + batch, r, r / perEventRate);
            // At this rate a batch holds what arrives within the maximum wait: time passes of that size.
            int filled = filledBatch(batch, rate, maxWaitMs);
            double[] passMicros = new double[2_000];
            batched(scorer, vectors, filled * passMicros.length, filled, passMicros);
            double[] added = addedLatencyMillis(batch, rate, maxWaitMs, passMicros, 1e6 / perEventRate);
            latency.append(String.format("  batches of %-4d (%3d events in %4.1f ms)  p50 %6.2f ms  p99 %6.2f ms%n",
                    batch, filled, Math.min(maxWaitMs, (filled - 1) * 1000.0 / rate), added[0], added[1]));
        }
        out.print(latency);
    }

    private static double perEvent(Scorer scorer, double[][] vectors, int events) {
        double sink = 0;
        long start = System.nanoTime();
        for (int i = 0; i < events; i++) {
            sink += scorer.score(vectors[i % vectors.length]);
        }
        long nanos = System.nanoTime() - start;
        if (sink == -1) {
            System.out.println(sink);
        }
        return events / (nanos / 1e9);
    }

    private static double batched(BatchScorer scorer, double[][] vectors, int events, int batch, double[] passMicros) {
        double sink = 0;
        int passes = 0;
        long start = System.nanoTime();
        for (int i = 0; i < events; i += batch) {
            int n = Math.min(batch, events - i);
            for (int r = 0; r < n; r++) {
                scorer.set(r, vectors[(i + r) % vectors.length]);
            }
            long passStart = System.nanoTime();
            double[] scores = scorer.score(n);
            if (passMicros != null) {
                passMicros[passes++] = (System.nanoTime() - passStart) / 1e3;
            }
            sink += scores[0];
        }
        long nanos = System.nanoTime() - start;
        if (sink == -1) {
            System.out.println(sink);
        }
        return events / (nanos / 1e9);
    }

    /**
     * Latency added by batching, compared with scoring each event on arrival: an event waits for
     * the batch to fill (events arrive every 1/rate) or for the maximum wait from the batch's
     * first event, then for the measured pass; minus the per-event pass it replaces.
     *
     * @return {p50, p99} in milliseconds
     */
    static int filledBatch(int batch, double rate, double maxWaitMs) {
        double gapMs = 1000.0 / rate;
        return batch == 1 ? 1 : (int) Math.min(batch, Math.floor(Math.min(maxWaitMs, (batch - 1) * gapMs) / gapMs) + 1);
    }

    static double[] addedLatencyMillis(int batch, double rate, double maxWaitMs, double[] passMicros, double perEventMicros) {
        double gapMs = 1000.0 / rate;
        double fillMs = Math.min(maxWaitMs, (batch - 1) * gapMs);
        int filled = filledBatch(batch, rate, maxWaitMs);
        double[] sortedPass = passMicros.clone();
        Arrays.sort(sortedPass);
        int samples = 20_000;
        double[] added = new double[samples];
        for (int s = 0; s < samples; s++) {
            int position = s % filled;
            double waitMs = Math.max(0, fillMs - position * gapMs);
            double passMs = sortedPass[(int) ((long) s * 7919 % sortedPass.length)] / 1000.0;
            added[s] = Math.max(0, waitMs + passMs - perEventMicros / 1000.0);
        }
        Arrays.sort(added);
        return new double[] {added[samples / 2], added[(int) (samples * 0.99)]};
    }
}
