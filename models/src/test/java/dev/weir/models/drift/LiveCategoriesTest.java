package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.models.ReferenceProfile.Categorical;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveCategoriesTest {

    private static final Categorical CHANNEL =
            Categorical.of("channel", new String[] {"web", "app", "web", null});

    private static LiveCategories accumulate(
            Categorical reference, String[] values, int from, int to) {
        LiveCategories live = new LiveCategories(reference);
        for (int i = from; i < to; i++) {
            live.add(values[i]);
        }
        return live;
    }

    @Test
    void countsReferenceValuesNullsAndOther() {
        LiveCategories live =
                accumulate(
                        CHANNEL,
                        new String[] {"web", "web", "app", null, "pos", "(other)", "Web"},
                        0,
                        7);

        assertThat(live.name()).isEqualTo("channel");
        assertThat(live.count()).isEqualTo(7);
        assertThat(live.nulls()).isEqualTo(1);
        assertThat(live.counts())
                .containsExactly(
                        Map.entry("(other)", 3L),
                        Map.entry("app", 1L),
                        Map.entry("null", 1L),
                        Map.entry("web", 2L));
    }

    @Test
    void aNullIsOtherWhenTheTrainingDataHadNone() {
        LiveCategories live =
                accumulate(
                        Categorical.of("country", new String[] {"DE", "FR"}),
                        new String[] {null, "DE"},
                        0,
                        2);

        assertThat(live.counts())
                .containsExactly(
                        Map.entry("(other)", 1L), Map.entry("DE", 1L), Map.entry("FR", 0L));
        assertThat(live.nulls()).isEqualTo(1);
    }

    @Test
    void mergingRestoredPartialsEqualsAccumulatingEverythingInOne() {
        Categorical reference =
                Categorical.of("c", Samples.categories(Samples.tenCategories(0.05), 2_000, 1));
        String[] values = Samples.categories(Samples.tenCategories(0.3), 10_000, 2);
        values[5] = null;
        values[6] = "unseen";
        LiveCategories whole = accumulate(reference, values, 0, values.length);
        LiveCategories merged = new LiveCategories(reference);
        int[] cuts = {0, 3, 4_000, 9_999, values.length};
        for (int p = 0; p + 1 < cuts.length; p++) {
            merged.merge(
                    LiveCategories.fromBytes(
                            accumulate(reference, values, cuts[p], cuts[p + 1]).toBytes()));
        }

        assertThat(merged.toBytes()).isEqualTo(whole.toBytes());
        assertThat(merged.counts()).isEqualTo(whole.counts());
        assertThat(merged.counts().get(Categorical.OTHER)).isEqualTo(2);
        assertThat(merged.nulls()).isEqualTo(1);
    }

    @Test
    void roundTripsThroughBytesExactly() {
        LiveCategories live = accumulate(CHANNEL, new String[] {"web", "ü-channel", null}, 0, 3);

        byte[] bytes = live.toBytes();
        LiveCategories restored = LiveCategories.fromBytes(bytes);

        assertThat(restored.toBytes()).isEqualTo(bytes);
        assertThat(restored.counts()).isEqualTo(live.counts());
        assertThat(restored.accumulates(CHANNEL)).isTrue();
        assertThat(LiveCategories.fromBytes(new LiveCategories(CHANNEL).toBytes()).count())
                .isZero();
    }

    @Test
    void refusesToMergeAccumulatorsOfDifferentReferences() {
        LiveCategories channel = new LiveCategories(CHANNEL);

        assertThatThrownBy(
                        () ->
                                channel.merge(
                                        new LiveCategories(
                                                Categorical.of("channel", new String[] {"web"}))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("different references");
    }

    @Test
    void rejectsForeignCorruptTruncatedAndNewerBytes() {
        byte[] bytes = accumulate(CHANNEL, new String[] {"web", "app"}, 0, 2).toBytes();

        assertThatThrownBy(
                        () ->
                                LiveCategories.fromBytes(
                                        new LiveDistribution(
                                                        dev.weir.models.ReferenceProfile
                                                                .Distribution.of(
                                                                "x", new double[] {1}))
                                                .toBytes()))
                .hasMessageContaining("not a serialized LiveCategories");
        byte[] newer = bytes.clone();
        newer[1] = 9;
        assertThatThrownBy(() -> LiveCategories.fromBytes(newer))
                .hasMessageContaining("unsupported LiveCategories format version 9");
        assertThatThrownBy(() -> LiveCategories.fromBytes(Arrays.copyOf(bytes, 10)))
                .hasMessageContaining("truncated");
        byte[] miscounted = bytes.clone();
        miscounted[bytes.length - 1]++; // the last key's count
        assertThatThrownBy(() -> LiveCategories.fromBytes(miscounted))
                .hasMessageContaining("inconsistent: counts add up to 3, not 2");
    }
}
