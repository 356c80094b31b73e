package dev.weir.models;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Integrated gradients (Sundararajan, Taly and Yan, 2017) of the fraud probability, computed
 * exactly for a network that is piecewise linear up to its output: dense layers with ReLU, leaky
 * ReLU or identity activations, then an output layer whose fraud probability is a sigmoid of one
 * linear score (a two-class softmax, a sigmoid) or that score itself (identity).
 *
 * <p>The baseline is the mean training vector: the centre the model's metadata normalises inputs
 * around (the same means as the reference profile's), which the network sees as the zero vector.
 * The attribution of feature {@code j} of a normalised vector {@code x} is {@code x_j} times the
 * integral, along the straight path {@code a * x} for {@code a} from 0 to 1, of the gradient of the
 * fraud probability {@code F} with respect to feature {@code j} (in normalised units, which is the
 * same as {@code (raw_j - mean_j)} times the gradient with respect to the raw value).
 *
 * <p>Along the path every hidden unit's pre-activation is piecewise linear in {@code a}, with kinks
 * where a unit of an earlier layer changes side: the path crosses finitely many linear regions of
 * the network. Within a region the score {@code s} is {@code A + B a} and its gradient {@code g} is
 * constant, so the integral of {@code F'(s) g} over the region is {@code g (F(s_end) - F(s_start))
 * / B}. The walk goes from region to region, updating each layer's affine form and the gradient by
 * the change of the one unit that crossed, in double precision. No sampling: the attributions add
 * up to {@code F(x) - F(baseline)} up to rounding (completeness), and a network that is linear in
 * its inputs gets its exact contributions.
 *
 * <p>Each vector is attributed on its own, on the Java heap: the result depends on the model and
 * the vector only, not on the other rows of a batch, and no native memory is used. Not thread-safe:
 * its scratch arrays are reused by every call.
 *
 * <p>{@code double[] out = new double[width]; gradients.attribute(normalisedVector, out);}
 */
public final class IntegratedGradients {

    /** The output column whose probability is attributed: the fraud class, as the scorers read. */
    public static final int FRAUD_COLUMN = 1;

    /** Crossings closer than this along the path count as one. */
    private static final double SAME_CROSSING = 1e-12;

    /** How the fraud probability follows from the linear score of the output layer. */
    private enum Link {
        LOGISTIC,
        IDENTITY
    }

    private final int inputs;
    private final int layers;
    private final int[] widths;

    /** weights[l][i * widths[l] + j]: from unit i of the layer below (or input i) to unit j. */
    private final double[][] weights;

    private final double[][] biases;

    /** The slope of each hidden layer's activation below zero (1 above). */
    private final double[] negativeSlopes;

    /** The output layer's score: scoreWeights . h + scoreBias. */
    private final double[] scoreWeights;

    private final double scoreBias;
    private final Link link;

    /** The affine form z = p + a q of each hidden unit along the path, and its slope. */
    private final double[][] p;

    private final double[][] q;
    private final double[][] slopes;

    /** u[l] = weights[l + 1] r[l + 1] (u of the last layer: the score weights), r = slopes * u. */
    private final double[][] u;

    private final double[][] r;

    /** The state at the baseline, which every vector's walk starts from. */
    private final double[][] baseP;

    private final double[][] baseSlopes;
    private final double[][] baseU;
    private final double[][] baseR;
    private final double baseA;

    /** The first hidden layer's crossings along the path, in order, and their units. */
    private final double[] firstCrossings;

    private final int[] firstUnits;

    /** Units of later layers that change side within the current region: layer, unit, where. */
    private final int[] candidateLayers;

    private final int[] candidateUnits;
    private final double[] candidateAt;

    /**
     * The integral of the first layer's r along the path so far, per unit: r[0][j] is piecewise
     * constant, so each unit adds r[0][j] times the weight of the regions since its last change
     * when it changes, and at the end.
     */
    private final double[] accumulated;

    private final double[] marks;

    /** The weight of the regions walked so far. */
    private double total;

    private final double[] deltaP;
    private final double[] deltaQ;
    private final double[] nextDeltaP;
    private final double[] nextDeltaQ;
    private final double[] deltaR;
    private final double[] nextDeltaR;
    private final double baselineScore;
    private final int maxRegions;

    /** The score's affine form along the current region: s = a + b t. */
    private double a;

    private double b;
    private int regions;

    /**
     * @throws IllegalArgumentException when the network is not one whose integrated gradients this
     *     class computes ({@link #unsupported})
     */
    public IntegratedGradients(MultiLayerNetwork network) {
        String unsupported = unsupported(network);
        if (unsupported != null) {
            throw new IllegalArgumentException(
                    "integrated gradients cannot attribute this network's scores: " + unsupported);
        }
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        this.layers = network.getnLayers() - 1;
        this.inputs = (int) network.layerInputSize(0);
        this.widths = new int[layers];
        this.weights = new double[layers][];
        this.biases = new double[layers][];
        this.negativeSlopes = new double[layers];
        for (int l = 0; l < layers; l++) {
            INDArray w = network.getLayer(l).getParam(DefaultParamInitializer.WEIGHT_KEY);
            widths[l] = (int) w.columns();
            weights[l] = flat(w);
            biases[l] = bias(network, l, widths[l]);
            negativeSlopes[l] =
                    negativeSlope(((BaseLayer) conf.getConf(l).getLayer()).getActivationFn());
        }
        INDArray out = network.getLayer(layers).getParam(DefaultParamInitializer.WEIGHT_KEY);
        double[] outBias = bias(network, layers, (int) out.columns());
        IActivation outActivation = ((BaseLayer) conf.getConf(layers).getLayer()).getActivationFn();
        int below = (int) out.rows();
        this.scoreWeights = new double[below];
        if (outActivation instanceof ActivationSoftmax) {
            // Two classes: the fraud probability is the sigmoid of the difference of the logits.
            for (int i = 0; i < below; i++) {
                scoreWeights[i] = out.getDouble(i, FRAUD_COLUMN) - out.getDouble(i, 0);
            }
            this.scoreBias = outBias[FRAUD_COLUMN] - outBias[0];
            this.link = Link.LOGISTIC;
        } else {
            for (int i = 0; i < below; i++) {
                scoreWeights[i] = out.getDouble(i, FRAUD_COLUMN);
            }
            this.scoreBias = outBias[FRAUD_COLUMN];
            this.link = outActivation instanceof ActivationSigmoid ? Link.LOGISTIC : Link.IDENTITY;
        }

        this.p = new double[layers][];
        this.q = new double[layers][];
        this.slopes = new double[layers][];
        this.u = new double[layers][];
        this.r = new double[layers][];
        this.baseP = new double[layers][];
        this.baseSlopes = new double[layers][];
        this.baseU = new double[layers][];
        this.baseR = new double[layers][];
        int widest = inputs;
        for (int l = 0; l < layers; l++) {
            p[l] = new double[widths[l]];
            q[l] = new double[widths[l]];
            slopes[l] = new double[widths[l]];
            u[l] = new double[widths[l]];
            r[l] = new double[widths[l]];
            widest = Math.max(widest, widths[l]);
        }
        this.deltaP = new double[widest];
        this.deltaQ = new double[widest];
        this.nextDeltaP = new double[widest];
        this.nextDeltaQ = new double[widest];
        this.deltaR = new double[widest];
        this.nextDeltaR = new double[widest];
        this.accumulated = new double[layers == 0 ? 1 : widths[0]];
        this.marks = new double[accumulated.length];
        this.firstCrossings = new double[layers == 0 ? 0 : widths[0]];
        this.firstUnits = new int[firstCrossings.length];
        int later = 0;
        for (int l = 1; l < layers; l++) {
            later += widths[l];
        }
        this.candidateLayers = new int[later];
        this.candidateUnits = new int[later];
        this.candidateAt = new double[later];
        // Far more regions than a path crosses (a unit changes side at most once per region of
        // the layers below it); past them, rounding went astray, and the rest of the path is
        // taken as one region, which keeps the attributions complete.
        int units = firstCrossings.length + later;
        this.maxRegions = 64 * (units + 1);

        // The baseline: the zero input. Its pre-activations, the sides its units are on and the
        // gradient there are the same for every vector.
        double[] below0 = new double[inputs];
        double[] h = below0;
        for (int l = 0; l < layers; l++) {
            double[] z = affine(l, h);
            baseP[l] = z;
            baseSlopes[l] = new double[widths[l]];
            h = new double[widths[l]];
            for (int j = 0; j < widths[l]; j++) {
                baseSlopes[l][j] = z[j] >= 0 ? 1 : negativeSlopes[l];
                h[j] = baseSlopes[l][j] * z[j];
            }
        }
        double a = scoreBias;
        for (int i = 0; i < scoreWeights.length; i++) {
            a += scoreWeights[i] * h[i];
        }
        this.baseA = a;
        for (int l = layers - 1; l >= 0; l--) {
            baseU[l] = l == layers - 1 ? scoreWeights.clone() : times(l + 1, baseR[l + 1]);
            baseR[l] = new double[widths[l]];
            for (int j = 0; j < widths[l]; j++) {
                baseR[l][j] = baseSlopes[l][j] * baseU[l][j];
            }
        }
        this.baselineScore = link(baseA);
    }

    /**
     * Why this class cannot compute integrated gradients of {@code network}, or null when it can:
     * dense layers with ReLU, leaky ReLU or identity activations, then an output layer with a
     * two-class softmax, a sigmoid or the identity; float32, no layer normalisation, no input
     * preprocessors.
     */
    public static String unsupported(MultiLayerNetwork network) {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations();
        if (!conf.getInputPreProcessors().isEmpty()) {
            return "it has input preprocessors";
        }
        int last = network.getnLayers() - 1;
        for (int l = 0; l <= last; l++) {
            Layer layer = conf.getConf(l).getLayer();
            boolean dense = l < last && layer.getClass() == DenseLayer.class;
            boolean output = l == last && layer.getClass() == OutputLayer.class;
            if (!dense && !output) {
                return "layer "
                        + l
                        + " is a "
                        + layer.getClass().getSimpleName()
                        + " (supported: DenseLayer, then an OutputLayer)";
            }
            if (dense && ((DenseLayer) layer).hasLayerNorm()) {
                return "layer " + l + " normalises its layer";
            }
            IActivation activation = ((BaseLayer) layer).getActivationFn();
            if (dense && Double.isNaN(negativeSlope(activation))) {
                return "layer "
                        + l
                        + "'s activation "
                        + activation
                        + " is not piecewise linear (supported: ReLU, leaky ReLU, identity)";
            }
            if (output) {
                boolean twoClassSoftmax =
                        activation instanceof ActivationSoftmax && network.layerSize(l) == 2;
                boolean column =
                        (activation instanceof ActivationSigmoid
                                        || activation instanceof ActivationIdentity)
                                && network.layerSize(l) > FRAUD_COLUMN;
                if (!twoClassSoftmax && !column) {
                    return "the output layer's activation "
                            + activation
                            + " over "
                            + network.layerSize(l)
                            + " outputs is not a two-class softmax, a sigmoid or the identity";
                }
            }
        }
        return null;
    }

    /** The slope below zero of a piecewise-linear activation, NaN for any other. */
    private static double negativeSlope(IActivation activation) {
        if (activation instanceof ActivationIdentity) {
            return 1;
        }
        if (activation instanceof ActivationLReLU leaky) {
            return leaky.getAlpha();
        }
        if (activation instanceof ActivationReLU relu
                && relu.getMax() == null
                && (relu.getThreshold() == null || relu.getThreshold() == 0)
                && (relu.getNegativeSlope() == null || relu.getNegativeSlope() == 0)) {
            return 0;
        }
        return Double.NaN;
    }

    private static double[] flat(INDArray w) {
        int rows = (int) w.rows();
        int columns = (int) w.columns();
        double[] flat = new double[rows * columns];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                flat[i * columns + j] = w.getDouble(i, j);
            }
        }
        return flat;
    }

    private static double[] bias(MultiLayerNetwork network, int layer, int width) {
        BaseLayer conf = (BaseLayer) network.getLayerWiseConfigurations().getConf(layer).getLayer();
        boolean hasBias =
                conf instanceof DenseLayer dense
                        ? dense.hasBias()
                        : ((BaseOutputLayer) conf).hasBias();
        double[] bias = new double[width];
        if (hasBias) {
            INDArray b = network.getLayer(layer).getParam(DefaultParamInitializer.BIAS_KEY);
            for (int j = 0; j < width; j++) {
                bias[j] = b.getDouble(j);
            }
        }
        return bias;
    }

    /**
     * The fraud probability of the baseline, which the attributions of a vector are relative to.
     */
    public double baselineScore() {
        return baselineScore;
    }

    /** Linear regions the path of the last attributed vector crossed. */
    public int regions() {
        return regions;
    }

    /**
     * Writes the attributions of one normalised vector into {@code out}: {@code out[j]} is feature
     * {@code j}'s signed share of the vector's fraud probability above the baseline's.
     *
     * @return the vector's fraud probability as the walk computed it (double precision)
     */
    public double attribute(double[] x, double[] out) {
        if (x.length != inputs || out.length != inputs) {
            throw new IllegalArgumentException(
                    "expected vectors of " + inputs + " features, got " + x.length);
        }
        if (layers == 0) {
            return attributeLinearScore(x, out);
        }
        Arrays.fill(accumulated, 0);
        Arrays.fill(marks, 0);
        total = 0;
        start(x);
        int width0 = widths[0];
        double[] r0 = r[0];
        double from = 0;
        double expFrom = Math.exp(-a);
        int nextFirst = 0;
        int firstCount = firstCrossings(width0);
        regions = 0;
        while (true) {
            boolean giveUp = regions >= maxRegions;
            double to = nextFirst < firstCount && !giveUp ? firstCrossings[nextFirst] : 1;
            // A unit of a later layer that ends the region on the other side crosses first.
            int candidates = 0;
            for (int l = 1; l < layers && !giveUp; l++) {
                if (negativeSlopes[l] == 1) {
                    continue;
                }
                double[] pl = p[l];
                double[] ql = q[l];
                double[] sl = slopes[l];
                for (int m = 0; m < widths[l]; m++) {
                    double z = pl[m] + to * ql[m];
                    // A unit within rounding of zero at the end has not crossed yet.
                    double rounding = SAME_CROSSING * (Math.abs(pl[m]) + Math.abs(ql[m]));
                    if (sl[m] == 1 ? z < -rounding : z > rounding) {
                        double at = ql[m] == 0 ? from : Math.max(from, -pl[m] / ql[m]);
                        candidateLayers[candidates] = l;
                        candidateUnits[candidates] = m;
                        candidateAt[candidates++] = at;
                        to = Math.min(to, at);
                    }
                }
            }
            regions++;
            double end = a + b * to;
            double expTo = Math.exp(-end);
            total += integral(a + b * from, end, expFrom, expTo, to - from, b);
            if (to >= 1) {
                break;
            }
            for (int c = 0; c < candidates; c++) {
                if (candidateAt[c] <= to + SAME_CROSSING) {
                    int l = candidateLayers[c];
                    int m = candidateUnits[c];
                    flip(l, m, q[l][m] > 0 ? 1 : negativeSlopes[l]);
                }
            }
            while (nextFirst < firstCount && firstCrossings[nextFirst] <= to + SAME_CROSSING) {
                int j = firstUnits[nextFirst++];
                flip(0, j, q[0][j] > 0 ? 1 : negativeSlopes[0]);
            }
            from = to;
            expFrom = expTo;
        }
        for (int j = 0; j < width0; j++) {
            accumulated[j] += r0[j] * (total - marks[j]);
        }
        double[] w0 = weights[0];
        for (int i = 0; i < inputs; i++) {
            double g = 0;
            int row = i * width0;
            for (int j = 0; j < width0; j++) {
                g += w0[row + j] * accumulated[j];
            }
            out[i] = x[i] * g;
        }
        return link(a + b);
    }

    /**
     * The state at the baseline, the slopes along the path towards {@code x} and the score's affine
     * form in the first region.
     */
    private void start(double[] x) {
        for (int l = 0; l < layers; l++) {
            System.arraycopy(baseP[l], 0, p[l], 0, widths[l]);
            System.arraycopy(baseSlopes[l], 0, slopes[l], 0, widths[l]);
            System.arraycopy(baseU[l], 0, u[l], 0, widths[l]);
            System.arraycopy(baseR[l], 0, r[l], 0, widths[l]);
        }
        double[] q0 = q[0];
        Arrays.fill(q0, 0);
        double[] w0 = weights[0];
        int width0 = widths[0];
        for (int i = 0; i < inputs; i++) {
            double xi = x[i];
            if (xi != 0) {
                int row = i * width0;
                for (int j = 0; j < width0; j++) {
                    q0[j] += xi * w0[row + j];
                }
            }
        }
        for (int l = 1; l < layers; l++) {
            Arrays.fill(q[l], 0);
            propagate(l, q[l - 1], slopes[l - 1], q[l]);
        }
        a = baseA;
        b = 0;
        double[] last = q[layers - 1];
        double[] lastSlopes = slopes[layers - 1];
        for (int i = 0; i < scoreWeights.length; i++) {
            b += scoreWeights[i] * lastSlopes[i] * last[i];
        }
        // A unit exactly at zero at the baseline is on the side its path goes to.
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < widths[l]; j++) {
                if (p[l][j] == 0 && q[l][j] < 0) {
                    flip(l, j, negativeSlopes[l]);
                }
            }
        }
    }

    /** Sorts the first layer's crossings within the path; returns how many there are. */
    private int firstCrossings(int width0) {
        int count = 0;
        if (negativeSlopes[0] == 1) {
            return 0;
        }
        double[] p0 = p[0];
        double[] q0 = q[0];
        for (int j = 0; j < width0; j++) {
            if (q0[j] != 0) {
                double at = -p0[j] / q0[j];
                if (at > 0 && at < 1) {
                    // Insertion into the sorted prefix.
                    int k = count++;
                    while (k > 0 && firstCrossings[k - 1] > at) {
                        firstCrossings[k] = firstCrossings[k - 1];
                        firstUnits[k] = firstUnits[k - 1];
                        k--;
                    }
                    firstCrossings[k] = at;
                    firstUnits[k] = j;
                }
            }
        }
        return count;
    }

    /** A network without hidden layers: the score is linear, its gradient constant. */
    private double attributeLinearScore(double[] x, double[] out) {
        double slope = 0;
        for (int i = 0; i < inputs; i++) {
            slope += scoreWeights[i] * x[i];
        }
        regions = 1;
        double end = baseA + slope;
        double weight = integral(baseA, end, Math.exp(-baseA), Math.exp(-end), 1, slope);
        for (int i = 0; i < inputs; i++) {
            out[i] = x[i] * scoreWeights[i] * weight;
        }
        return link(end);
    }

    /**
     * Puts unit j of layer l on the side whose slope is {@code side}, and brings the later layers'
     * affine forms, the score's and the gradient up to date.
     */
    private void flip(int l, int j, double side) {
        double change = side - slopes[l][j];
        if (change == 0) {
            return;
        }
        slopes[l][j] = side;
        // Forward: the unit's output changes by change * (p + t q), along its own axis only.
        double dp = change * p[l][j];
        double dq = change * q[l][j];
        if (l == layers - 1) {
            a += scoreWeights[j] * dp;
            b += scoreWeights[j] * dq;
        } else {
            int next = widths[l + 1];
            double[] w = weights[l + 1];
            int row = j * next;
            double[] pn = p[l + 1];
            double[] qn = q[l + 1];
            double[] sn = slopes[l + 1];
            for (int m = 0; m < next; m++) {
                double wm = w[row + m];
                pn[m] += dp * wm;
                qn[m] += dq * wm;
                deltaP[m] = sn[m] * dp * wm;
                deltaQ[m] = sn[m] * dq * wm;
            }
            int width = next;
            for (int k = l + 2; k < layers; k++) {
                next = widths[k];
                Arrays.fill(nextDeltaP, 0, next, 0);
                Arrays.fill(nextDeltaQ, 0, next, 0);
                double[] wk = weights[k];
                for (int i = 0; i < width; i++) {
                    double di = deltaP[i];
                    double ei = deltaQ[i];
                    int base = i * next;
                    for (int m = 0; m < next; m++) {
                        nextDeltaP[m] += di * wk[base + m];
                        nextDeltaQ[m] += ei * wk[base + m];
                    }
                }
                double[] pk = p[k];
                double[] qk = q[k];
                double[] sk = slopes[k];
                for (int m = 0; m < next; m++) {
                    pk[m] += nextDeltaP[m];
                    qk[m] += nextDeltaQ[m];
                    deltaP[m] = sk[m] * nextDeltaP[m];
                    deltaQ[m] = sk[m] * nextDeltaQ[m];
                }
                width = next;
            }
            for (int i = 0; i < width; i++) {
                a += scoreWeights[i] * deltaP[i];
                b += scoreWeights[i] * deltaQ[i];
            }
        }
        // Backward: r = slope * u changes at the unit, and with it u and r of earlier layers.
        double dr = change * u[l][j];
        if (l == 0) {
            changeFirst(j, dr);
            return;
        }
        r[l][j] += dr;
        double[] column = weights[l];
        int above = widths[l];
        for (int i = 0; i < widths[l - 1]; i++) {
            double du = column[i * above + j] * dr;
            u[l - 1][i] += du;
            deltaR[i] = slopes[l - 1][i] * du;
            if (l == 1) {
                changeFirst(i, deltaR[i]);
            } else {
                r[l - 1][i] += deltaR[i];
            }
        }
        for (int k = l - 2; k >= 0; k--) {
            double[] w = weights[k + 1];
            int upper = widths[k + 1];
            int here = widths[k];
            for (int i = 0; i < here; i++) {
                double du = 0;
                int row = i * upper;
                for (int m = 0; m < upper; m++) {
                    du += w[row + m] * deltaR[m];
                }
                u[k][i] += du;
                nextDeltaR[i] = slopes[k][i] * du;
                if (k == 0) {
                    changeFirst(i, nextDeltaR[i]);
                } else {
                    r[k][i] += nextDeltaR[i];
                }
            }
            System.arraycopy(nextDeltaR, 0, deltaR, 0, here);
        }
    }

    /**
     * Changes r of the first layer's unit i, first adding what it integrated since its last change.
     */
    private void changeFirst(int i, double delta) {
        accumulated[i] += r[0][i] * (total - marks[i]);
        marks[i] = total;
        r[0][i] += delta;
    }

    /** z = W^T (slopes * h) of layer l's weights, added to out. */
    private void propagate(int l, double[] h, double[] hSlopes, double[] out) {
        double[] w = weights[l];
        int width = widths[l];
        for (int i = 0; i < h.length; i++) {
            double v = hSlopes[i] * h[i];
            if (v != 0) {
                int row = i * width;
                for (int j = 0; j < width; j++) {
                    out[j] += v * w[row + j];
                }
            }
        }
    }

    /** Layer l's pre-activations for inputs h (all of them active), with its bias. */
    private double[] affine(int l, double[] h) {
        double[] z = biases[l].clone();
        double[] ones = new double[h.length];
        Arrays.fill(ones, 1);
        propagate(l, h, ones, z);
        return z;
    }

    /** weights[l] times v: from layer l's units back to the layer below. */
    private double[] times(int l, double[] v) {
        double[] w = weights[l];
        int width = widths[l];
        int below = w.length / width;
        double[] out = new double[below];
        for (int i = 0; i < below; i++) {
            double sum = 0;
            int row = i * width;
            for (int j = 0; j < width; j++) {
                sum += w[row + j] * v[j];
            }
            out[i] = sum;
        }
        return out;
    }

    /**
     * The integral of the link's derivative over a region of the given length, in which the score
     * goes from {@code start} to {@code end} at {@code slope} per unit of path; {@code expStart}
     * and {@code expEnd} are exp(-start) and exp(-end), shared with the neighbouring regions.
     */
    private double integral(
            double start, double end, double expStart, double expEnd, double length, double slope) {
        if (link == Link.IDENTITY || length == 0) {
            return length;
        }
        if (Math.abs(end - start) < 1e-6) {
            double mid = sigmoid(0.5 * (start + end));
            return mid * (1 - mid) * length;
        }
        // Differences of sigmoids above one half lose digits; their mirror images below do not.
        double difference =
                start > 0 && end > 0
                        ? lower(expStart) - lower(expEnd)
                        : upper(expEnd) - upper(expStart);
        return difference / slope;
    }

    /** sigmoid(t) from e = exp(-t). */
    private static double upper(double e) {
        return Double.isInfinite(e) ? 0 : 1 / (1 + e);
    }

    /** sigmoid(-t) from e = exp(-t). */
    private static double lower(double e) {
        return Double.isInfinite(e) ? 1 : e / (1 + e);
    }

    private double link(double score) {
        return link == Link.IDENTITY ? score : sigmoid(score);
    }

    private static double sigmoid(double t) {
        return 1 / (1 + Math.exp(-t));
    }
}
