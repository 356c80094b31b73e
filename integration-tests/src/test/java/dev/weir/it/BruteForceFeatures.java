package dev.weir.it;

import dev.weir.schemas.Transaction;
import dev.weir.state.expr.Expression;
import dev.weir.state.features.Aggregation;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import dev.weir.state.features.FeatureSpec;
import dev.weir.state.features.FieldReader;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every feature of a feature set recomputed from the raw events, with no state and no panes kept
 * between events, as state/README.md defines the values: each entity's events taken in event-time
 * order (ties by transaction id), an event's windows ending at its own time with the event itself
 * included, the window's old edge at pane resolution, the entity starting over after a TTL of
 * silence. Distinct counts are exact here; the stream estimates them with a sketch.
 */
final class BruteForceFeatures {

    /** The expected vector of one transaction, and which entries are distinct-count estimates. */
    record Expected(double[] values, boolean[] sketched) {}

    private static final Comparator<Transaction> ORDER =
            Comparator.comparingLong((Transaction t) -> t.getEventTime().toEpochMilli())
                    .thenComparing(t -> t.getTransactionId().toString());

    private BruteForceFeatures() {}

    static Map<String, Expected> compute(FeatureSet featureSet, List<Transaction> events) {
        int width = featureSet.vectorNames().size();
        Map<String, Expected> out = new HashMap<>();
        for (Transaction t : events) {
            out.put(
                    t.getTransactionId().toString(),
                    new Expected(new double[width], new boolean[width]));
        }
        int offset = 0;
        for (EntitySpec entity : featureSet.entities()) {
            FieldReader key = FieldReader.of(Transaction.getClassSchema(), entity.keyField());
            Map<String, List<Transaction>> byKey = new HashMap<>();
            for (Transaction t : events) {
                String k = key.key(t);
                if (k == null) {
                    defaults(entity, out.get(t.getTransactionId().toString()).values(), offset);
                } else {
                    byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(t);
                }
            }
            for (List<Transaction> history : byKey.values()) {
                history.sort(ORDER);
                int start = 0;
                for (int i = 0; i < history.size(); i++) {
                    long time = time(history.get(i));
                    if (i > 0
                            && time
                                    >= time(history.get(i - 1))
                                            + entity.effectiveTtl().toMillis()) {
                        start = i; // idle for the TTL: the entity starts over
                    }
                    Expected e = out.get(history.get(i).getTransactionId().toString());
                    values(entity, history.subList(start, i + 1), e, offset);
                }
            }
            offset += width(entity);
        }
        return out;
    }

    private static void values(
            EntitySpec entity, List<Transaction> known, Expected into, int offset) {
        Transaction current = known.get(known.size() - 1);
        Map<String, double[]> byName = new HashMap<>();
        int[] at = new int[entity.features().size()];
        int position = offset;
        for (int i = 0; i < at.length; i++) {
            at[i] = position;
            position += entity.features().get(i).width();
        }
        for (int i = 0; i < at.length; i++) {
            FeatureSpec f = entity.features().get(i);
            if (f.aggregation() == Aggregation.DERIVED) {
                continue;
            }
            double[] v = aggregate(f, known, current);
            byName.put(f.name(), v);
            System.arraycopy(v, 0, into.values(), at[i], v.length);
            into.sketched()[at[i]] = f.aggregation() == Aggregation.DISTINCT_COUNT;
        }
        for (int i = 0; i < at.length; i++) {
            FeatureSpec f = entity.features().get(i);
            if (f.aggregation() != Aggregation.DERIVED) {
                continue;
            }
            double v = Expression.parse(f.expression()).evaluate(bindings(current, byName));
            v = Double.isFinite(v) ? v : f.defaultValue();
            byName.put(f.name(), new double[] {v});
            into.values()[at[i]] = v;
        }
    }

