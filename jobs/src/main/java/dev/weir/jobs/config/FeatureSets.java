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
        try (InputStream in = FeatureSets.class.getClassLoader().getResourceAsStream(REFERENCE)) {
            if (in == null) {
                throw new IllegalStateException(REFERENCE + " is missing from the classpath");
            }
            return FeatureSet.fromYaml(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
