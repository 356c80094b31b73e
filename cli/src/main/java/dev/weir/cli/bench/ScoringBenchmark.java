package dev.weir.cli.bench;

import dev.weir.cli.WeirCommand;
import dev.weir.cli.train.SyntheticTrainingSet;
import dev.weir.jobs.config.FeatureSets;
import dev.weir.models.BatchScorer;
import dev.weir.models.IntegratedGradients;
import dev.weir.models.ModelBundle;
import dev.weir.models.NativeBackend;
import dev.weir.models.NativeThreads;
import dev.weir.models.Scorer;
import dev.weir.models.TopReasons;
import dev.weir.models.TrainerConfig;
import dev.weir.state.features.FeatureSet;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code weir bench scoring}: scoring throughput of the reference network on one core, one forward
 * pass per event beside batches of 1, 8, 32, 128 and 512, in one run; and the latency that batching
 * adds at a given arrival rate and maximum wait, from the measured pass times. Then, side by side,
 * the time of a pass as the scoring operator ran it before its buffers were reused and its native
 * threads limited, and as it runs it now; and the time of a batch scored plainly beside the same
 * batch scored with reason codes (integrated gradients and the top three features), with the ratio
 * and how closely the attributions add up to the score.
 */
@Command(
        name = "scoring",
        description = {
            "Scoring throughput per event and in batches, on one core.",
            "The reference network one event at a time and in batches of 1 to 512; "
                    + "the latency batching adds at a rate and maximum wait; the operator's "
                    + "pass before and after its buffers were reused; plain scoring beside "
                    + "scoring with reason codes."
        })
public final class ScoringBenchmark extends WeirCommand {

    @Option(
            names = "--events",
            paramLabel = "N",
            defaultValue = "200000",
            description = "Events per variant.%nDefault: ${DEFAULT-VALUE}.")
    int events;

    @Option(
            names = "--rate",
            paramLabel = "N",
            defaultValue = "5000",
            description =
                    "Arrival rate per subtask for the added latency.%nDefault: "
                            + "${DEFAULT-VALUE}.")
    double rate;

