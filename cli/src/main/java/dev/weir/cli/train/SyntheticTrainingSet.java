package dev.weir.cli.train;

import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSetEngine;
import java.util.SplittableRandom;

/**
 * A labelled training set from the synthetic generator on a simulated clock, with features computed
 * by the same feature engine the streaming job runs.
 *
 * @param features one vector per event, in the feature set's vector order
 * @param labels fraud or not
 * @param eventTimes event time of each row
 * @param inputs categorical input fields per row ({@link #INPUTS} and any asked for), for the
 *     reference profile and the fairness segments
 */
public record SyntheticTrainingSet(
        double[][] features,
        boolean[] labels,
        long[] eventTimes,
        java.util.Map<String, String[]> inputs) {

    /** The categorical inputs kept per row: what drift monitoring compares category shares of. */
    public static final java.util.List<String> INPUTS = java.util.List.of("country", "channel");

    /** Simulated start: a fixed instant, so the set depends on the seed alone. */
    public static final long START_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    public static SyntheticTrainingSet generate(
            FeatureSet featureSet,
            long seed,
            int events,
            int accounts,
            double ratePerSecond,
            double fraudShare) {
        return generate(
                featureSet,
                seed,
                events,
                accounts,
                ratePerSecond,
                fraudShare,
                INPUTS,
                java.time.Duration.ZERO);
    }

    /**
     * As {@link #generate(FeatureSet, long, int, int, double, double)}, keeping {@code fields} of
     * each transaction besides {@link #INPUTS}, after the features have run for {@code warmUp} of
     * simulated time: the payments of the warm-up feed the windows but are not rows, so every row
     * sees windows as full as a pipeline that has run longer than them (a warm-up as long as the
     * longest window; zero for none).
     *
     * @throws IllegalArgumentException when the transaction has no such field
     */
    public static SyntheticTrainingSet generate(
            FeatureSet featureSet,
            long seed,
            int events,
            int accounts,
            double ratePerSecond,
            double fraudShare,
            java.util.List<String> fields,
            java.time.Duration warmUp) {
        return generate(
                featureSet,
                new TransactionGenerator(seed, accounts, fraudShare),
                seed + 1,
                events,
                ratePerSecond,
                fields,
                warmUp.toMillis());
    }

    /** From a generator of the caller's (for example one population with another stream seed). */
    public static SyntheticTrainingSet generate(
            FeatureSet featureSet,
            TransactionGenerator generator,
            long arrivalSeed,
            int events,
            double ratePerSecond) {
        return generate(featureSet, generator, arrivalSeed, events, ratePerSecond, INPUTS, 0);
    }

    private static SyntheticTrainingSet generate(
            FeatureSet featureSet,
            TransactionGenerator generator,
            long arrivalSeed,
            int events,
            double ratePerSecond,
            java.util.List<String> fields,
            long warmUpMillis) {
        if (warmUpMillis < 0) {
            throw new IllegalArgumentException("the warm-up must not be negative");
        }
        java.util.LinkedHashSet<String> kept = new java.util.LinkedHashSet<>(INPUTS);
        kept.addAll(fields);
        for (String field : kept) {
            if (Transaction.getClassSchema().getField(field) == null) {
                throw new IllegalArgumentException("Transaction has no field '" + field + "'");
            }
        }
        SplittableRandom arrivals = new SplittableRandom(arrivalSeed);
        FeatureSetEngine engine = new FeatureSetEngine(featureSet, Transaction.getClassSchema());
        double[][] features = new double[events][];
        boolean[] labels = new boolean[events];
        long[] times = new long[events];
        java.util.Map<String, String[]> inputs = new java.util.LinkedHashMap<>();
        for (String field : kept) {
            inputs.put(field, new String[events]);
        }
        double now = START_MILLIS;
        long firstRow = START_MILLIS + warmUpMillis;
        for (int i = 0; i < events; ) {
            now += -Math.log(1 - arrivals.nextDouble()) * 1000.0 / ratePerSecond;
            TransactionGenerator.Generated g = generator.next((long) now);
            Transaction txn = g.transaction();
            // Generated in event-time order: the in-order case, where values equal the stream's.
            double[] values = engine.update(txn, txn.getEventTime().toEpochMilli(), null);
            if (txn.getEventTime().toEpochMilli() < firstRow) {
                continue;
            }
            features[i] = values;
            labels[i] = g.fraud();
            times[i] = txn.getEventTime().toEpochMilli();
            for (String field : kept) {
                Object value = txn.get(field);
                inputs.get(field)[i] = value == null ? "null" : value.toString();
            }
            i++;
        }
        return new SyntheticTrainingSet(features, labels, times, inputs);
    }
}
