package dev.weir.models.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.quantilescommon.KolmogorovSmirnov;
import org.junit.jupiter.api.Test;

class KsDistanceTest {

    private static KllDoublesSketch sketch(double... values) {
        KllDoublesSketch sketch = KllSketches.empty();
        for (double v : values) {
            sketch.update(v);
        }
        return sketch;
    }

    /** The two-sample KS distance of the empirical CDFs, evaluated at every sample value. */
    private static double bruteForce(double[] a, double[] b) {
        double distance = 0;
        for (double x : concat(a, b)) {
            double fa = Arrays.stream(a).filter(v -> v <= x).count() / (double) a.length;
            double fb = Arrays.stream(b).filter(v -> v <= x).count() / (double) b.length;
            distance = Math.max(distance, Math.abs(fa - fb));
        }
        return distance;
    }

    private static double[] concat(double[] a, double[] b) {
        double[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void handComputedExamples() {
        // {1,2,3,4} vs {3,4,5,6}: at x = 2, F1 = 0.5 and F2 = 0.
        assertThat(KsDistance.between(sketch(1, 2, 3, 4), sketch(3, 4, 5, 6))).isEqualTo(0.5);
        // Ties: {0,0,1,1} vs {0,1,1,1}: at x = 0, F1 = 0.5 and F2 = 0.25.
        assertThat(KsDistance.between(sketch(0, 0, 1, 1), sketch(0, 1, 1, 1))).isEqualTo(0.25);
        assertThat(KsDistance.between(sketch(1, 2, 3), sketch(10, 11, 12))).isEqualTo(1.0);
        assertThat(KsDistance.between(sketch(1, 2, 3), sketch(3, 2, 1))).isZero();
    }

    @Test
    void dataSketchesOwnDeltaUnderstatesDisjointSamples() {
        // Why KsDistance walks the union itself: DataSketches 6.2.0 reports 2/3 here. If an upgrade
        // fixes it,
        // KsDistance.between can delegate to it.
        assertThat(KolmogorovSmirnov.computeKSDelta(sketch(1, 2, 3), sketch(10, 11, 12)))
                .isCloseTo(2.0 / 3, within(1e-12));
    }

    @Test
    void equalsTheBruteForceDistanceWhileSketchesAreExact() {
        Random random = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            double[] a = new double[1 + random.nextInt(150)];
            double[] b = new double[1 + random.nextInt(150)];
            for (int i = 0; i < a.length; i++) {
                a[i] =
                        random.nextInt(20)
                                + (trial % 2 == 0
                                        ? random.nextGaussian()
                                        : 0); // half the trials with ties
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(20) + 1 + (trial % 2 == 0 ? random.nextGaussian() : 0);
            }
            KllDoublesSketch sa = sketch(a);
            KllDoublesSketch sb = sketch(b);

            assertThat(sa.isEstimationMode()).isFalse();
            assertThat(KsDistance.between(sa, sb))
                    .as("trial %d", trial)
                    .isCloseTo(bruteForce(a, b), within(1e-12));
            assertThat(KsDistance.between(sb, sa)).isEqualTo(KsDistance.between(sa, sb));
        }
    }

    @Test
    void staysWithinTheSketchesRankErrorOfTheExactDistanceOnLargeSamples() {
        double[] reference = Samples.values(Samples.normal(0, 1), 20_000, 1);
        double[] live = Samples.values(Samples.normal(0.3, 1), 1_000, 2);
        KllDoublesSketch sr = sketch(reference);
        KllDoublesSketch sl = sketch(live);

        double error = sr.getNormalizedRankError(false) + sl.getNormalizedRankError(false);
        assertThat(KsDistance.between(sr, sl))
                .isCloseTo(bruteForce(reference, live), within(error));
    }

    @Test
    void criticalValueIsTheAsymptoticOneWhileExactAndAddsRankErrorsAfter() {
        KllDoublesSketch small = sketch(Samples.values(Samples.normal(0, 1), 100, 1));
        KllDoublesSketch other = sketch(Samples.values(Samples.normal(0, 1), 150, 2));
        // c(0.05) = sqrt(-ln(0.025) / 2) = 1.358102
        assertThat(KsDistance.criticalValue(small, other, 0.05))
                .isCloseTo(1.358102 * Math.sqrt(1.0 / 100 + 1.0 / 150), within(1e-6));

        KllDoublesSketch large = sketch(Samples.values(Samples.normal(0, 1), 20_000, 3));
        double sampling = Math.sqrt(-Math.log(0.0005) / 2) * Math.sqrt(1.0 / 20_000 + 1.0 / 100);
        assertThat(KsDistance.criticalValue(large, small, 0.001))
                .isCloseTo(sampling + large.getNormalizedRankError(false), within(1e-12));
    }
}
