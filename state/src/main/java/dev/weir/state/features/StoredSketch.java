package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import org.apache.datasketches.hll.HllSketch;

/**
 * A HyperLogLog sketch that stays in the form it was read in until it is used, and keeps that form
 * until it changes. On RocksDB an entity's hot panes are read and written at every event, and the
 * event changes one of them: the others go back as the bytes they came in, not decoded and encoded
 * again (DataSketches' heapify and serialization were the largest cost of the pipeline on RocksDB;
 * BENCHMARKS.md).
 *
 * <p>{@link #write} never changes the object: the heap backend's asynchronous snapshot writes a
 * state while the task thread copies it.
 */
final class StoredSketch {

    /** Null until first used, when read from bytes. */
    private HllSketch sketch;

    /** The serialized form, when it is still that of {@link #sketch}; null once it changed. */
    private byte[] bytes;

    private StoredSketch(HllSketch sketch, byte[] bytes) {
        this.sketch = sketch;
        this.bytes = bytes;
    }

    /** A sketch made or changed in memory: it is encoded when written. */
    static StoredSketch of(HllSketch sketch) {
        return new StoredSketch(sketch, null);
    }

    /** The sketch, to read from: decoded on first use, its bytes kept. */
    HllSketch get() {
        if (sketch == null) {
            sketch = HllSketch.heapify(bytes);
        }
        return sketch;
    }

    /** The sketch, to change: from now on it is encoded when written. */
    HllSketch forUpdate() {
        get();
        bytes = null;
        return sketch;
    }

    /** Whether it still writes back the bytes it was read from. */
    boolean unchanged() {
        return bytes != null;
    }

    /** A copy that can change without changing this one; the bytes are shared, never modified. */
    StoredSketch copy() {
        return bytes != null ? new StoredSketch(null, bytes) : of(sketch.copy());
    }

    static void write(StoredSketch stored, DataOutput out) throws IOException {
        if (stored == null) {
            out.writeInt(-1);
            return;
        }
        // The updatable form: a sketch heapified from the compact one can estimate differently
        // from the one written, and a restored state must continue bit for bit
        // (ReleasedEngineParityTest).
        byte[] form = stored.bytes != null ? stored.bytes : stored.sketch.toUpdatableByteArray();
        out.writeInt(form.length);
        out.write(form);
    }

    /** Reads what {@link #write} wrote. */
    static StoredSketch read(DataInput in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] form = new byte[length];
        in.readFully(form);
        return new StoredSketch(null, form);
    }
}
