package dev.weir.operators.scoring;

import dev.weir.models.registry.ModelPointer;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.ModelPointerRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.OperatorStateStore;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The pointers in force (champion, challenger) in the scoring operator's broadcast state, so that a
 * restarted job serves the models the last commands chose, not the one it was submitted with.
 * Pointers only, never weights. Every subtask applies the same broadcast commands, so every subtask
 * holds the same pointers.
 *
 * <p>Pointers are Avro records under {@link #POINTERS}, so they can evolve by Avro's rules. The
 * releases before kept them as four newline-joined lines (name, version, location, checksum; an
 * empty line for null) under {@link #PREVIOUS_RELEASE_POINTERS}. That state stays registered under
 * its name and types, so their savepoints restore: what it holds is decoded once, when the operator
 * restores, moved to the records and removed. It is then empty in every snapshot.
 */
public final class ModelPointerState {

    /** The pointers in force, by role ({@code champion}, {@code challenger}). */
    public static final MapStateDescriptor<String, ModelPointerRecord> POINTERS =
            new MapStateDescriptor<>(
                    "model-pointer-records", Types.STRING, WeirTypes.MODEL_POINTER);

    /**
     * Where the releases before kept the pointers, newline-joined; read once on restore, then
     * empty.
     */
    public static final MapStateDescriptor<String, String> PREVIOUS_RELEASE_POINTERS =
            new MapStateDescriptor<>("model-pointer", Types.STRING, Types.STRING);

    static final String CHAMPION = "champion";
    static final String CHALLENGER = "challenger";

    private static final int PREVIOUS_RELEASE_LINES = 4;

    private final BroadcastState<String, ModelPointerRecord> pointers;

    private ModelPointerState(BroadcastState<String, ModelPointerRecord> pointers) {
        this.pointers = pointers;
    }

    /**
     * Registers both states with the store (restored or empty) and moves pointers in the previous
     * release's format to the records. Pointers in that format are the newest there are (only a
     * release before the records writes them), so they replace any records.
     */
    public static ModelPointerState restore(OperatorStateStore store) throws Exception {
        BroadcastState<String, String> previousRelease =
                store.getBroadcastState(PREVIOUS_RELEASE_POINTERS);
        BroadcastState<String, ModelPointerRecord> pointers = store.getBroadcastState(POINTERS);
        List<Map.Entry<String, String>> moved = new ArrayList<>();
        previousRelease.entries().forEach(moved::add);
        if (!moved.isEmpty()) {
            pointers.clear();
            for (Map.Entry<String, String> entry : moved) {
                pointers.put(entry.getKey(), toRecord(decodePreviousRelease(entry.getValue())));
            }
            previousRelease.clear();
        }
        return new ModelPointerState(pointers);
    }

    /** The champion a command chose, or null when none did since the job started without state. */
    public ModelPointer champion() throws Exception {
        return fromRecord(pointers.get(CHAMPION));
    }

    /** The challenger in force, or null. */
    public ModelPointer challenger() throws Exception {
        return fromRecord(pointers.get(CHALLENGER));
    }

    public void putChampion(ModelPointer pointer) throws Exception {
        pointers.put(CHAMPION, toRecord(pointer));
    }

    public void putChallenger(ModelPointer pointer) throws Exception {
        pointers.put(CHALLENGER, toRecord(pointer));
    }

    public void removeChallenger() throws Exception {
        pointers.remove(CHALLENGER);
    }

    /** A pointer as the releases before wrote it: four lines, an empty one for null. */
    static ModelPointer decodePreviousRelease(String lines) {
        String[] f = lines.split("\n", -1);
        if (f.length != PREVIOUS_RELEASE_LINES) {
            throw new IllegalStateException(
                    "a model pointer of the previous release has "
                            + PREVIOUS_RELEASE_LINES
                            + " lines (name, version, location, checksum), this one has "
                            + f.length);
        }
        return new ModelPointer(orNull(f[0]), orNull(f[1]), orNull(f[2]), orNull(f[3]));
    }

    private static String orNull(String line) {
        return line.isEmpty() ? null : line;
    }

    static ModelPointerRecord toRecord(ModelPointer pointer) {
        return ModelPointerRecord.newBuilder()
                .setModelName(pointer.name())
                .setVersion(pointer.version())
                .setLocation(pointer.location())
                .setChecksum(pointer.checksum())
                .build();
    }

    static ModelPointer fromRecord(ModelPointerRecord record) {
        return record == null
                ? null
                : new ModelPointer(
                        record.getModelName(),
                        record.getVersion(),
                        record.getLocation(),
                        record.getChecksum());
    }
}
