package dev.weir.models.drift;

import dev.weir.models.ReferenceProfile;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/** KLL sketches as drift monitoring uses them: the same k as the reference profile's sketches. */
final class KllSketches {

    private KllSketches() {}

    static KllDoublesSketch empty() {
        return KllDoublesSketch.newHeapInstance(ReferenceProfile.SKETCH_K);
    }

    /** A heap copy of a serialized sketch; corrupt bytes fail with a message naming their owner. */
    static KllDoublesSketch heapify(byte[] bytes, String owner) {
        try {
            return KllDoublesSketch.heapify(Memory.wrap(bytes));
        } catch (
                RuntimeException
                        e) { // DataSketches and its Memory layer throw several unchecked types
            throw new IllegalArgumentException(
                    "corrupt KLL sketch in " + owner + ": " + e.getMessage(), e);
        }
    }
}
