package dev.weir.state.features;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * One entity's cold panes during one event: each block of {@link ColdPanes} is read at most once
 * and written (or removed) once, at {@link #flush()}, whichever features it holds panes of. A block
 * holds one section per feature, tagged with the feature's {@link FeatureState#section}, so the
 * features that share a window and resolution move their panes in and out together, in one read and
 * one write.
 *
 * <p>A block is {@code int sections}, then per section {@code int feature, int length, bytes}.
 */
final class ColdBlocks {

    private ColdPanes store;
    private FeatureState[] features;
    private final Map<Long, Block> touched = new HashMap<>();
    private final DataOutputSerializer out = new DataOutputSerializer(512);
    private final DataOutputSerializer section = new DataOutputSerializer(256);
    private final DataInputDeserializer in = new DataInputDeserializer();

    /** Starts an event of the entity whose feature states are {@code features}. */
    void begin(ColdPanes store, FeatureState[] features) {
        this.store = store;
        this.features = features;
        touched.clear();
    }

    /** Takes feature {@code feature}'s section out of block {@code key}; it must be there. */
    byte[] take(long key, int feature) {
        Block block = block(key, true);
        int i = block.indexOf(feature);
        if (i < 0) {
            throw new IllegalStateException(
                    "cold panes of feature " + feature + " missing from block " + key);
        }
        byte[] section = block.sections[i];
        block.remove(i);
        return section;
    }

    /** Stores feature {@code feature}'s section in block {@code key}. */
    void put(long key, int feature, byte[] section) {
        Block block = block(key, heldByAnother(key, feature));
        int i = block.indexOf(feature);
        if (i >= 0) {
            block.sections[i] = section;
        } else {
            block.add(feature, section);
        }
        block.dirty = true;
    }

    /** Forgets feature {@code feature}'s section of block {@code key} without reading it. */
    void drop(long key, int feature) {
        Block block = block(key, heldByAnother(key, feature));
        int i = block.indexOf(feature);
        if (i >= 0) {
            block.remove(i);
        }
        block.dirty = true;
    }

    /** Writes every block changed since {@link #begin}. */
    void flush() {
        if (touched.isEmpty()) {
            store = null;
            features = null;
            return;
        }
        for (Map.Entry<Long, Block> entry : touched.entrySet()) {
            Block block = entry.getValue();
            if (!block.dirty) {
                continue;
            }
            if (block.size == 0) {
                store.remove(entry.getKey());
            } else {
                store.put(entry.getKey(), encode(block));
            }
        }
        touched.clear();
        store = null;
        features = null;
    }

    /**
     * The block under {@code key}: read from the store once per event when it may hold sections of
     * other features, otherwise started empty (whatever the store held there, no feature needs).
     */
    private Block block(long key, boolean read) {
        Block block = touched.get(key);
        if (block == null) {
            block = read ? decode(store.get(key)) : new Block();
            touched.put(key, block);
        }
        return block;
    }

    private boolean heldByAnother(long key, int feature) {
        for (FeatureState s : features) {
            if (s instanceof PaneWindow w && s.section != feature && w.holdsCold(key)) {
                return true;
            }
        }
        return false;
    }

    /** Keeps only the sections of {@code live} features in every block of {@code store}. */
    void retain(ColdPanes store, java.util.BitSet live) {
        List<Long> keys = new ArrayList<>();
        store.keys().forEach(keys::add);
        for (long key : keys) {
            Block block = decode(store.get(key));
            Block kept = new Block();
            for (int i = 0; i < block.size; i++) {
                if (live.get(block.ids[i])) {
                    kept.add(block.ids[i], block.sections[i]);
                }
            }
            if (kept.size == 0) {
                store.remove(key);
            } else if (kept.size < block.size) {
                store.put(key, encode(kept));
            }
        }
    }

    private byte[] encode(Block block) {
        try {
            out.clear();
            write(block, out);
            return out.getCopyOfBuffer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Block block, DataOutputSerializer bytes) throws IOException {
        bytes.writeInt(block.size);
        for (int i = 0; i < block.size; i++) {
            bytes.writeInt(block.ids[i]);
            bytes.writeInt(block.sections[i].length);
            bytes.write(block.sections[i]);
        }
    }

    private static Block decode(byte[] bytes) {
        Block block = new Block();
        if (bytes == null) {
            return block;
        }
        try {
            DataInputDeserializer reader = new DataInputDeserializer(bytes);
            int n = reader.readInt();
            for (int i = 0; i < n; i++) {
                int id = reader.readInt();
                byte[] section = new byte[reader.readInt()];
                reader.readFully(section);
                block.add(id, section);
            }
            return block;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An empty buffer to encode a section in, reused by the features of one engine. */
    DataOutputSerializer sectionBuffer() {
        section.clear();
        return section;
    }

    /** A reader over a section, reused by the features of one engine. */
    DataInputDeserializer reader(byte[] section) {
        in.setBuffer(section);
        return in;
    }

    /** The sections of one block, in a few parallel arrays (a block holds a handful). */
    private static final class Block {
        int[] ids = new int[4];
        byte[][] sections = new byte[4][];
        int size;
        boolean dirty;

        int indexOf(int id) {
            for (int i = 0; i < size; i++) {
                if (ids[i] == id) {
                    return i;
                }
            }
            return -1;
        }

        void add(int id, byte[] section) {
            if (size == ids.length) {
                ids = Arrays.copyOf(ids, size * 2);
                sections = Arrays.copyOf(sections, size * 2);
            }
            ids[size] = id;
            sections[size] = section;
            size++;
        }

        void remove(int i) {
            System.arraycopy(ids, i + 1, ids, i, size - i - 1);
            System.arraycopy(sections, i + 1, sections, i, size - i - 1);
            size--;
            sections[size] = null;
            dirty = true;
        }
    }
}
