package dev.weir.cli.reconcile;

import dev.weir.jobs.config.PipelineConfig;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reconciliation of one input range against every store the pipeline writes: the Kafka scores
 * and dead letters (exactly once), the Kafka decisions (at least once: repeats allowed, none
 * missing), the Iceberg scores and dead letters (exactly once) and the Iceberg features (one row
 * per payment Iceberg scored).
 */
public record ReconcileReport(
        String inputTopic,
        int inputs,
        int undecodableLeftOut,
        List<Reconciliation.Outcome> outcomes) {

    /** How many listed problems of each kind are printed; the counts are always complete. */
    private static final int LISTED = 20;

    public static ReconcileReport of(PipelineConfig config, ReconcileReader.Reading r) {
        Set<String> inputIds = new HashSet<>();
        for (Reconciliation.Input in : r.inputs()) {
            if (in.transactionId() != null) {
                inputIds.add(in.transactionId());
            }
        }
        List<String> kafkaScored = r.kafkaScores().stream().filter(inputIds::contains).toList();
        List<String> icebergScored = r.icebergScores().stream().filter(inputIds::contains).toList();
        String namespace = config.namespace();
        return new ReconcileReport(
                config.transactionsTopic(),
                r.inputs().size(),
                r.undecodableLeftOut(),
                List.of(
                        Reconciliation.of(
                                "Kafka " + config.scoresTopic() + " + " + config.dlqTopic(),
                                r.inputs(),
                                r.kafkaScores(),
                                r.kafkaDeadLetters()),
                        Reconciliation.sameIds(
                                "Kafka " + config.decisionsTopic() + " (at least once)",
                                kafkaScored,
                                r.kafkaDecisions(),
                                true),
                        Reconciliation.of(
                                "Iceberg " + namespace + ".scores + " + namespace + ".dlq",
                                r.inputs(),
                                r.icebergScores(),
                                r.icebergDeadLetters()),
                        Reconciliation.sameIds(
                                "Iceberg " + namespace + ".features",
                                icebergScored,
                                r.icebergFeatures(),
                                false)));
    }

    public int problems() {
        return outcomes.stream().mapToInt(Reconciliation.Outcome::problems).sum();
    }

    public void print(PrintStream out) {
        out.printf(
                "input %s: %,d records%s%n",
                inputTopic,
                inputs,
                undecodableLeftOut == 0
                        ? ""
                        : String.format(
                                " (and %,d undecodable ones left out: an event-time range"
                                        + " cannot place them)",
                                undecodableLeftOut));
        for (Reconciliation.Outcome o : outcomes) {
            out.printf(
                    "%s: %,d scored once, %,d dead-lettered, %,d missing, %,d extra outputs%n",
                    o.store(),
                    o.scoredOnce(),
                    o.deadLettered(),
                    o.missing().size(),
                    o.extraOutputs().values().stream().mapToInt(Integer::intValue).sum());
            for (Map.Entry<String, Integer> reason : o.deadLettersByReason().entrySet()) {
                out.printf("    %,8d dead-lettered: %s%n", reason.getValue(), reason.getKey());
            }
            o.missing().stream()
                    .limit(LISTED)
                    .forEach(
                            m ->
                                    out.printf(
                                            "    missing: %s%n",
                                            m.partition() < 0
                                                    ? m.transactionId()
                                                    : m.partition()
                                                            + "@"
                                                            + m.offset()
                                                            + (m.transactionId() == null
                                                                    ? " (undecodable)"
                                                                    : " " + m.transactionId())));
            o.extraOutputs().entrySet().stream()
                    .limit(LISTED)
                    .forEach(
                            e ->
                                    out.printf(
                                            "    %d extra output(s): %s%n",
                                            e.getValue(), e.getKey()));
        }
        int problems = problems();
        out.println(problems == 0 ? "result: consistent" : "result: " + problems + " problems");
    }
}
