package dev.weir.models.drift;

import dev.weir.models.ReferenceProfile.Distribution;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;

/** The reference profile's KLL sketches as drift monitoring reads them. */
final class KllSketches {

    private KllSketches() {}

    /**
     * A heap copy of the reference's sketch, or null when it has none; corrupt bytes fail with a
     * message naming the feature.
     */
    static KllDoublesSketch of(Distribution reference) {
        byte[] bytes = reference.sketch();
        if (bytes == null) {
            return null;
        }
        try {
            return KllDoublesSketch.heapify(Memory.wrap(bytes));
        } catch (
                RuntimeException
                        e) { // DataSketches and its Memory layer throw several unchecked types
            throw new IllegalArgumentException(
                    "corrupt KLL sketch in the reference of "
                            + reference.name()
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
