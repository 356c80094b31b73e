package dev.weir.jobs.config;

import dev.weir.schemas.Transaction;
import dev.weir.state.features.EntityEngine;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Loads feature sets and checks them against the input record before anything runs. */
public final class FeatureSets {

    /** The card-fraud reference set shipped in the job jar. */
    public static final String REFERENCE = "features/fraud-reference.yaml";

    /** The reference set on the time scale of {@code weir demo}: windows of seconds to minutes. */
    public static final String DEMO = "features/fraud-demo.yaml";

    private FeatureSets() {}

    /** The set in {@code location}, or the bundled reference when it is null or empty. */
    public static FeatureSet load(String location) {
        FeatureSet set =
                location == null || location.isBlank()
                        ? reference()
                        : FeatureSet.fromYaml(Path.of(location));
        for (EntitySpec entity : set.entities()) {
            // Compiling against the input schema finds unknown or mistyped fields now.
            new EntityEngine(entity, Transaction.getClassSchema());
        }
        return set;
    }

    public static FeatureSet reference() {
        return FeatureSet.fromYaml(bundledYaml(REFERENCE));
    }

    public static FeatureSet demo() {
        return FeatureSet.fromYaml(bundledYaml(DEMO));
    }

    /** The text of a set shipped in the job jar ({@link #REFERENCE}, {@link #DEMO}). */
    public static String bundledYaml(String resource) {
        try (InputStream in = FeatureSets.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
