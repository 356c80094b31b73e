package dev.weir.operators.monitoring;

import dev.weir.models.ModelBundle;
import dev.weir.models.ReferenceProfile;
import dev.weir.models.Storage;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the reference profile of a model version: through the registry when there is one, else in
 * the model directory the job was started with. Profiles are read once per version and subtask
 * (only {@code profile.json}, not the network) and cached; a version without a profile is
 * remembered as such.
 */
public final class ProfileLoader implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ProfileLoader.class);

    private final String registry;
    private final String modelDir;

    private transient Map<String, Optional<ReferenceProfile>> cache;

    private ProfileLoader(String registry, String modelDir) {
        this.registry = registry;
        this.modelDir = modelDir;
    }

    /**
     * For a job scoring with {@code pointer}, registered in {@code registry} (null or blank: none).
     */
    public static ProfileLoader of(ModelPointer pointer, String registry) {
        boolean hasRegistry = registry != null && !registry.isBlank();
        return new ProfileLoader(
                hasRegistry ? registry : null, hasRegistry ? null : pointer.location());
    }

    /** The version's profile, or empty when it has none or cannot be found. */
    public Optional<ReferenceProfile> profile(String name, String version) {
        if (cache == null) {
            cache = new HashMap<>();
        }
        return cache.computeIfAbsent(name + "\n" + version, k -> load(name, version));
    }

    private Optional<ReferenceProfile> load(String name, String version) {
        try {
            org.apache.flink.core.fs.Path dir =
                    Storage.path(
                            registry != null
                                    ? new ModelRegistry(registry).pointer(name, version).location()
                                    : modelDir);
            if (registry == null && !version.equals(ModelBundle.readMetadata(dir).version())) {
                LOG.warn(
                        "model version {} is not the one in {}: no drift for it without a registry",
                        version,
                        dir);
                return Optional.empty();
            }
            ReferenceProfile profile = ModelBundle.loadProfile(dir);
            if (profile == null) {
                LOG.warn(
                        "model {} version {} has no reference profile in {}: no drift for it",
                        name,
                        version,
                        dir);
            }
            return Optional.ofNullable(profile);
        } catch (RuntimeException e) {
            LOG.warn(
                    "cannot read the reference profile of model {} version {}: {}",
                    name,
                    version,
                    e.getMessage());
            return Optional.empty();
        }
    }
}
