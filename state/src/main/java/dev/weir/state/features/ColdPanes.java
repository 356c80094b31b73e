package dev.weir.state.features;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where one entity's complete, older panes live: blocks of encoded panes by a {@code long} key (the
 * start of the block in event time), written and read only when a block of panes leaves or rejoins
 * the entity's hot state ({@link EntityState}). The streaming stage keeps them in Flink map state;
 * the batch tools, training and tests keep them in memory ({@link #inMemory()}). Both see the same
 * calls, so they compute the same bits.
 *
 * <p>The values belong to the engine, which neither keeps nor changes an array it passed in or got
 * back.
 */
public interface ColdPanes {

    /** The block under {@code key}, or null. */
    byte[] get(long key);

    void put(long key, byte[] block);

    void remove(long key);

    /** Every key held (read once per entity when its feature definitions changed). */
    Iterable<Long> keys();

    boolean isEmpty();

    void clear();

    /** A store in a hash map: the cold panes of one entity outside Flink. */
    static InMemory inMemory() {
        return new InMemory();
    }

    /** {@link ColdPanes} in a hash map; {@link #copy()} gives an independent copy. */
    final class InMemory implements ColdPanes {
        private final Map<Long, byte[]> blocks;

        private InMemory() {
            this(new HashMap<>());
        }

        private InMemory(Map<Long, byte[]> blocks) {
            this.blocks = blocks;
        }

        @Override
        public byte[] get(long key) {
            return blocks.get(key);
        }

        @Override
        public void put(long key, byte[] block) {
            blocks.put(key, block);
        }

        @Override
        public void remove(long key) {
            blocks.remove(key);
        }

        @Override
        public Iterable<Long> keys() {
            return new ArrayList<>(blocks.keySet());
        }

        @Override
        public boolean isEmpty() {
            return blocks.isEmpty();
        }

        @Override
        public void clear() {
            blocks.clear();
        }

        /** Number of blocks held. */
        public int size() {
            return blocks.size();
        }

        /** Bytes of all blocks held. */
        public long bytes() {
            long total = 0;
            for (byte[] block : blocks.values()) {
                total += block.length;
            }
            return total;
        }

        /** The blocks, keys in ascending order: for tests that compare stores. */
        public List<Map.Entry<Long, byte[]>> sortedBlocks() {
            List<Map.Entry<Long, byte[]>> sorted = new ArrayList<>(blocks.entrySet());
            sorted.sort(Map.Entry.comparingByKey());
            return sorted;
        }

        /** An independent copy (blocks are never changed in place, so they are shared). */
        public InMemory copy() {
            return new InMemory(new HashMap<>(blocks));
        }
    }
}
