package dev.weir.state.features;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Feature states that run over the entity's lifetime: O(1) state and work per event. */
final class LifetimeStates {

    private LifetimeStates() {}

    /** Seconds since the previous matching event; the current event is not its own previous. */
    static final class TimeSince extends FeatureState {
        private final double defaultValue;
        private long last = Long.MIN_VALUE;

        TimeSince(FeatureSpec spec) {
            this.defaultValue = spec.defaultValue();
        }

        @Override
        public void update(
                long eventTime,
                long asOf,
                boolean matched,
                double number,
                String text,
                double[] out,
                int offset) {
            out[offset] =
                    last == Long.MIN_VALUE ? defaultValue : Math.max(0L, eventTime - last) / 1000.0;
            if (matched && eventTime > last) {
                last = eventTime;
            }
        }

        @Override
        public boolean warm(long asOf) {
            return coverageStart == COMPLETE
                    || (coverageStart != PENDING
                            && last != Long.MIN_VALUE
                            && last >= coverageStart);
        }

        @Override
        public void write(DataOutput out) throws IOException {
            out.writeLong(last);
        }

        @Override
        public void read(DataInput in, int format) throws IOException {
            last = in.readLong();
        }
    }

    /** The N most recent values by event time, newest first. */
    static final class LastN extends FeatureState {
        private final int n;
        private final double defaultValue;
        private long[] times;
        private double[] values;
        private int count;

        LastN(FeatureSpec spec) {
            this.n = spec.n();
            this.defaultValue = spec.defaultValue();
            this.times = new long[n];
            this.values = new double[n];
        }

        @Override
        public void update(
                long eventTime,
                long asOf,
                boolean matched,
                double number,
                String text,
                double[] out,
                int offset) {
            if (matched && !Double.isNaN(number)) {
                // Insertion keeps newest first; in-order events insert at 0. n is small (<= 100).
                int at = 0;
                while (at < count && times[at] > eventTime) {
                    at++;
                }
                if (at < n) {
                    int last = Math.min(count, n - 1);
                    for (int i = last; i > at; i--) {
                        times[i] = times[i - 1];
                        values[i] = values[i - 1];
                    }
                    times[at] = eventTime;
                    values[at] = number;
                    count = Math.min(n, count + 1);
                }
            }
            for (int i = 0; i < n; i++) {
                out[offset + i] = i < count ? values[i] : defaultValue;
            }
        }

        @Override
        protected void ownMutableParts() {
            times = times.clone();
            values = values.clone();
        }

        @Override
        public boolean warm(long asOf) {
            return coverageStart == COMPLETE
                    || (coverageStart != PENDING && count == n && times[n - 1] >= coverageStart);
        }

        @Override
        public void write(DataOutput out) throws IOException {
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeLong(times[i]);
                out.writeDouble(values[i]);
            }
        }

        @Override
        public void read(DataInput in, int format) throws IOException {
            count = in.readInt();
            for (int i = 0; i < count; i++) {
                times[i] = in.readLong();
                values[i] = in.readDouble();
            }
        }
    }

    /**
     * Exponentially decayed sum and mean: each value weighs 2^(-age / half-life). Warm after four
     * half-lives of coverage (missed history then weighs under 1/16).
     */
    static final class Decayed extends FeatureState {
        private final boolean mean;
        private final double defaultValue;
        private final double lambda;
        private final long halfLifeMillis;
        private double sum;
        private double weight;
        private long reference = Long.MIN_VALUE;

        Decayed(FeatureSpec spec) {
            this.mean = spec.aggregation() == Aggregation.DECAYED_MEAN;
            this.defaultValue = spec.defaultValue();
            this.halfLifeMillis = spec.halfLife().toMillis();
            this.lambda = Math.log(2) / halfLifeMillis;
        }

        @Override
        public void update(
                long eventTime,
                long asOf,
                boolean matched,
                double number,
                String text,
                double[] out,
                int offset) {
            if (matched && !Double.isNaN(number)) {
                if (reference == Long.MIN_VALUE) {
                    reference = eventTime;
                }
                if (eventTime >= reference) {
                    // StrictMath: the same bits on every JVM and JIT tier, for stream/batch parity.
                    double decay = StrictMath.exp(-lambda * (eventTime - reference));
                    sum = sum * decay + number;
                    weight = weight * decay + 1;
                    reference = eventTime;
                } else {
                    double decay = StrictMath.exp(-lambda * (reference - eventTime));
                    sum += number * decay;
                    weight += decay;
                }
            }
            if (weight == 0) {
                out[offset] = defaultValue;
            } else if (mean) {
                out[offset] = sum / weight;
            } else {
                out[offset] = sum * StrictMath.exp(-lambda * Math.max(0L, asOf - reference));
            }
        }

        @Override
        public boolean warm(long asOf) {
            return coverageStart == COMPLETE
                    || (coverageStart != PENDING && asOf - coverageStart >= 4 * halfLifeMillis);
        }

        @Override
        public void write(DataOutput out) throws IOException {
            out.writeDouble(sum);
            out.writeDouble(weight);
            out.writeLong(reference);
        }

        @Override
        public void read(DataInput in, int format) throws IOException {
            sum = in.readDouble();
            weight = in.readDouble();
            reference = in.readLong();
        }
    }
}
