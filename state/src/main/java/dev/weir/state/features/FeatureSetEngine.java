package dev.weir.state.features;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * Every entity of a feature set over in-memory maps of entity states and their cold panes: the
 * reference implementation of what the streaming stages compute, for training sets and tests.
 * Events must come in the order the stream would see them.
 */
public final class FeatureSetEngine {

    private final FeatureSet featureSet;
    private final List<EntityEngine> engines = new ArrayList<>();
    private final List<Map<String, EntityState>> states = new ArrayList<>();
    private final List<Map<String, ColdPanes.InMemory>> colds = new ArrayList<>();
    private final int width;

    public FeatureSetEngine(FeatureSet featureSet, Schema recordSchema) {
        this.featureSet = featureSet;
        int w = 0;
        for (EntitySpec e : featureSet.entities()) {
            EntityEngine engine = new EntityEngine(e, recordSchema);
            engines.add(engine);
            states.add(new HashMap<>());
            colds.add(new HashMap<>());
            w += engine.width();
        }
        this.width = w;
    }

    public FeatureSet featureSet() {
        return featureSet;
    }

    public int width() {
        return width;
    }

    /** The full vector for one event. */
    public double[] update(IndexedRecord record, long eventTime, List<String> warming) {
        double[] out = new double[width];
        int offset = 0;
        for (int i = 0; i < engines.size(); i++) {
            EntityEngine engine = engines.get(i);
            String key = engine.key(record);
            if (key == null) {
                engine.writeDefaults(out, offset);
            } else {
                EntityState state = states.get(i).computeIfAbsent(key, k -> engine.newState());
                ColdPanes cold = colds.get(i).computeIfAbsent(key, k -> ColdPanes.inMemory());
                engine.update(state, cold, record, eventTime, out, offset, warming);
            }
            offset += engine.width();
        }
        return out;
    }

    /** Entity states held, per entity name. */
    public Map<String, Integer> stateCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < engines.size(); i++) {
            counts.put(engines.get(i).spec().name(), states.get(i).size());
        }
        return counts;
    }

    /** Serialized size of one entity's hot state (read and written per event on RocksDB). */
    public int serializedBytes(String entity, String key) {
        int i = indexOf(entity);
        EntityState state = states.get(i).get(key);
        if (state == null) {
            return 0;
        }
        try {
            org.apache.flink.core.memory.DataOutputSerializer bytes =
                    new org.apache.flink.core.memory.DataOutputSerializer(1024);
            engines.get(i).write(state, bytes);
            return bytes.length();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Bytes of one entity's cold panes (read and written when blocks of panes move). */
    public long coldBytes(String entity, String key) {
        ColdPanes.InMemory cold = colds.get(indexOf(entity)).get(key);
        return cold == null ? 0 : cold.bytes();
    }

    private int indexOf(String entity) {
        for (int i = 0; i < engines.size(); i++) {
            if (engines.get(i).spec().name().equals(entity)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no entity " + entity);
    }
}
