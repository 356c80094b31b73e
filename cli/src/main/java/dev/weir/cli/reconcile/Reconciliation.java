package dev.weir.cli.reconcile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Accounts for every input record in one store of the pipeline's output (the Kafka topics or the
 * Iceberg tables): each must be scored exactly once or dead-lettered exactly once. Pure: it works
 * on what {@link ReconcileReader} read, so its rules are tested on exact sets.
 *
 * <p>A dead letter names its input by partition and offset, except for the payments the keyed
 * stages reject (a repeated transaction id, an event behind the watermark): those carry partition
 * -1 and the decoded payment, so they are matched by transaction id. An input whose transaction id
 * occurs k times must therefore end as at most one score plus dead letters, k outputs in all.
 */
public final class Reconciliation {

    /** One record of the input topic; {@code transactionId} is null when it does not decode. */
    public record Input(int partition, long offset, String transactionId) {
        String position() {
            return partition + "@" + offset;
        }
    }

    /**
     * One dead letter: its input's position, or partition -1 and the transaction id of the payment
     * it holds.
     */
    public record DeadLetter(int partition, long offset, String transactionId, String reason) {
        String position() {
            return partition + "@" + offset;
        }
    }

    /** What one store says about the inputs. */
    public record Outcome(
            String store,
            int inputs,
            int scoredOnce,
            Map<String, Integer> deadLettersByReason,
            List<Input> missing,
            Map<String, Integer> extraOutputs) {

        public int deadLettered() {
            return deadLettersByReason.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Inputs not accounted for plus outputs beyond one per input. */
        public int problems() {
            return missing.size()
                    + extraOutputs.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    // Details in parentheses (a rule's limit, the window) differ per record; the reason does not.
    private static final Pattern DETAIL = Pattern.compile("\\s*\\([^)]*\\)");

    private Reconciliation() {}

    /**
     * @param scoredIds the transaction id of every score in the store, repeats included
     * @param deadLetters every dead letter in the store; those of other inputs are ignored
     */
    public static Outcome of(
            String store,
            List<Input> inputs,
            List<String> scoredIds,
            List<DeadLetter> deadLetters) {
        Map<String, DeadLetter> byPosition = new HashMap<>();
        Map<String, List<DeadLetter>> byTransaction = new HashMap<>();
        Map<String, Integer> extra = new TreeMap<>();
        for (DeadLetter d : deadLetters) {
            if (d.partition() >= 0) {
                if (byPosition.putIfAbsent(d.position(), d) != null) {
                    extra.merge(d.position(), 1, Integer::sum);
                }
            } else if (d.transactionId() != null) {
                byTransaction.computeIfAbsent(d.transactionId(), k -> new ArrayList<>()).add(d);
            }
        }
        Map<String, Integer> scores = new HashMap<>();
        for (String id : scoredIds) {
            scores.merge(id, 1, Integer::sum);
        }

        Map<String, Integer> reasons = new TreeMap<>();
        List<Input> missing = new ArrayList<>();
        Map<String, List<Input>> waiting = new HashMap<>();
        for (Input in : inputs) {
            DeadLetter d = byPosition.get(in.position());
            if (d != null) {
                reasons.merge(reasonKind(d.reason()), 1, Integer::sum);
            } else if (in.transactionId() == null) {
                missing.add(in);
            } else {
                waiting.computeIfAbsent(in.transactionId(), k -> new ArrayList<>()).add(in);
            }
        }
        int scoredOnce = 0;
        for (Map.Entry<String, List<Input>> e : waiting.entrySet()) {
            String id = e.getKey();
            List<Input> records = e.getValue();
            int scored = scores.getOrDefault(id, 0);
            List<DeadLetter> letters = byTransaction.getOrDefault(id, List.of());
            if (scored > 0) {
                scoredOnce++;
            }
            for (DeadLetter d : letters) {
                reasons.merge(reasonKind(d.reason()), 1, Integer::sum);
            }
            int outputs = Math.min(scored, 1) + letters.size();
            // The first records of an id are the ones accounted for; the rest are missing.
            for (int i = outputs; i < records.size(); i++) {
                missing.add(records.get(i));
            }
            int beyond = Math.max(0, scored - 1) + Math.max(0, outputs - records.size());
            if (beyond > 0) {
                extra.merge(id, beyond, Integer::sum);
            }
        }
        missing.sort(
                java.util.Comparator.comparingInt(Input::partition)
                        .thenComparingLong(Input::offset));
        return new Outcome(store, inputs.size(), scoredOnce, reasons, missing, extra);
    }

    /**
     * Outputs of a second store that must hold exactly the scored transactions of the first (the
     * features table beside the scores): ids missing from it and ids it holds more than once.
     */
    public static Outcome sameIds(
            String store,
            List<String> expectedIds,
            List<String> actualIds,
            boolean repeatsAllowed) {
        Map<String, Integer> counts = new HashMap<>();
        for (String id : actualIds) {
            counts.merge(id, 1, Integer::sum);
        }
        List<Input> missing = new ArrayList<>();
        Map<String, Integer> extra = new TreeMap<>();
        int once = 0;
        java.util.Set<String> expected = new java.util.TreeSet<>(expectedIds);
        for (String id : expected) {
            int n = counts.getOrDefault(id, 0);
            if (n == 0) {
                missing.add(new Input(-1, -1, id));
            } else {
                once++;
                if (n > 1 && !repeatsAllowed) {
                    extra.put(id, n - 1);
                }
            }
        }
        return new Outcome(store, expected.size(), once, Map.of(), missing, extra);
    }

    /** The reason without its per-record details, to count dead letters by kind. */
    static String reasonKind(String reason) {
        return DETAIL.matcher(reason).replaceAll("").strip();
    }
}
