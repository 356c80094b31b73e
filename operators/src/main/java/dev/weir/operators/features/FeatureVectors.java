package dev.weir.operators.features;

import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Transaction;
import java.util.ArrayList;
import java.util.List;

/** Building the feature vector as an event crosses the entity stages. */
public final class FeatureVectors {

    private FeatureVectors() {}

    /** An event with no features yet, stamped with the version of its (empty) vector. */
    public static FeaturedTransaction start(Transaction txn, String featureSetVersion) {
        return new FeaturedTransaction(
                txn, new ArrayList<>(), featureSetVersion, new ArrayList<>());
    }

    /** The event with {@code values} appended to its vector, which keeps its version. */
    public static FeaturedTransaction append(
            FeaturedTransaction in, double[] values, List<String> warming) {
        return append(in, values, warming, in.getFeatureSetVersion());
    }

    /**
     * The event with {@code values} appended to its vector, stamped with the vector's new version.
     */
    public static FeaturedTransaction append(
            FeaturedTransaction in, double[] values, List<String> warming, String version) {
        List<Double> features = new ArrayList<>(in.getFeatures().size() + values.length);
        features.addAll(in.getFeatures());
        for (double v : values) {
            features.add(v);
        }
        return new FeaturedTransaction(in.getTransaction(), features, version, warming);
    }
}
