package dev.weir.state.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoredSketchTest {

    /** Sizes that put the sketch in each of its modes: list, set and HLL. */
    @ParameterizedTest
    @ValueSource(ints = {0, 3, 100, 5_000})
    void aSketchReadAndOnlyQueriedWritesBackTheBytesItCameIn(int values) throws IOException {
        byte[] written = bytes(StoredSketch.of(sketch(0, values)));

        StoredSketch read = read(written);
        double estimate = read.get().getEstimate();

        assertThat(read.unchanged()).isTrue();
        assertThat(bytes(read)).isEqualTo(written);
        assertThat(estimate).isEqualTo(sketch(0, values).getEstimate());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 100, 5_000})
    void aChangedSketchWritesItsChanges(int values) throws IOException {
        StoredSketch read = read(bytes(StoredSketch.of(sketch(0, values))));

        HllSketch changed = read.forUpdate();
        for (int i = values; i < values + 50; i++) {
            changed.update(i);
        }

        assertThat(read.unchanged()).isFalse();
        assertThat(read(bytes(read)).get().getEstimate())
                .isEqualTo(sketch(0, values + 50).getEstimate());
    }

    @Test
    void aCopyChangesWithoutChangingTheOriginal() throws IOException {
        byte[] written = bytes(StoredSketch.of(sketch(0, 10)));
        StoredSketch read = read(written);
        StoredSketch made = StoredSketch.of(sketch(0, 10));

        read.copy().forUpdate().update("more");
        made.copy().forUpdate().update("more");

        assertThat(bytes(read)).isEqualTo(written);
        assertThat(made.get().getEstimate()).isEqualTo(sketch(0, 10).getEstimate());
    }

    @Test
    void noSketchIsWrittenAndReadAsNone() throws IOException {
        assertThat(read(bytes(null))).isNull();
    }

    private static HllSketch sketch(int from, int to) {
        HllSketch sketch = new HllSketch(DistinctState.LG_K, TgtHllType.HLL_8);
        for (int i = from; i < to; i++) {
            sketch.update(i);
        }
        return sketch;
    }

    private static byte[] bytes(StoredSketch sketch) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        StoredSketch.write(sketch, new DataOutputStream(buffer));
        return buffer.toByteArray();
    }

    private static StoredSketch read(byte[] bytes) throws IOException {
        return StoredSketch.read(new DataInputStream(new ByteArrayInputStream(bytes)));
    }
}
