package dev.weir.state.features;

import java.util.Arrays;

/**
 * One entity's hot state: its newest event time and one state per stateful feature (null for
 * derived features), laid out as {@link #layout} says, each holding its window's oldest and newest
 * panes and what its value needs of the others; the panes in between are in the entity's {@link
 * ColdPanes}. Lives on the heap of the state backend between events. A state restored under older
 * definitions keeps their layout until the engine of the current definitions first touches it and
 * remaps it.
 */
public final class EntityState {

    public long newestEventTime = Long.MIN_VALUE;
    FeatureState[] features;
    Layout layout;

    /** The section the next feature state made for this entity gets. */
    int nextSection;

    /**
     * Features were dropped by an upgrade: their cold panes are removed at the entity's next event.
     */
    boolean orphanedCold;

    EntityState(Layout layout, FeatureState[] features) {
        this.layout = layout;
        this.features = features;
    }

    /** The feature states, in {@link #layout} order. */
    public FeatureState[] features() {
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
