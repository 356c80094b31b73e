package dev.weir.models.drift;

/**
 * The regularized upper incomplete gamma function, which gives chi-square p-values. Series for x
 * below a + 1, Lentz's continued fraction above, as in Numerical Recipes (section 6.2); both
 * converge to about 1e-15 relative and compute the small tail directly, so p-values far below 1e-15
 * keep their digits.
 */
final class Gamma {

    private static final double PRECISION = 1e-15;
    private static final double TINY = 1e-300;
    private static final int MAX_ITERATIONS = 100_000;

    /** Lanczos approximation, g = 7, nine coefficients (about 15 significant digits). */
    private static final double[] LANCZOS = {
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7
    };

    private Gamma() {}

    /** ln(Gamma(x)) for x > 0. */
    static double logGamma(double x) {
        if (x < 0.5) {
            return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection
        }
        double shifted = x - 1;
        double sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (shifted + i);
        }
        double t = shifted + 7.5;
        return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
    }

    /** Q(a, x) = Gamma(a, x) / Gamma(a), for a > 0: the chance a Gamma(a, 1) variable exceeds x. */
    static double regularizedUpper(double a, double x) {
        if (!(a > 0) || Double.isNaN(x)) {
            throw new IllegalArgumentException(
                    "incomplete gamma needs a > 0 and a number x, got a " + a + ", x " + x);
        }
        if (x <= 0) {
            return 1;
        }
        if (x == Double.POSITIVE_INFINITY) {
            return 0;
        }
        return x < a + 1 ? 1 - lowerSeries(a, x) : upperContinuedFraction(a, x);
    }

    private static double lowerSeries(double a, double x) {
        double term = 1 / a;
        double sum = term;
        for (int n = 1; n < MAX_ITERATIONS && Math.abs(term) > Math.abs(sum) * PRECISION; n++) {
            term *= x / (a + n);
            sum += term;
        }
        return Math.min(1, sum * Math.exp(-x + a * Math.log(x) - logGamma(a)));
    }

    private static double upperContinuedFraction(double a, double x) {
        double b = x + 1 - a;
        double c = 1 / TINY;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < MAX_ITERATIONS; i++) {
            double an = -i * (i - a);
            b += 2;
            d = an * d + b;
            d = Math.abs(d) < TINY ? TINY : d;
            c = b + an / c;
            c = Math.abs(c) < TINY ? TINY : c;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.abs(delta - 1) < PRECISION) {
                break;
            }
        }
        return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
    }
}
