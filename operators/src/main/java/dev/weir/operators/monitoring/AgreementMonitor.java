package dev.weir.operators.monitoring;

import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import dev.weir.schemas.Score;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far a challenger agrees with the champion, per window and champion version, over the events
 * both scored: decision agreement, mean and largest absolute score difference, and the Pearson
 * correlation of the two scores. One record per challenger version seen in the window.
 */
public final class AgreementMonitor extends ScoreMonitor<AgreementMonitor.Agreement> {

    private static final long serialVersionUID = 1L;
    private static final byte FORMAT = 1;

    @Override
    public MonitoringKind kind() {
        return MonitoringKind.AGREEMENT;
    }

    @Override
    public boolean accepts(Score score) {
        return score.getChallengerVersion() != null && score.getChallengerScore() != null;
    }

    @Override
    public Agreement create(String modelName, String modelVersion) {
        return new Agreement();
    }

    @Override
    public void add(Agreement a, Score score) {
        Pair p = a.pairs.computeIfAbsent(score.getChallengerVersion(), k -> new Pair());
        double c = score.getScore();
        double x = score.getChallengerScore();
        p.n++;
        if (score.getChallengerDecision() == score.getDecision()) {
            p.sameDecision++;
        }
        double diff = Math.abs(c - x);
        p.sumAbsDiff += diff;
        p.maxAbsDiff = Math.max(p.maxAbsDiff, diff);
        p.sumC += c;
        p.sumX += x;
        p.sumCC += c * c;
        p.sumXX += x * x;
        p.sumCX += c * x;
    }

    @Override
    public Agreement decode(byte[] bytes) {
        return Agreement.fromBytes(bytes);
    }

    @Override
    public List<MonitoringRecord> report(WindowKey window, Agreement merged) {
        List<MonitoringRecord> out = new ArrayList<>();
        merged.pairs.forEach(
                (challenger, p) -> {
                    Map<String, Double> values = new LinkedHashMap<>();
                    values.put("events", (double) p.n);
                    values.put("decision_agreement", (double) p.sameDecision / p.n);
                    values.put("mean_abs_diff", p.sumAbsDiff / p.n);
                    values.put("max_abs_diff", p.maxAbsDiff);
                    values.put("champion_mean", p.sumC / p.n);
                    values.put("challenger_mean", p.sumX / p.n);
                    values.put("correlation", p.correlation());
                    out.add(
                            Records.record(
                                    MonitoringKind.AGREEMENT,
                                    challenger,
                                    window,
                                    false,
                                    values,
                                    Map.of(),
                                    "challenger "
                                            + challenger
                                            + " vs champion "
                                            + window.modelVersion()));
                });
        return out;
    }

    /** Sums over the events a pair of models both scored. */
    static final class Pair {
        long n;
        long sameDecision;
        double sumAbsDiff;
        double maxAbsDiff;
        double sumC;
        double sumX;
        double sumCC;
        double sumXX;
        double sumCX;

        double correlation() {
            double cov = sumCX / n - (sumC / n) * (sumX / n);
            double varC = sumCC / n - (sumC / n) * (sumC / n);
            double varX = sumXX / n - (sumX / n) * (sumX / n);
            return varC <= 0 || varX <= 0 ? Double.NaN : cov / Math.sqrt(varC * varX);
        }

        void merge(Pair o) {
            n += o.n;
            sameDecision += o.sameDecision;
            sumAbsDiff += o.sumAbsDiff;
            maxAbsDiff = Math.max(maxAbsDiff, o.maxAbsDiff);
            sumC += o.sumC;
            sumX += o.sumX;
            sumCC += o.sumCC;
            sumXX += o.sumXX;
            sumCX += o.sumCX;
        }
    }

    /** Per challenger version. */
    public static final class Agreement implements WindowAggregate<Agreement> {
        final Map<String, Pair> pairs = new TreeMap<>();

        @Override
        public void merge(Agreement other) {
            other.pairs.forEach((k, p) -> pairs.computeIfAbsent(k, x -> new Pair()).merge(p));
        }

        @Override
        public byte[] toBytes() {
            return AggregateBytes.write(
                    FORMAT,
                    out -> {
                        out.writeInt(pairs.size());
                        for (Map.Entry<String, Pair> e : pairs.entrySet()) {
                            Pair p = e.getValue();
                            out.writeUTF(e.getKey());
                            out.writeLong(p.n);
                            out.writeLong(p.sameDecision);
                            for (double v :
                                    new double[] {
                                        p.sumAbsDiff,
                                        p.maxAbsDiff,
                                        p.sumC,
                                        p.sumX,
                                        p.sumCC,
                                        p.sumXX,
                                        p.sumCX
                                    }) {
                                out.writeDouble(v);
                            }
                        }
                    });
        }

        static Agreement fromBytes(byte[] bytes) {
            return AggregateBytes.read(
                    bytes,
                    FORMAT,
                    "agreement",
                    in -> {
                        Agreement a = new Agreement();
                        int n = in.readInt();
                        for (int i = 0; i < n; i++) {
                            String key = in.readUTF();
                            Pair p = new Pair();
                            p.n = in.readLong();
                            p.sameDecision = in.readLong();
                            p.sumAbsDiff = in.readDouble();
                            p.maxAbsDiff = in.readDouble();
                            p.sumC = in.readDouble();
                            p.sumX = in.readDouble();
                            p.sumCC = in.readDouble();
                            p.sumXX = in.readDouble();
                            p.sumCX = in.readDouble();
                            a.pairs.put(key, p);
                        }
                        return a;
                    });
        }
    }
}
