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
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * One entity's feature definitions compiled against an input record schema: creates, updates and
 * (de)serializes {@link EntityState}. Used alike by the streaming stage, the batch backfill and
 * training, so all three compute the same bits. Not thread-safe (one per subtask).
 *
 * <p>Per event: one filter evaluation per distinct filter, one O(1) amortised update per feature,
 * one pass over derived expressions. Filters and derived expressions are compiled here, so a
 * feature set whose expressions name unknown identifiers or mix strings and numbers fails when it
 * is loaded, and evaluating them reads fields and values by resolved index.
 */
public final class EntityEngine {

    /**
     * Entity state format: 1 (the release before cold panes, read only) kept every pane in the
     * entity's one value; 2 keeps the hot panes there and the others in {@link ColdPanes}.
     */
    static final int FORMAT = 2;

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
    private final EntityState.Layout layout;
    private final PaneWindow.Geometry[] geometry;
    private final ColdBlocks blocks = new ColdBlocks();
    // Flink's unsynchronised buffer: java.io's streams lock on every byte, and on RocksDB this
    // runs twice per event.
    private final DataOutputSerializer buffer = new DataOutputSerializer(256);

    /** Each feature's name as {@code writeUTF} writes it: written, and matched when read, as is. */
    private final byte[][] nameBytes;

    // Scratch of read(), which on RocksDB runs once per event.
    private final DataInputDeserializer reader = new DataInputDeserializer();
    private byte[] name = new byte[64];
    private byte[] payload = new byte[256];

