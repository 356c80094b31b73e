package dev.weir.state.features;

import java.util.Arrays;

/**
 * {@link EntityState} of the release before cold panes, unchanged ({@link ReleasedEntityEngine}).
 *
 * <p>Everything one entity keeps: its newest event time and one state per stateful feature (null
 * for derived features), laid out as {@link #layout} says. Lives on the heap of the state backend
 * between events. A state restored under older definitions keeps their layout until the engine of
 * the current definitions first touches it and remaps it.
 */
public final class ReleasedEntityState {

    public long newestEventTime = Long.MIN_VALUE;
    ReleasedFeatureState[] features;
    Layout layout;

    ReleasedEntityState(Layout layout, ReleasedFeatureState[] features) {
        this.layout = layout;
        this.features = features;
    }

    /** The feature states, in {@link #layout} order. */
    public ReleasedFeatureState[] features() {
        return features;
    }

    /** Names and definition fingerprints of the features a state array holds. */
    static final class Layout {
        final String[] names;
        final long[] fingerprints;

        Layout(String[] names, long[] fingerprints) {
            this.names = names;
            this.fingerprints = fingerprints;
        }

        int indexOf(String name, long fingerprint) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name) && fingerprints[i] == fingerprint) {
                    return i;
                }
            }
            return -1;
        }

        boolean sameAs(Layout other) {
            return Arrays.equals(names, other.names)
                    && Arrays.equals(fingerprints, other.fingerprints);
        }
    }
}