    @Option(
            names = "--max-wait",
            paramLabel = "DURATION",
            defaultValue = "10ms",
            description = "Longest a batch waits to fill.%nDefault: ${DEFAULT-VALUE}.")
    Duration maxWait;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "The model to score with.%nDefault: one trained for the run.")
    Path model;

    @Option(
            names = "--side-events",
            paramLabel = "N",
            defaultValue = "20000",
            description = "Events of the before/after comparison.%nDefault: ${DEFAULT-VALUE}.")
    int sideEvents;

    @Option(
            names = "--reasons-only",
            description =
                    "Only the comparison of plain scoring with scoring with reason codes (and their"
                            + " completeness).")
    boolean reasonsOnly;

    @Override
    protected void run() throws Exception {
        atLeast("--events", events, 1_000);
        within("--rate", rate, 1, 1e7);
        atLeast("--side-events", sideEvents, 1_000);
        double maxWaitMs = maxWait.toNanos() / 1e6;
        NativeBackend.start();
        // ND4J's process-wide defaults, for the variant that runs as the operator did before.
        int defaultPoolThreads = Nd4j.getEnvironment().maxMasterThreads();
        int defaultBlasThreads = Nd4j.factory().blas().getMaxThreads();
        // One core, as a scoring subtask: ND4J's OpenMP team, pool and OpenBLAS would otherwise use
        // all.
        NativeThreads.limitCallingThread(1);

        FeatureSet set = FeatureSets.reference();
        Path modelDir = BenchSupport.givenOrTrained(model);
        ModelBundle bundle = ModelBundle.load(modelDir);
        SyntheticTrainingSet synthetic =
                SyntheticTrainingSet.generate(set, 11L, 20_000, 2_000, 200, 0.02);
        double[][] vectors = synthetic.features();
        if (reasonsOnly) {
            reasonsSideBySide(modelDir, vectors, synthetic.labels(), sideEvents, out);
            return;
        }

        out.printf(
                "Reference network %s (%d inputs, hidden %s), one core, %d events per variant%n",
                bundle.metadata().name(),
                bundle.metadata().featureCount(),
                TrainerConfig.defaults().hiddenLayers(),
                events);
        Scorer single = new Scorer(bundle);
        // Warm-up of both paths (JIT, ND4J workspaces), not reported.
        perEvent(single, vectors, events / 4);
        try (BatchScorer warmUp = new BatchScorer(bundle, 32)) {
            batched(warmUp, vectors, events / 4, 32, null);
        }

        double perEventRate = perEvent(single, vectors, events);
        out.printf("%-28s %14s %12s%n", "variant", "events/s", "x per-event");
        out.printf("%-28s %14.0f %12.2f%n", "per event (Scorer)", perEventRate, 1.0);
        StringBuilder latency =
                new StringBuilder(
                        String.format(
                                "%nAdded latency at %.0f events/s per subtask, max wait %.0f ms (wait for the batch + its pass,"
                                        + " minus the per-event pass):%n",
                                rate, maxWaitMs));
        for (int batch : new int[] {1, 8, 32, 128, 512}) {
            try (BatchScorer scorer = new BatchScorer(bundle, batch)) {
                double r = batched(scorer, vectors, events, batch, null);
                out.printf("%-28s %14.0f %12.2f%n", "batches of " + batch, r, r / perEventRate);
                // At this rate a batch holds what arrives within the maximum wait: time passes of
                // that size.
                int filled = filledBatch(batch, rate, maxWaitMs);
                double[] passMicros = new double[2_000];
                batched(scorer, vectors, filled * passMicros.length, filled, passMicros);
                double[] added =
                        addedLatencyMillis(batch, rate, maxWaitMs, passMicros, 1e6 / perEventRate);
                latency.append(
                        String.format(
                                "  batches of %-4d (%3d events in %4.1f ms)  p50 %6.2f ms  p99 %6.2f ms%n",
                                batch,
                                filled,
                                Math.min(maxWaitMs, (filled - 1) * 1000.0 / rate),
                                added[0],
                                added[1]));
            }
        }
        out.print(latency);
        sideBySide(modelDir, vectors, sideEvents, defaultPoolThreads, defaultBlasThreads, out);
        reasonsSideBySide(modelDir, vectors, synthetic.labels(), sideEvents, out);
    }

    /** Batch sizes of the reason-code comparison: one event, the pipeline's default, large. */
    private static final int[] REASON_BATCHES = {1, 64, 512};

    private static final int REASONS = 3;
    private static final int COMPLETENESS_VECTORS = 5_000;

    /**
     * Per-batch time of plain scoring beside scoring with reason codes as the scoring operator
     * computes them (the forward pass, then integrated gradients of every row and its top {@value
     * #REASONS} features), each variant on a new thread as a subtask's task thread with one native
     * thread, in {@value #ROUNDS} rounds of alternating order; the round with the median wall time
     * is reported, and the ratio of the medians. Then how closely the attributions add up to each
     * score minus the baseline's (completeness) and how many linear regions the paths cross.
     */
    private static void reasonsSideBySide(
            Path modelDir, double[][] vectors, boolean[] fraud, int events, PrintStream out)
            throws Exception {
        out.printf(
                "%nPer batch, plain scoring beside scoring with %d reason codes (exact integrated gradients"
                        + " against the mean training vector; median of %d rounds of alternating order, at least %d"
                        + " events or 2,000 batches per variant and round):%n",
                REASONS, ROUNDS, events);
        out.printf(
                "%-6s %12s %12s %8s %12s %12s %10s %s%n",
                "batch",
                "plain us",
                "reasons us",
                "ratio",
                "plain CPU",
                "reasons CPU",
                "other CPU",
                "wall us per round, plain | reasons");
        try (OtherCpu others = new OtherCpu()) {
            for (int batch : REASON_BATCHES) {
                int passes = Math.max(2_000, events / batch);
                double[][][] measured = new double[2][ROUNDS][];
                double otherCpu = 0;
                for (int round = 0; round < ROUNDS; round++) {
                    for (int k = 0; k < 2; k++) {
                        boolean explained = (round % 2 == 0 ? k : 1 - k) == 1;
                        System.gc();
                        Thread.sleep(1_000);
                        double[] mark = others.mark();
                        measured[explained ? 1 : 0][round] =
                                onTaskThread(
                                        () -> {
                                            NativeThreads.limitCallingThread(1);
                                            try (BatchScorer scorer =
                                                    new BatchScorer(
                                                            ModelBundle.load(modelDir),
                                                            batch,
                                                            explained)) {
                                                return perPass(
                                                        scorer::set,
                                                        explained
                                                                ? rows -> explain(scorer, rows)
                                                                : scorer::score,
                                                        vectors,
                                                        batch,
                                                        passes);
                                            }
                                        });
                        otherCpu += others.since(mark) / (2 * ROUNDS);
                    }
                }
                double[] plain = median(measured[0]);
                double[] reasons = median(measured[1]);
                out.printf(
                        "%-6d %12.1f %12.1f %8.2f %12.1f %12.1f %10.2f %s | %s%n",
                        batch,
                        plain[0],
                        reasons[0],
                        reasons[0] / plain[0],
                        plain[1],
                        reasons[1],
                        otherCpu,
                        rounds(measured[0]),
                        rounds(measured[1]));
            }
        }
        ModelBundle bundle = ModelBundle.load(modelDir);
        int n = Math.min(COMPLETENESS_VECTORS, vectors.length);
        double[] errors = new double[n];
        long regions = 0;
        IntegratedGradients gradients = new IntegratedGradients(bundle.network());
        try (BatchScorer scorer = new BatchScorer(bundle, 1)) {
            double[] attributions = new double[bundle.metadata().featureCount()];
            for (int i = 0; i < n; i++) {
                scorer.set(0, vectors[i]);
                double score = scorer.score(1)[0];
                gradients.attribute(normalised(bundle, vectors[i]), attributions);
                regions += gradients.regions();
                errors[i] =
                        Math.abs(
                                Arrays.stream(attributions).sum()
                                        - (score - gradients.baselineScore()));
            }
        }
        Arrays.sort(errors);
        out.printf(
                "%nCompleteness over %d vectors: |sum of attributions - (score - baseline score %.5f)| mean"
                        + " %.2e, p99 %.2e, largest %.2e (the score in float32, the attributions in double);"
                        + " %.1f linear regions per path on average%n",
                n,
                gradients.baselineScore(),
                Arrays.stream(errors).average().orElse(0),
                errors[(int) (n * 0.99)],
                errors[n - 1],
                regions / (double) n);
        declinedFraudReasons(bundle, vectors, fraud, out);
    }

    /**
     * Which features the reason codes of declined synthetic fraud name: how often each is the first
     * reason and how often among the {@value #REASONS}, most frequent first.
     */
    private static void declinedFraudReasons(
            ModelBundle bundle, double[][] vectors, boolean[] fraud, PrintStream out) {
        java.util.List<String> names = bundle.metadata().featureNames();
        int[] first = new int[names.size()];
        int[] among = new int[names.size()];
        int declined = 0;
        int frauds = 0;
        try (BatchScorer scorer = new BatchScorer(bundle, 64, true)) {
            for (int start = 0; start < vectors.length; start += 64) {
                int rows = Math.min(64, vectors.length - start);
                for (int r = 0; r < rows; r++) {
                    scorer.set(r, vectors[start + r]);
                }
                double[] scores = scorer.score(rows).clone();
                double[][] attributions = scorer.attributions(rows);
                for (int r = 0; r < rows; r++) {
                    if (!fraud[start + r]) {
                        continue;
                    }
                    frauds++;
                    if (!scorer.declines(scores[r])) {
                        continue;
                    }
                    declined++;
                    int[] top = TopReasons.of(attributions[r], REASONS);
                    if (top.length > 0) {
                        first[top[0]]++;
                    }
                    for (int j : top) {
                        among[j]++;
                    }
                }
            }
        }
        out.printf(
                "Reasons of the %d declined of %d synthetic frauds: first reason %s; among the %d: %s%n",
                declined,
                frauds,
                mostFrequent(names, first, 5),
                REASONS,
                mostFrequent(names, among, 6));
    }

    private static String mostFrequent(java.util.List<String> names, int[] counts, int shown) {
        Integer[] order = new Integer[counts.length];
        for (int j = 0; j < order.length; j++) {
            order[j] = j;
        }
        Arrays.sort(order, (x, y) -> Integer.compare(counts[y], counts[x]));
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < Math.min(shown, order.length) && counts[order[k]] > 0; k++) {
            text.append(k == 0 ? "" : ", ")
                    .append(names.get(order[k]))
                    .append(' ')
                    .append(counts[order[k]]);
        }
        return text.toString();
    }

    /** What the operator does for a batch with reason codes: scores, attributions, top reasons. */
    private static double[] explain(BatchScorer scorer, int rows) {
        double[] scores = scorer.score(rows);
        double[][] attributions = scorer.attributions(rows);
        for (int r = 0; r < rows; r++) {
            // The result is checked, so the compiler cannot drop the ranking as unused.
            if (TopReasons.of(attributions[r], REASONS).length > REASONS) {
                throw new IllegalStateException("more reasons than asked for");
            }
        }
        return scores;
    }

    /** A vector as the scorer writes it: normalised, rounded to float32. */
    private static double[] normalised(ModelBundle bundle, double[] vector) {
        double[] means = bundle.metadata().featureMeans();
        double[] stds = bundle.metadata().featureStds();
        double[] x = new double[vector.length];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) ((vector[j] - means[j]) / stds[j]);
        }
        return x;
    }

    private static double[] median(double[][] rounds) {
        double[][] sorted = rounds.clone();
        Arrays.sort(sorted, java.util.Comparator.comparingDouble(r -> r[0]));
        return sorted[ROUNDS / 2];
    }

    private static String rounds(double[][] rounds) {
        StringBuilder perRound = new StringBuilder();
        for (double[] r : rounds) {
            perRound.append(perRound.length() == 0 ? "" : " / ")
                    .append(String.format("%.0f", r[0]));
        }
        return perRound.toString();
    }

    /**
     * How a variant scores: the operator's scoring before and after its buffers and threads
     * changed.
     */
    private enum Variant {
        BEFORE("before: output allocated per pass, ND4J's default threads"),
        BEFORE_ONE_THREAD("output allocated per pass, 1 native thread"),
        NOW("now: reused buffers and workspaces, 1 native thread");

        final String label;

        Variant(String label) {
            this.label = label;
        }
    }

    /**
     * Per-pass times of the three variants at batches of 1, 64 (the pipeline's default) and 512,
     * each on a new thread as a subtask's task thread, in {@value #ROUNDS} rounds of alternating
     * order; the round with the median wall time is reported, and every round's wall time in the
     * order they ran. CPU is split into the scoring thread's own and the rest of the JVM's (ND4J's
     * native threads, the garbage collector, the compiler).
     */
    private static void sideBySide(
            Path modelDir,
            double[][] vectors,
            int events,
            int defaultPoolThreads,
            int defaultBlasThreads,
            PrintStream out)
            throws Exception {
        out.printf(
                "%nPer pass, before and after buffer reuse and the native thread limit (median of %d rounds of"
                        + " alternating order, at least %d events or 2,000 passes per variant and round):%n",
                ROUNDS, events);
        out.printf(
                "%-6s %-58s %9s %12s %12s %10s %s%n",
                "batch",
                "variant",
                "wall us",
                "thread CPU",
                "other JVM CPU",
                "other CPU",
                "wall us per round");
        Variant[] variants = Variant.values();
        try (OtherCpu others = new OtherCpu()) {
            for (int batch : new int[] {1, 64, 512}) {
                int passes = Math.max(2_000, events / batch);
                double[][][] measured = new double[variants.length][ROUNDS][];
                double[] otherCpu = new double[variants.length];
                for (int round = 0; round < ROUNDS; round++) {
                    for (int k = 0; k < variants.length; k++) {
                        Variant variant = variants[round % 2 == 0 ? k : variants.length - 1 - k];
                        if (variant == Variant.BEFORE) {
                            Nd4j.getEnvironment().setMaxMasterThreads(defaultPoolThreads);
                            Nd4j.factory().blas().setMaxThreads(defaultBlasThreads);
                        }
                        // Let the previous variant's garbage and native threads settle first.
                        System.gc();
                        Thread.sleep(1_000);
                        double[] mark = others.mark();
                        measured[variant.ordinal()][round] =
                                onTaskThread(
                                        () ->
                                                perPass(
                                                        variant,
                                                        ModelBundle.load(modelDir),
                                                        vectors,
                                                        batch,
                                                        passes));
                        otherCpu[variant.ordinal()] += others.since(mark) / ROUNDS;
                    }
                }
                for (Variant variant : variants) {
                    double[][] rounds = measured[variant.ordinal()].clone();
                    Arrays.sort(rounds, java.util.Comparator.comparingDouble(r -> r[0]));
                    double[] median = rounds[ROUNDS / 2];
                    StringBuilder perRound = new StringBuilder();
                    for (double[] r : measured[variant.ordinal()]) {
                        perRound.append(perRound.length() == 0 ? "" : " / ")
                                .append(String.format("%.0f", r[0]));
                    }
                    out.printf(
                            "%-6d %-58s %9.1f %12.1f %12.1f %10.2f %s%n",
                            batch,
                            variant.label,
                            median[0],
                            median[1],
                            median[2],
                            otherCpu[variant.ordinal()],
                            perRound);
                }
            }
        }
    }

    private static final int ROUNDS = 5;

    /**
     * {wall, scoring thread CPU, rest of the JVM's CPU} microseconds per pass, after a warm-up of a
     * quarter as many passes.
     */
    private static double[] perPass(
            Variant variant, ModelBundle bundle, double[][] vectors, int batch, int passes) {
        if (variant != Variant.BEFORE) {
            NativeThreads.limitCallingThread(1);
        }
        if (variant == Variant.NOW) {
            try (BatchScorer scorer = new BatchScorer(bundle, batch)) {
                return perPass(scorer::set, scorer::score, vectors, batch, passes);
            }
        }
        AllocatingScorer scorer = new AllocatingScorer(bundle, batch);
        return perPass(scorer::set, scorer::score, vectors, batch, passes);
    }

    private static double[] perPass(
            java.util.function.BiConsumer<Integer, double[]> set,
            java.util.function.IntFunction<double[]> score,
            double[][] vectors,
            int batch,
            int passes) {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();
        java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double sink = 0;
        long wallStart = 0;
        long processStart = 0;
        long threadStart = 0;
        int warmUp = passes / 4;
        for (int pass = 0; pass < warmUp + passes; pass++) {
            if (pass == warmUp) {
                wallStart = System.nanoTime();
                processStart = os.getProcessCpuTime();
                threadStart = threads.getCurrentThreadCpuTime();
            }
            for (int r = 0; r < batch; r++) {
                set.accept(r, vectors[(pass * batch + r) % vectors.length]);
            }
            sink += score.apply(batch)[0];
        }
        double wall = (System.nanoTime() - wallStart) / 1e3 / passes;
        double thread = (threads.getCurrentThreadCpuTime() - threadStart) / 1e3 / passes;
        double process = (os.getProcessCpuTime() - processStart) / 1e3 / passes;
        if (sink == -1) {
            System.out.println(sink);
        }
        return new double[] {wall, thread, Math.max(0, process - thread)};
    }

    /**
     * Runs {@code body} on a new thread, as ND4J sees a subtask's task thread, and returns its
     * result.
     */
    private static double[] onTaskThread(java.util.function.Supplier<double[]> body)
            throws Exception {
        double[][] result = new double[1][];
        RuntimeException[] failure = new RuntimeException[1];
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                result[0] = body.get();
                            } catch (RuntimeException e) {
                                failure[0] = e;
                            }
                        },
                        "weir-bench-scoring");
        thread.start();
        thread.join();
        if (failure[0] != null) {
            throw failure[0];
        }
        return result[0];
    }

    /**
     * The batch scorer as the operator used it before: one input matrix and views of it, but the
     * network's output allocated for every pass outside any workspace (released by the garbage
     * collector).
     */
    private static final class AllocatingScorer {
        private final MultiLayerNetwork network;
        private final INDArray input;
        private final double[] means;
        private final double[] stds;
        private final double[] scores;

        AllocatingScorer(ModelBundle bundle, int capacity) {
            this.network = bundle.network();
            this.means = bundle.metadata().featureMeans();
            this.stds = bundle.metadata().featureStds();
            try (MemoryWorkspace detached = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                this.input = Nd4j.create(DataType.FLOAT, capacity, means.length);
            }
            this.scores = new double[capacity];
        }

        void set(int row, double[] features) {
            for (int i = 0; i < features.length; i++) {
                input.putScalar(row, i, (features[i] - means[i]) / stds[i]);
            }
        }

        double[] score(int rows) {
            INDArray batch =
                    rows == input.rows()
                            ? input
                            : input.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
            INDArray out = network.output(batch, false);
            for (int r = 0; r < rows; r++) {
                scores[r] = out.getDouble(r, 1);
            }
            return scores;
        }
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

    private static double batched(
            BatchScorer scorer, double[][] vectors, int events, int batch, double[] passMicros) {
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
     * the batch to fill (events arrive every 1/rate) or for the maximum wait from the batch's first
     * event, then for the measured pass; minus the per-event pass it replaces.
     *
     * @return {p50, p99} in milliseconds
     */
    static int filledBatch(int batch, double rate, double maxWaitMs) {
        double gapMs = 1000.0 / rate;
        return batch == 1
                ? 1
                : (int)
                        Math.min(
                                batch,
                                Math.floor(Math.min(maxWaitMs, (batch - 1) * gapMs) / gapMs) + 1);
    }

    static double[] addedLatencyMillis(
            int batch, double rate, double maxWaitMs, double[] passMicros, double perEventMicros) {
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
