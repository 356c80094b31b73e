package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.weir.models.ReferenceProfile.Categorical;
import dev.weir.models.ReferenceProfile.Distribution;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DriftStatisticsTest {

    private static final DriftThresholds DEFAULTS = DriftThresholds.DEFAULTS;

    /** Half the 1,000 training rows below 0, half at or above; no sketch. */
    private static final Distribution HALVES =
            new Distribution(
                    "x",
                    new double[] {0},
                    new double[] {0.5, 0.5},
                    new double[9],
                    0,
                    1,
                    null,
                    null);

    private static LiveDistribution live(Distribution reference, int below, int above, int nulls) {
        LiveDistribution live = new LiveDistribution(reference);
        IntStream.range(0, below).forEach(i -> live.add(-1));
        IntStream.range(0, above).forEach(i -> live.add(1));
        IntStream.range(0, nulls).forEach(i -> live.add(Double.NaN));
        return live;
    }

    private static LiveCategories live(Categorical reference, Map<String, Integer> counts) {
        LiveCategories live = new LiveCategories(reference);
        counts.forEach(
                (value, n) ->
                        IntStream.range(0, n)
                                .forEach(i -> live.add(value.equals("<null>") ? null : value)));
        return live;
    }

    @Test
    void numericStatisticsMatchHandComputedValues() {
        // Shares {0.5, 0.5} over 1,000 rows against 300 and 700 live values:
        //   psi = 0.2 ln(5/3) + 0.2 ln(1.4) = 0.169460
        //   js: M = {0.4, 0.6}, JSD = (0.029447 + 0.031163) / 2 bits, distance 0.174084
        //   chi-square: expected {400, 600} in both rows, 2 (100^2/400 + 100^2/600) = 83.333, 1 dof
        //   V = sqrt((0.2^2/0.8 + 0.2^2/1.2) / 2) = 0.204124, the plain V of this equal-size table
        DriftResult result =
                DriftStatistics.compare(HALVES, 1_000, live(HALVES, 300, 700, 0), DEFAULTS);

        assertThat(result.name()).isEqualTo("x");
        assertThat(result.categorical()).isFalse();
        assertThat(result.liveCount()).isEqualTo(1_000);
        assertThat(result.referenceCount()).isEqualTo(1_000);
        assertThat(result.nullRate()).isZero();
        assertThat(result.psi()).isCloseTo(0.1694596, within(1e-7));
        assertThat(result.js()).isCloseTo(0.1740837, within(1e-7));
        assertThat(result.chiSquare()).isCloseTo(250.0 / 3, within(1e-9));
        assertThat(result.chiSquareDof()).isEqualTo(1);
        assertThat(result.chiSquareP()).isCloseTo(6.932080e-20, within(1e-25));
        assertThat(result.cramersV())
                .isCloseTo(Math.sqrt(250.0 / 3 / 2_000), within(1e-12))
                .isCloseTo(0.204124, within(1e-6));
        assertThat(result.ks()).isNaN(); // the reference has no sketch
        assertThat(result.drifted()).isTrue();
        assertThat(result.warning()).isFalse();
        assertThat(result.reasons()).containsExactly("js 0.174 >= 0.1 (chi-square p 6.9e-20)");
    }

    @Test
    void belowMinSamplesNothingIsFlaggedButTheStatisticsAreReported() {
        DriftResult result =
                DriftStatistics.compare(HALVES, 1_000, live(HALVES, 30, 169, 0), DEFAULTS);

        assertThat(result.liveCount()).isEqualTo(199);
        assertThat(result.js()).isGreaterThan(0.3);
        assertThat(result.chiSquareP()).isLessThan(1e-18);
        assertThat(result.drifted()).isFalse();
        assertThat(result.warning()).isFalse();
        assertThat(result.reasons()).isEmpty();
        assertThat(
                        DriftStatistics.compare(HALVES, 1_000, live(HALVES, 30, 170, 0), DEFAULTS)
                                .drifted())
                .isTrue();
    }

    @Test
    void aNumericFeaturesNullRateAboveTheThresholdIsDrift() {
        DriftResult nulls =
                DriftStatistics.compare(HALVES, 1_000, live(HALVES, 470, 470, 60), DEFAULTS);
        DriftResult fewerNulls =
                DriftStatistics.compare(HALVES, 1_000, live(HALVES, 480, 480, 40), DEFAULTS);
        DriftResult smallWindow =
                DriftStatistics.compare(HALVES, 1_000, live(HALVES, 50, 49, 100), DEFAULTS);

        assertThat(nulls.nullRate()).isCloseTo(0.06, within(1e-12));
        assertThat(nulls.psi()).isZero();
        assertThat(nulls.reasons()).containsExactly("null rate 0.060 > reference 0 + 0.05");
        assertThat(fewerNulls.drifted()).isFalse();
        assertThat(smallWindow.nullRate()).isGreaterThan(0.5);
        assertThat(smallWindow.drifted()).isFalse();
    }

    @Test
    void aFeatureWithFewValuesIsComparedValueByValue() {
        // 700 zeros and 300 ones in training, 400 and 600 live: psi = 0.3 ln(7/4) + 0.3 ln(2) =
        // 0.375829,
        // chi-square over {700, 300} and {400, 600} = 2 (150^2/550 + 150^2/450) = 181.818, V =
        // 0.301511.
        Distribution flag =
                Distribution.of(
                        "flag",
                        IntStream.range(0, 1_000).mapToDouble(i -> i < 700 ? 0 : 1).toArray());
        LiveDistribution live = new LiveDistribution(flag);
        IntStream.range(0, 1_000).forEach(i -> live.add(i < 400 ? 0 : 1));

        DriftResult result = DriftStatistics.compare(flag, 1_000, live, DEFAULTS);

        assertThat(result.categorical()).isTrue();
        assertThat(result.psi()).isCloseTo(0.3758289, within(1e-7));
        assertThat(result.js()).isCloseTo(0.2581738, within(1e-7));
        assertThat(result.chiSquare()).isCloseTo(181.818182, within(1e-6));
        assertThat(result.chiSquareDof()).isEqualTo(1); // the empty "other" cell is dropped
        assertThat(result.cramersV()).isCloseTo(0.301511, within(1e-6));
        assertThat(result.ks()).isNaN();
        assertThat(result.reasons())
                .containsExactly(
                        "psi 0.376 >= 0.25 (chi-square p 1.9e-41)",
                        "cramersV 0.302 >= 0.1 (chi-square p 1.9e-41)");
    }

    @Test
    void anInputFieldsUnseenValuesAndNullsCountAgainstItsShares() {
        // Training: a and b, half each. Live: 300 a, 600 b, 100 missing, which the training data
        // never had,
        // so they fall under (other) with a reference share of 0 (psi counts it as 1e-4):
        //   psi = (0.1 - 1e-4) ln(0.1 / 1e-4) + (0.3 - 0.5) ln(0.6) + (0.6 - 0.5) ln(1.2) =
        // 0.810482
        //   V = sqrt((0.1^2/0.1 + 0.2^2/0.8 + 0.1^2/1.1) / 2) = 0.282038
        //   chi-square over {0, 500, 500} and {100, 300, 600} = 159.091 with 2 dof
        Categorical channel = new Categorical("channel", Map.of("a", 0.5, "b", 0.5));

        DriftResult result =
                DriftStatistics.compare(
                        channel,
                        1_000,
                        live(channel, Map.of("a", 300, "b", 600, "<null>", 100)),
                        DEFAULTS);

        assertThat(result.categorical()).isTrue();
        assertThat(result.nullRate()).isCloseTo(0.1, within(1e-12));
        assertThat(result.psi()).isCloseTo(0.8104820, within(1e-7));
        assertThat(result.js()).isCloseTo(0.2674131, within(1e-7));
        assertThat(result.cramersV()).isCloseTo(0.2820380, within(1e-7));
        assertThat(result.chiSquare()).isCloseTo(159.090909, within(1e-6));
        assertThat(result.chiSquareDof()).isEqualTo(2);
        assertThat(result.ks()).isNaN();
        assertThat(result.reasons())
                .containsExactly(
                        "psi 0.810 >= 0.25 (chi-square p 2.8e-35)",
                        "cramersV 0.282 >= 0.1 (chi-square p 2.8e-35)");
    }

    @Test
    void ksComparesTheReferenceSketchWithTheLiveValuesOnItsGrid() {
        // 1..100 against 51..150: at x = 50 the training CDF is 0.5 and the live one 0. The
        // reference's sketch is exact and its grid holds every training value.
        Distribution reference =
                Distribution.of("x", IntStream.rangeClosed(1, 100).asDoubleStream().toArray());
        LiveDistribution live = new LiveDistribution(reference);
        IntStream.rangeClosed(51, 150).forEach(live::add);

        DriftResult small = DriftStatistics.compare(reference, 100, live, DEFAULTS);
        DriftResult flagged =
                DriftStatistics.compare(reference, 100, live, DEFAULTS.withMinSamples(50));

        assertThat(small.ks()).isEqualTo(0.5);
        assertThat(small.drifted()).isFalse();
        // Critical value while the reference sketch is exact: sqrt(-ln(0.0005) / 2) * sqrt(2 / 100)
        // = 0.2757, plus the grid's resolution 1/200.
        assertThat(flagged.reasons()).contains("ks 0.500 >= 0.1 (critical value 0.281 at p 0.001)");
    }

    @Test
    void aSignificantModerateShiftBelowEveryAlertIsAWarning() {
        DriftThresholds lenient = new DriftThresholds(0.1, 0.5, 0.9, 0.5, 0.001, 0.5, 200, 0.05);

        DriftResult result =
                DriftStatistics.compare(HALVES, 1_000, live(HALVES, 300, 700, 0), lenient);

        assertThat(result.drifted()).isFalse();
        assertThat(result.warning()).isTrue();
        assertThat(result.reasons())
                .containsExactly("warning: psi 0.169 >= 0.1 (chi-square p 6.9e-20)");
    }

    @Test
    void anEmptyWindowHasNoStatistics() {
        DriftResult result =
                DriftStatistics.compare(HALVES, 1_000, new LiveDistribution(HALVES), DEFAULTS);
        DriftResult onlyNulls =
                DriftStatistics.compare(HALVES, 1_000, live(HALVES, 0, 0, 300), DEFAULTS);

        assertThat(result.liveCount()).isZero();
        assertThat(result.nullRate()).isNaN();
        assertThat(result.psi()).isNaN();
        assertThat(result.js()).isNaN();
        assertThat(result.chiSquareP()).isNaN();
        assertThat(result.drifted()).isFalse();
        assertThat(onlyNulls.psi()).isNaN();
        assertThat(onlyNulls.reasons()).containsExactly("null rate 1.000 > reference 0 + 0.05");
    }

    @Test
    void refusesLiveValuesAccumulatedAgainstAnotherReference() {
        Distribution other =
                new Distribution(
                        "x",
                        new double[] {1},
                        new double[] {0.5, 0.5},
                        new double[9],
                        0,
                        1,
                        null,
                        null);
        Categorical channel = Categorical.of("channel", new String[] {"web"});

        assertThatThrownBy(
                        () ->
                                DriftStatistics.compare(
                                        other, 1_000, live(HALVES, 1, 1, 0), DEFAULTS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not accumulated against the reference distribution x");
        assertThatThrownBy(
                        () ->
                                DriftStatistics.compare(
                                        Categorical.of("channel", new String[] {"app"}),
                                        1,
                                        new LiveCategories(channel),
                                        DEFAULTS))
                .hasMessageContaining("not accumulated against the reference field channel");
        assertThatThrownBy(
                        () -> DriftStatistics.compare(HALVES, 0, live(HALVES, 1, 1, 0), DEFAULTS))
                .hasMessage("the reference of x needs training rows, got 0");
    }

    @Test
    void thresholdsHaveDocumentedDefaultsValidateAndSerialize() throws Exception {
        assertThat(DEFAULTS)
                .isEqualTo(new DriftThresholds(0.1, 0.25, 0.1, 0.1, 0.001, 0.1, 200, 0.05));
        assertThatThrownBy(() -> new DriftThresholds(0.3, 0.25, 0.1, 0.1, 0.001, 0.1, 200, 0.05))
                .hasMessageContaining("psiWarn must be between 0.0 and 0.25");
        assertThatThrownBy(() -> new DriftThresholds(0.1, 0.25, 0.1, 0.1, 0, 0.1, 200, 0.05))
                .hasMessageContaining("significance must be strictly between 0 and 1");
        assertThatThrownBy(() -> DEFAULTS.withMinSamples(0))
                .hasMessageContaining("minSamples must be at least 1");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(DEFAULTS);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(DEFAULTS);
        }
    }
}
