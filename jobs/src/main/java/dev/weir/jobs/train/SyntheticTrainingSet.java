package dev.weir.jobs.train;

import dev.weir.jobs.synthetic.TransactionGenerator;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSetEngine;
import java.util.SplittableRandom;

/**
 * A labelled training set from the synthetic generator on a simulated clock, with features
 * computed by the same feature engine the streaming job runs.
 *
 * @param features one vector per event, in the feature set's vector order
 * @param labels fraud or not
 * @param eventTimes event time of each row
 */
public record SyntheticTrainingSet(double[][] features, boolean[] labels, long[] eventTimes) {

    /** Simulated start: a fixed instant, so the set depends on the seed alone. */
    public static final long START_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    public static SyntheticTrainingSet generate(
            FeatureSet featureSet, long seed, int events, int accounts, double ratePerSecond, double fraudShare) {
        TransactionGenerator generator = new TransactionGenerator(seed, accounts, fraudShare);
        SplittableRandom arrivals = new SplittableRandom(seed + 1);
        FeatureSetEngine engine = new FeatureSetEngine(featureSet, Transaction.getClassSchema());
        double[][] features = new double[events][];
        boolean[] labels = new boolean[events];
        long[] times = new long[events];
        double now = START_MILLIS;
        for (int i = 0; i < events; i++) {
            now += -Math.log(1 - arrivals.nextDouble()) * 1000.0 / ratePerSecond;
            TransactionGenerator.Generated g = generator.next((long) now);
            Transaction txn = g.transaction();
            // Generated in event-time order: the in-order case, where values equal the stream's.
            features[i] = engine.update(txn, txn.getEventTime().toEpochMilli(), null);
            labels[i] = g.fraud();
            times[i] = txn.getEventTime().toEpochMilli();
        }
        return new SyntheticTrainingSet(features, labels, times);
    }
}
