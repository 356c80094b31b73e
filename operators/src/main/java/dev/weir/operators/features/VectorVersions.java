package dev.weir.operators.features;

import dev.weir.schemas.FeaturedTransaction;
import dev.weir.state.features.FeatureSet;
import java.io.Serializable;

/**
 * What an entity stage may append to and what it stamps on its output. Between the stages an event
 * carries the version of the entities whose values it holds so far ({@link
 * FeatureSet#prefixVersion}); after the last stage that is the feature set's version.
 *
 * <p>An event that waited in a stage's state across an upgrade holds values computed by the
 * previous definitions of the stages before it. If those changed, appending this stage's values
 * would give a vector that matches neither set, so such an event is refused instead.
 *
 * @param input the version of the entities before the stage
 * @param output the version including the stage's entity
 * @param whole the whole set's version: what events waiting in the previous release's state carry
 *     (they were stamped once, at the start), consistent if the set is unchanged
 * @param first the first stage: nothing precedes it, so every event is consistent
 */
public record VectorVersions(String input, String output, String whole, boolean first)
        implements Serializable {

    /** The versions of the stage of entity number {@code index} (0-based) of {@code set}. */
    public static VectorVersions of(FeatureSet set, int index) {
        return new VectorVersions(
                set.prefixVersion(index), set.prefixVersion(index + 1), set.version(), index == 0);
    }

    /** Whether the values {@code event} already holds were computed by this set's definitions. */
    public boolean accepts(FeaturedTransaction event) {
        String version = event.getFeatureSetVersion();
        return first || input.equals(version) || whole.equals(version);
    }
}