    private static double[] aggregate(FeatureSpec f, List<Transaction> known, Transaction current) {
        long now = time(current);
        List<Transaction> matching = new ArrayList<>();
        for (Transaction t : known) {
            if (matches(f, t)) {
                matching.add(t);
            }
        }
        double def = f.defaultValue();
        switch (f.aggregation()) {
            case TIME_SINCE_PREVIOUS:
                {
                    long previous = Long.MIN_VALUE;
                    for (Transaction t : matching) {
                        if (t != current) {
                            previous = Math.max(previous, time(t));
                        }
                    }
                    return new double[] {
                        previous == Long.MIN_VALUE ? def : (now - previous) / 1000.0
                    };
                }
            case LAST_N:
                {
                    double[] v = new double[f.n()];
                    for (int i = 0; i < v.length; i++) {
                        int from = matching.size() - 1 - i;
                        v[i] = from >= 0 ? number(f.field(), matching.get(from)) : def;
                    }
                    return v;
                }
            case DECAYED_SUM:
            case DECAYED_MEAN:
                {
                    if (matching.isEmpty()) {
                        return new double[] {def};
                    }
                    double sum = 0;
                    double weight = 0;
                    for (Transaction t : matching) {
                        double w = Math.pow(2, -(now - time(t)) / (double) f.halfLife().toMillis());
                        sum += number(f.field(), t) * w;
                        weight += w;
                    }
                    return new double[] {
                        f.aggregation() == Aggregation.DECAYED_SUM ? sum : sum / weight
                    };
                }
            default:
                break;
        }
        List<Transaction> in = matching;
        if (f.window() != null) {
            long pane = f.effectiveResolution().toMillis();
            long oldest = (Math.floorDiv(now, pane) - f.window().toMillis() / pane + 1) * pane;
            in = new ArrayList<>();
            for (Transaction t : matching) {
                if (time(t) >= oldest) {
                    in.add(t);
                }
            }
        }
        double n = in.size();
        double sum = 0;
        double squares = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        Set<String> distinct = new HashSet<>();
        for (Transaction t : in) {
            if (f.aggregation() == Aggregation.DISTINCT_COUNT) {
                distinct.add(text(f.field(), t));
                continue;
            }
            if (f.field() == null || f.aggregation() == Aggregation.COUNT) {
                continue;
            }
            double x = number(f.field(), t);
            sum += x;
            squares += x * x;
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        double mean = sum / n;
        double variance = Math.max(0, squares / n - mean * mean);
        return new double[] {
            switch (f.aggregation()) {
                case COUNT -> n;
                case SUM -> sum;
                case MEAN -> n == 0 ? def : mean;
                case VARIANCE -> n == 0 ? def : variance;
                case STDDEV -> n == 0 ? def : Math.sqrt(variance);
                case MIN -> n == 0 ? def : min;
                case MAX -> n == 0 ? def : max;
                case FIRST -> n == 0 ? def : number(f.field(), in.get(0));
                case LAST -> n == 0 ? def : number(f.field(), in.get(in.size() - 1));
                case DISTINCT_COUNT -> distinct.size();
                default ->
                        throw new IllegalArgumentException("no reference for " + f.aggregation());
            }
        };
    }

    private static boolean matches(FeatureSpec f, Transaction t) {
        if (f.filter() != null && !Expression.parse(f.filter()).test(bindings(t, Map.of()))) {
            return false;
        }
        if (f.field() == null) {
            return true;
        }
        FieldReader reader = FieldReader.of(Transaction.getClassSchema(), f.field());
        return reader.numeric() ? !Double.isNaN(reader.number(t)) : reader.string(t) != null;
    }

    private static Expression.Bindings bindings(Transaction t, Map<String, double[]> features) {
        return new Expression.Bindings() {
            @Override
            public double number(String name) {
                int dot = name.indexOf('.');
                double[] v = features.get(dot < 0 ? name : name.substring(0, dot));
                if (v != null) {
                    return v[dot < 0 ? 0 : Integer.parseInt(name.substring(dot + 1)) - 1];
                }
                return BruteForceFeatures.number(name, t);
            }

            @Override
            public String string(String name) {
                return features.containsKey(name) ? null : text(name, t);
            }
        };
    }

    private static double number(String field, Transaction t) {
        return FieldReader.of(Transaction.getClassSchema(), field).number(t);
    }

    private static String text(String field, Transaction t) {
        FieldReader reader = FieldReader.of(Transaction.getClassSchema(), field);
        return reader.numeric() ? String.valueOf(reader.number(t)) : reader.string(t);
    }

    private static void defaults(EntitySpec entity, double[] into, int offset) {
        int at = offset;
        for (FeatureSpec f : entity.features()) {
            for (int k = 0; k < f.width(); k++) {
                into[at++] = f.defaultValue();
            }
        }
    }

    private static int width(EntitySpec entity) {
        int w = 0;
        for (FeatureSpec f : entity.features()) {
            w += f.width();
        }
        return w;
    }

    private static long time(Transaction t) {
        return t.getEventTime().toEpochMilli();
    }
}
