package dev.weir.state.features;

import dev.weir.state.expr.CompiledExpression;
import dev.weir.state.expr.Expression;
import dev.weir.state.expr.Frame;
import dev.weir.state.expr.Scope;
import dev.weir.state.expr.Slot;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * <b>The release before cold panes</b>, kept unchanged as test code (only the class names differ):
 * {@link EntityEngine} of that release, the exact reference whose values the current engine must
 * give bit for bit, and the writer of that release's entity state (format 1), so tests make the
 * state its savepoints hold instead of storing it. Never change its behaviour.
 *
 * <p>One entity's feature definitions compiled against an input record schema: creates, updates and
 * (de)serializes {@link ReleasedEntityState}. Used alike by the streaming stage, the batch backfill
 * and training, so all three compute the same bits. Not thread-safe (one per subtask).
 *
 * <p>Per event: one filter evaluation per distinct filter, one O(1) amortised update per feature,
 * one pass over derived expressions. Filters and derived expressions are compiled here, so a
 * feature set whose expressions name unknown identifiers or mix strings and numbers fails when it
 * is loaded, and evaluating them reads fields and values by resolved index.
 */
public final class ReleasedEntityEngine {

    private static final int FORMAT = 1;

    private final EntitySpec spec;
    private final FieldReader key;
    private final FieldReader[] fields;
    private final int[] filterOf;
    private final CompiledExpression[] filters;
    private final boolean[] matches;
    private final CompiledExpression[] derived;
    private final int[] offsets;
    private final int width;
    private final long ttlMillis;
    private final Map<String, Integer> localIndex = new HashMap<>();
    private final List<List<Integer>> derivedInputs = new ArrayList<>();
    private final EventFrame frame;
    private final ReleasedEntityState.Layout layout;

    public ReleasedEntityEngine(EntitySpec spec, Schema recordSchema) {
        this.spec = spec;
        this.key = FieldReader.of(recordSchema, spec.keyField());
        List<FeatureSpec> features = spec.features();
        int n = features.size();
        this.fields = new FieldReader[n];
        this.filterOf = new int[n];
        this.derived = new CompiledExpression[n];
        this.offsets = new int[n];
        RecordFieldSlots recordFields = new RecordFieldSlots(recordSchema);
        Map<String, Integer> distinctFilters = new LinkedHashMap<>();
        List<CompiledExpression> compiledFilters = new ArrayList<>();
        int offset = 0;
        for (int i = 0; i < n; i++) {
            FeatureSpec f = features.get(i);
            localIndex.put(f.name(), i);
            offsets[i] = offset;
            offset += f.width();
            if (f.field() != null) {
                fields[i] = FieldReader.of(recordSchema, f.field());
                if (!fields[i].numeric()
                        && f.aggregation() != Aggregation.DISTINCT_COUNT
                        && f.aggregation() != Aggregation.COUNT) {
                    throw new IllegalArgumentException(
                            "feature '"
                                    + f.name()
                                    + "' of entity '"
                                    + spec.name()
                                    + "': "
                                    + f.aggregation()
                                    + " needs a numeric field, '"
                                    + f.field()
                                    + "' is not");
                }
            }
            filterOf[i] = -1;
            if (f.filter() != null) {
                Integer filter = distinctFilters.get(f.filter());
                if (filter == null) {
                    compiledFilters.add(compile(f, f.filter(), id -> filterSlot(id, recordFields)));
                    filter = distinctFilters.size();
                    distinctFilters.put(f.filter(), filter);
                }
                filterOf[i] = filter;
            }
        }
        this.width = offset;
        this.filters = compiledFilters.toArray(new CompiledExpression[0]);
        this.matches = new boolean[filters.length];
        for (int i = 0; i < n; i++) {
            FeatureSpec f = features.get(i);
            List<Integer> inputs = new ArrayList<>();
            if (f.aggregation() == Aggregation.DERIVED) {
                int self = i;
                derived[i] =
                        compile(
                                f,
                                f.expression(),
                                id -> derivedSlot(self, id, recordFields, inputs));
            }
            derivedInputs.add(inputs);
        }
        this.frame = new EventFrame(recordFields.readers());
        this.ttlMillis = spec.effectiveTtl().toMillis();
        String[] names = new String[n];
        long[] fingerprints = new long[n];
        for (int i = 0; i < n; i++) {
            names[i] = features.get(i).name();
            fingerprints[i] = features.get(i).fingerprint();
        }
        this.layout = new ReleasedEntityState.Layout(names, fingerprints);
    }

