package dev.weir.jobs.config;

import dev.weir.operators.features.FeatureOrdering;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * Which features are computed and in what order each entity's events are aggregated. Part of {@link
 * PipelineConfig}, which reads and compiles {@code definitions} once into the feature set.
 *
 * @param definitions YAML file of the feature set; empty: the bundled reference set
 * @param publish whether the entity stages write each entity's latest values to Kafka
 */
public record FeatureConfig(
        String definitions, FeatureOrdering ordering, Duration orderingMaxWait, boolean publish) {

    /** Reads the {@code features.*} options; parse errors are the caller's to report. */
    static FeatureConfig from(Configuration conf) {
        return new FeatureConfig(
                conf.get(WeirOptions.FEATURE_DEFINITIONS),
                conf.get(WeirOptions.FEATURE_ORDERING),
                conf.get(WeirOptions.FEATURE_ORDERING_MAX_WAIT),
                conf.get(WeirOptions.FEATURES_PUBLISH));
    }

    List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (orderingMaxWait.isNegative()) {
            problems.add(
                    WeirOptions.FEATURE_ORDERING_MAX_WAIT.key()
                            + " must not be negative (0: no maximum)");
        }
        return problems;
    }
}