    public EntityEngine(EntitySpec spec, Schema recordSchema) {
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
        this.layout = new EntityState.Layout(names, fingerprints);
        this.nameBytes = new byte[n][];
        DataOutputSerializer utf = new DataOutputSerializer(64);
        for (int i = 0; i < n; i++) {
            utf.clear();
            try {
                utf.writeUTF(names[i]);
            } catch (IOException e) {
                throw new IllegalArgumentException("feature name " + names[i], e);
            }
            nameBytes[i] = utf.getCopyOfBuffer();
        }
        this.geometry = new PaneWindow.Geometry[n];
        for (int i = 0; i < n; i++) {
            if (features.get(i).aggregation().windowed()) {
                geometry[i] = PaneWindow.Geometry.of(features.get(i));
            }
        }
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
    public EntityState newState() {
        EntityState state = new EntityState(layout, null);
        state.features = newFeatureStates(FeatureState.COMPLETE, state);
        return state;
    }

    /**
     * Brings a state made under other definitions (a heap backend restores states with the engine
     * of the definitions they were written with) to this layout: features with the same name and
     * fingerprint keep their state and cold panes, the others start empty and warming up.
     */
    private void adapt(EntityState state) {
        if (state.layout.sameAs(layout)) {
            state.layout = layout;
            return;
        }
        FeatureState[] kept = new FeatureState[layout.names.length];
        boolean[] keeps = new boolean[state.features.length];
        for (int i = 0; i < kept.length; i++) {
            int old = state.layout.indexOf(layout.names[i], layout.fingerprints[i]);
            if (old >= 0 && state.features[old] != null) {
                kept[i] = state.features[old];
                keeps[old] = true;
            }
        }
        for (int old = 0; old < keeps.length; old++) {
            state.orphanedCold |= !keeps[old] && state.features[old] != null;
        }
        FeatureState[] fresh = newFeatureStates(FeatureState.PENDING, state);
        for (int i = 0; i < fresh.length; i++) {
            if (kept[i] != null && fresh[i] != null) {
                fresh[i] = kept[i];
            }
        }
        state.features = fresh;
        state.layout = layout;
    }

    /**
     * Feature states for this layout, each with its own section in the entity's cold blocks:
     * numbered on from the state's counter, so a section never names two features.
     */
    private FeatureState[] newFeatureStates(long coverage, EntityState state) {
        List<FeatureSpec> features = spec.features();
        FeatureState[] states = new FeatureState[features.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = create(i);
            if (states[i] != null) {
                states[i].coverageStart = coverage;
                states[i].section = state.nextSection++;
            }
        }
        return states;
    }

    /** Removes the cold panes of features the entity no longer has (once, after an upgrade). */
    private void dropOrphanedCold(EntityState state, ColdPanes cold) {
        if (!cold.isEmpty()) {
            java.util.BitSet live = new java.util.BitSet();
            for (FeatureState s : state.features) {
                if (s != null) {
                    live.set(s.section);
                }
            }
            blocks.retain(cold, live);
        }
        state.orphanedCold = false;
    }

    private FeatureState create(int i) {
        FeatureSpec f = spec.features().get(i);
        return switch (f.aggregation()) {
            case COUNT, SUM, MEAN, VARIANCE, STDDEV -> new MomentsState(f, geometry[i]);
            case MIN, MAX -> new ExtremaState(f, geometry[i]);
            case FIRST, LAST -> new FirstLastState(f, geometry[i]);
            case DISTINCT_COUNT -> new DistinctState(f, geometry[i]);
            case LAST_N -> new LifetimeStates.LastN(f);
            case TIME_SINCE_PREVIOUS -> new LifetimeStates.TimeSince(f);
            case DECAYED_SUM, DECAYED_MEAN -> new LifetimeStates.Decayed(f);
            case DERIVED -> null;
        };
    }

    /**
     * Aggregates the record into the state and writes the entity's values, as of the entity's
     * newest event time, into {@code out[offset .. offset + width())}. Names of features still
     * warming up are added to {@code warming}.
     *
     * <p>{@code state} is the entity's hot state, read and written on every event; {@code cold}
     * holds its older panes (the same store for every event of the entity), read and written only
     * when a block of panes leaves or rejoins the hot state.
     *
     * <p>Lateness is not judged here: the caller decides, by the watermark, which events are too
     * late to aggregate. An event older than the entity's newest is added to its own pane when that
     * pane is still in the window (in-order callers never send one).
     */
    public void update(
            EntityState state,
            ColdPanes cold,
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
            if (hasColdPanes(state)) {
                cold.clear();
            }
            state.orphanedCold = false;
            state.nextSection = 0;
            state.features = newFeatureStates(FeatureState.COMPLETE, state);
            state.newestEventTime = Long.MIN_VALUE;
        }
        if (state.orphanedCold) {
            dropOrphanedCold(state, cold);
        }
        long asOf = Math.max(eventTime, state.newestEventTime);
        state.newestEventTime = asOf;
        frame.record = record;
        frame.values = null;
        for (int f = 0; f < filters.length; f++) {
            matches[f] = filters[f].test(frame);
        }
        List<FeatureSpec> features = spec.features();
        blocks.begin(cold, state.features);
        for (int i = 0; i < features.size(); i++) {
            FeatureState s = state.features[i];
            if (s == null) {
                continue;
            }
            if (s.coverageStart == FeatureState.PENDING) {
                s.coverageStart = eventTime;
            }
            if (s instanceof PaneWindow w) {
                w.bind(blocks);
            }
            FieldReader field = fields[i];
            double number = field == null ? Double.NaN : field.number(record);
            String text = field == null || field.numeric() ? null : field.string(record);
            boolean matched = filterOf[i] < 0 || matches[filterOf[i]];
            s.update(eventTime, asOf, matched, number, text, out, offset + offsets[i]);
        }
        blocks.flush();
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

    private boolean warm(EntityState state, int i, long asOf) {
        FeatureState s = state.features[i];
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

    /** Whether the entity may have anything in {@link ColdPanes}. */
    public boolean hasColdPanes(EntityState state) {
        if (state.orphanedCold) {
            return true;
        }
        for (FeatureState s : state.features) {
            if (s instanceof PaneWindow w && w.hasCold()) {
                return true;
            }
        }
        return false;
    }

    /** When an idle entity's state can be dropped. */
    public long expiryTime(EntityState state) {
        long t = state.newestEventTime + ttlMillis;
        return t < state.newestEventTime ? Long.MAX_VALUE : t;
    }

    // ---- serialization: self-describing, so definitions can change across savepoints ----

    /**
     * Writes the state (format 2) with each feature's name and definition fingerprint, so that a
     * reader with other definitions keeps exactly the features whose meaning did not change, and
     * with each feature's section in the cold blocks.
     */
    public void write(EntityState state, DataOutput out) throws IOException {
        out.writeInt(FORMAT);
        out.writeLong(state.newestEventTime);
        VarInts.writeUnsigned(out, state.nextSection);
        out.writeBoolean(state.orphanedCold);
        int stateful = 0;
        for (FeatureState s : state.features) {
            stateful += s == null ? 0 : 1;
        }
        VarInts.writeUnsigned(out, stateful);
        for (int i = 0; i < state.features.length; i++) {
            FeatureState s = state.features[i];
            if (s == null) {
                continue;
            }
            buffer.clear();
            s.write(buffer);
            if (state.layout == layout) {
                out.write(nameBytes[i]);
            } else {
                out.writeUTF(state.layout.names[i]); // not yet adapted to these definitions
            }
            out.writeLong(state.layout.fingerprints[i]);
            writeCoverage(out, s.coverageStart);
            VarInts.writeUnsigned(out, s.section);
            VarInts.writeUnsigned(out, buffer.length());
            out.write(buffer.getSharedBuffer(), 0, buffer.length());
        }
    }

    /**
     * Reads state written under any definitions, in format 1 or 2: a feature whose name and
     * fingerprint match is restored as it was; a new or redefined feature starts empty and warming
     * up; a removed feature's bytes are skipped (and its cold panes removed at the next event). A
     * format 1 state holds every pane in itself; the events after the restore send the older ones
     * to {@link ColdPanes}.
     */
    public EntityState read(DataInput in) throws IOException {
        int format = in.readInt();
        if (format != 1 && format != FORMAT) {
            throw new IOException("unknown entity state format " + format);
        }
        EntityState state = new EntityState(layout, new FeatureState[spec.features().size()]);
        state.newestEventTime = in.readLong();
        int stored;
        if (format == 1) {
            stored = in.readInt();
        } else {
            state.nextSection = (int) VarInts.readUnsigned(in);
            state.orphanedCold = in.readBoolean();
            stored = (int) VarInts.readUnsigned(in);
        }
        List<FeatureSpec> features = spec.features();
        int expected = 0; // where the next stored feature is when the definitions are the same
        for (int k = 0; k < stored; k++) {
            while (expected < features.size()
                    && features.get(expected).aggregation() == Aggregation.DERIVED) {
                expected++;
            }
            Integer i = readName(in, expected);
            expected = i == null ? expected : i + 1;
            long fingerprint = in.readLong();
            long coverage = format == 1 ? in.readLong() : readCoverage(in);
            int section = format == 1 ? -1 : (int) VarInts.readUnsigned(in);
            int length = format == 1 ? in.readInt() : (int) VarInts.readUnsigned(in);
            if (payload.length < length) {
                payload = new byte[Math.max(length, 2 * payload.length)];
            }
            in.readFully(payload, 0, length);
            FeatureState s = i == null || layout.fingerprints[i] != fingerprint ? null : create(i);
            if (s == null) {
                state.orphanedCold |= format != 1;
                continue;
            }
            reader.setBuffer(payload, 0, length);
            s.read(reader, format);
            s.coverageStart = coverage;
            s.section = section;
            state.features[i] = s;
        }
        // Features without stored state (new, redefined, or all of them in format 1: it had no
        // cold panes) start empty, with sections of their own.
        for (int i = 0; i < state.features.length; i++) {
            if (state.features[i] == null) {
                state.features[i] = create(i);
                if (state.features[i] != null) {
                    state.features[i].coverageStart = FeatureState.PENDING;
                }
            }
        }
        for (FeatureState s : state.features) {
            if (s != null && s.section < 0) {
                s.section = state.nextSection++;
            }
        }
        return state;
    }

    /**
     * Reads a feature name as {@code writeUTF} wrote it and returns the feature's index here, or
     * null if there is none of that name. Compared as bytes with the name of feature {@code
     * expected} first: with unchanged definitions it is that one, and no string is made.
     */
    private Integer readName(DataInput in, int expected) throws IOException {
        int length = in.readUnsignedShort();
        if (name.length < 2 + length) {
            name = new byte[2 + length];
        }
        name[0] = (byte) (length >>> 8);
        name[1] = (byte) length;
        in.readFully(name, 2, length);
        if (expected < nameBytes.length
                && Arrays.equals(
                        name, 0, 2 + length, nameBytes[expected], 0, nameBytes[expected].length)) {
            return expected;
        }
        return localIndex.get(new DataInputDeserializer(name, 0, 2 + length).readUTF());
    }

    /** Coverage in one byte when complete (the usual case), else the time as a varint. */
    private static void writeCoverage(DataOutput out, long coverage) throws IOException {
        VarInts.writeUnsigned(
                out,
                coverage == FeatureState.COMPLETE ? 0 : ((coverage << 1) ^ (coverage >> 63)) + 1);
    }

    private static long readCoverage(DataInput in) throws IOException {
        long code = VarInts.readUnsigned(in);
        if (code == 0) {
            return FeatureState.COMPLETE;
        }
        long zigzag = code - 1;
        return (zigzag >>> 1) ^ -(zigzag & 1);
    }

    /** A deep copy that shares nothing an update changes; it keeps the state's layout. */
    public EntityState copy(EntityState state) {
        FeatureState[] features = new FeatureState[state.features.length];
        for (int i = 0; i < features.length; i++) {
            features[i] = state.features[i] == null ? null : state.features[i].copy();
        }
        EntityState copy = new EntityState(state.layout, features);
        copy.newestEventTime = state.newestEventTime;
        copy.nextSection = state.nextSection;
        copy.orphanedCold = state.orphanedCold;
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