    private CompiledExpression compile(FeatureSpec f, String expression, Scope scope) {
        try {
            return Expression.parse(expression).compile(scope);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "feature '" + f.name() + "' of entity '" + spec.name() + "': " + e.getMessage(),
                    e);
        }
    }

    /**
     * The slot of a filter's identifier: a record field, as feature values are not computed yet.
     */
    private static Slot filterSlot(String id, RecordFieldSlots recordFields) {
        try {
            return recordFields.resolve(id);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown identifier '"
                            + id
                            + "': filters read record fields, and "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The slot of an identifier of derived feature {@code feature}: a value of this entity's
     * features ({@code name}, or {@code name.k} for the k-th value of last_n) when it names one,
     * else a record field. Features it reads are added to {@code inputs}.
     */
    private Slot derivedSlot(
            int feature, String id, RecordFieldSlots recordFields, List<Integer> inputs) {
        String base = baseName(id);
        Integer local = localIndex.get(base);
        if (local == null) {
            try {
                return recordFields.resolve(id);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "unknown identifier '"
                                + id
                                + "': not a feature of entity '"
                                + spec.name()
                                + "', and "
                                + e.getMessage(),
                        e);
            }
        }
        FeatureSpec input = spec.features().get(local);
        if (local >= feature && input.aggregation() == Aggregation.DERIVED) {
            throw new IllegalArgumentException(
                    "refers to derived feature '" + id + "' declared after it");
        }
        int element =
                base.equals(id) ? 0 : elementIndex(id.substring(base.length() + 1), input.width());
        if (element < 0) {
            throw new IllegalArgumentException(
                    "unknown identifier '"
                            + id
                            + "': feature '"
                            + base
                            + "' has "
                            + (input.width() == 1
                                    ? "one value, " + base
                                    : input.width()
                                            + " values, "
                                            + base
                                            + ".1 .. "
                                            + base
                                            + "."
                                            + input.width()));
        }
        inputs.add(local);
        return Slot.value(offsets[local] + element);
    }

    /** The 0-based index of the value {@code suffix} (1-based) names, or -1 when out of range. */
    private static int elementIndex(String suffix, int width) {
        if (!suffix.matches("[0-9]{1,3}")) {
            return -1;
        }
        int k = Integer.parseInt(suffix);
        return k >= 1 && k <= width ? k - 1 : -1;
    }

    private static String baseName(String id) {
        int dot = id.indexOf('.');
        return dot < 0 ? id : id.substring(0, dot);
    }

    public EntitySpec spec() {
        return spec;
    }

    /** Number of values this entity adds to the vector. */
    public int width() {
        return width;
    }

    /** The entity key of a record, or null when the key field is null or blank. */
    public String key(IndexedRecord record) {
        return key.key(record);
    }

    /** State for an entity seen for the first time: every feature complete. */
    public ReleasedEntityState newState() {
        return new ReleasedEntityState(layout, newFeatureStates(ReleasedFeatureState.COMPLETE));
    }

    /**
     * Brings a state written under other definitions to this layout: features with the same name
     * and fingerprint keep their state, the others start empty and warming up.
     */
    private void adapt(ReleasedEntityState state) {
        if (state.layout.sameAs(layout)) {
            state.layout = layout;
            return;
        }
        ReleasedFeatureState[] fresh = newFeatureStates(ReleasedFeatureState.PENDING);
        for (int i = 0; i < fresh.length; i++) {
            int old = state.layout.indexOf(layout.names[i], layout.fingerprints[i]);
            if (old >= 0 && fresh[i] != null && state.features[old] != null) {
                fresh[i] = state.features[old];
            }
        }
        state.features = fresh;
        state.layout = layout;
    }

    private ReleasedFeatureState[] newFeatureStates(long coverage) {
        List<FeatureSpec> features = spec.features();
        ReleasedFeatureState[] states = new ReleasedFeatureState[features.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = create(features.get(i));
            if (states[i] != null) {
                states[i].coverageStart = coverage;
            }
        }
        return states;
    }

    static ReleasedFeatureState create(FeatureSpec f) {
        return switch (f.aggregation()) {
            case COUNT, SUM, MEAN, VARIANCE, STDDEV -> new ReleasedMomentsState(f);
            case MIN, MAX -> new ReleasedExtremaState(f);
            case FIRST, LAST -> new ReleasedFirstLastState(f);
            case DISTINCT_COUNT -> new ReleasedDistinctState(f);
            case LAST_N -> new ReleasedLifetimeStates.LastN(f);
            case TIME_SINCE_PREVIOUS -> new ReleasedLifetimeStates.TimeSince(f);
            case DECAYED_SUM, DECAYED_MEAN -> new ReleasedLifetimeStates.Decayed(f);
            case DERIVED -> null;
        };
    }

    /**
     * Aggregates the record into the state and writes the entity's values, as of the entity's
     * newest event time, into {@code out[offset .. offset + width())}. Names of features still
     * warming up are added to {@code warming}.
     *
     * <p>Lateness is not judged here: the caller decides, by the watermark, which events are too
     * late to aggregate. An event older than the entity's newest is added to its own pane when that
     * pane is still in the window (in-order callers never send one).
     */
    public void update(
            ReleasedEntityState state,
            IndexedRecord record,
            long eventTime,
            double[] out,
            int offset,
            List<String> warming) {
        if (state.layout != layout) {
            adapt(state);
        }
        if (state.newestEventTime != Long.MIN_VALUE && eventTime >= expiryTime(state)) {
            // Idle for the whole TTL: the entity starts over, whether or not the cleanup timer
            // has fired yet, so that streaming and batch runs agree.
            state.features = newFeatureStates(ReleasedFeatureState.COMPLETE);
            state.newestEventTime = Long.MIN_VALUE;
        }
        long asOf = Math.max(eventTime, state.newestEventTime);
        state.newestEventTime = asOf;
        frame.record = record;
        frame.values = null;
        for (int f = 0; f < filters.length; f++) {
            matches[f] = filters[f].test(frame);
        }
        List<FeatureSpec> features = spec.features();
        for (int i = 0; i < features.size(); i++) {
            ReleasedFeatureState s = state.features[i];
            if (s == null) {
                continue;
            }
            if (s.coverageStart == ReleasedFeatureState.PENDING) {
                s.coverageStart = eventTime;
            }
            FieldReader field = fields[i];
            double number = field == null ? Double.NaN : field.number(record);
            String text = field == null || field.numeric() ? null : field.string(record);
            boolean matched = filterOf[i] < 0 || matches[filterOf[i]];
            s.update(eventTime, asOf, matched, number, text, out, offset + offsets[i]);
        }
        frame.values = out;
        frame.base = offset;
        for (int i = 0; i < features.size(); i++) {
            if (derived[i] != null) {
                double v = derived[i].evaluate(frame);
                out[offset + offsets[i]] = Double.isFinite(v) ? v : features.get(i).defaultValue();
            }
        }
        if (warming != null) {
            for (int i = 0; i < features.size(); i++) {
                if (!warm(state, i, asOf)) {
                    warming.add(spec.name() + "." + features.get(i).name());
                }
            }
        }
        frame.record = null;
        frame.values = null;
    }

    private boolean warm(ReleasedEntityState state, int i, long asOf) {
        ReleasedFeatureState s = state.features[i];
        if (s != null) {
            return s.warm(asOf);
        }
        for (int input : derivedInputs.get(i)) {
            if (!warm(state, input, asOf)) {
                return false;
            }
        }
        return true;
    }

    /** Writes every feature's default value: the vector of an event without an entity key. */
    public void writeDefaults(double[] out, int offset) {
        List<FeatureSpec> features = spec.features();
        for (int i = 0; i < features.size(); i++) {
            for (int k = 0; k < features.get(i).width(); k++) {
                out[offset + offsets[i] + k] = features.get(i).defaultValue();
            }
        }
    }

    /** When an idle entity's state can be dropped. */
    public long expiryTime(ReleasedEntityState state) {
        long t = state.newestEventTime + ttlMillis;
        return t < state.newestEventTime ? Long.MAX_VALUE : t;
    }

    // ---- serialization: self-describing, so definitions can change across savepoints ----

    /**
     * Writes the state with each feature's name and definition fingerprint, so that a reader with
     * other definitions keeps exactly the features whose meaning did not change.
     */
    public void write(ReleasedEntityState state, DataOutput out) throws IOException {
        out.writeInt(FORMAT);
        out.writeLong(state.newestEventTime);
        int stateful = 0;
        for (ReleasedFeatureState s : state.features) {
            stateful += s == null ? 0 : 1;
        }
        out.writeInt(stateful);
        // Flink's unsynchronised buffer: java.io's streams lock on every byte, and on RocksDB
        // this runs twice per event.
        DataOutputSerializer buffer = new DataOutputSerializer(256);
        for (int i = 0; i < state.features.length; i++) {
            ReleasedFeatureState s = state.features[i];
            if (s == null) {
                continue;
            }
            buffer.clear();
            s.write(buffer);
            out.writeUTF(state.layout.names[i]);
            out.writeLong(state.layout.fingerprints[i]);
            out.writeLong(s.coverageStart);
            out.writeInt(buffer.length());
            out.write(buffer.getSharedBuffer(), 0, buffer.length());
        }
    }

    /**
     * Reads state written under any definitions: a feature whose name and fingerprint match is
     * restored as it was; a new or redefined feature starts empty and warming up; a removed
     * feature's bytes are skipped.
     */
    public ReleasedEntityState read(DataInput in) throws IOException {
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unknown entity state format " + format);
        }
        long newest = in.readLong();
        ReleasedEntityState state =
                new ReleasedEntityState(layout, newFeatureStates(ReleasedFeatureState.PENDING));
        state.newestEventTime = newest;
        int stored = in.readInt();
        DataInputDeserializer reader = new DataInputDeserializer();
        for (int k = 0; k < stored; k++) {
            String name = in.readUTF();
            long fingerprint = in.readLong();
            long coverage = in.readLong();
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            Integer i = localIndex.get(name);
            if (i == null
                    || state.features[i] == null
                    || spec.features().get(i).fingerprint() != fingerprint) {
                continue;
            }
            ReleasedFeatureState s = state.features[i];
            reader.setBuffer(bytes);
            s.read(reader);
            s.coverageStart = coverage;
        }
        return state;
    }

    /** A deep copy that shares nothing an update changes; it keeps the state's layout. */
    public ReleasedEntityState copy(ReleasedEntityState state) {
        ReleasedFeatureState[] features = new ReleasedFeatureState[state.features.length];
        for (int i = 0; i < features.length; i++) {
            features[i] = state.features[i] == null ? null : state.features[i].copy();
        }
        ReleasedEntityState copy = new ReleasedEntityState(state.layout, features);
        copy.newestEventTime = state.newestEventTime;
        return copy;
    }

    /**
     * The event the compiled filters and derived expressions read: record fields through the
     * readers their slots index, and this entity's values of the current event (derived only).
     */
    private static final class EventFrame implements Frame {
        private final FieldReader[] fields;
        IndexedRecord record;
        double[] values;
        int base;

        EventFrame(FieldReader[] fields) {
            this.fields = fields;
        }

        @Override
        public double fieldNumber(int field) {
            return fields[field].number(record);
        }

        @Override
        public String fieldText(int field) {
            return fields[field].string(record);
        }

        @Override
        public double value(int index) {
            return values[base + index];
        }
    }
}
