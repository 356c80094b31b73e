package dev.weir.state.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * The release before cold panes beside the current engine: {@link ReleasedEntityEngine} runs every
 * event the test gives the current engine, and each value the current engine gave must be the very
 * bits the release gives (and the same features warming up). An exact reference, where the
 * brute-force one allows rounding and sketch error.
 */
final class ReleasedReference {

    private final EntitySpec spec;
    private final ReleasedEntityEngine engine;
    private final Map<String, ReleasedEntityState> states = new HashMap<>();
    private final double[] values;

    /** Values compared so far. */
    long compared;

    ReleasedReference(EntitySpec spec, Schema recordSchema) {
        this.spec = spec;
        this.engine = new ReleasedEntityEngine(spec, recordSchema);
        this.values = new double[engine.width()];
    }

    /** The release's entity states, for tests that write them as that release did. */
    Map<String, ReleasedEntityState> states() {
        return states;
    }

    /** Aggregates the event as the release did, without comparing. */
    void aggregate(String key, IndexedRecord record, long eventTime) {
        engine.update(
                states.computeIfAbsent(key, k -> engine.newState()),
                record,
                eventTime,
                values,
                0,
                null);
    }

    /**
     * Aggregates the event as the release did and compares: {@code actual[base ..]} must hold the
     * release's values bit for bit, and {@code warming} (when not null) name the same features.
     */
    void assertSame(
            String key,
            IndexedRecord record,
            long eventTime,
            double[] actual,
            int base,
            List<String> warming) {
        List<String> releasedWarming = warming == null ? null : new ArrayList<>();
        engine.update(
                states.computeIfAbsent(key, k -> engine.newState()),
                record,
                eventTime,
                values,
                0,
                releasedWarming);
        List<String> names = spec.vectorNames();
        for (int k = 0; k < values.length; k++) {
            long expected = Double.doubleToRawLongBits(values[k]);
            long got = Double.doubleToRawLongBits(actual[base + k]);
            if (expected != got) {
                throw new AssertionError(
                        String.format(
                                "%s of %s at %d: the release gave %s (%x), this engine %s (%x),"
                                        + " after %d equal values",
                                names.get(k),
                                key,
                                eventTime,
                                values[k],
                                expected,
                                actual[base + k],
                                got,
                                compared));
            }
            compared++;
        }
        if (warming != null) {
            assertThat(warming)
                    .as("warming features of %s at %d", key, eventTime)
                    .isEqualTo(releasedWarming);
        }
    }
}
