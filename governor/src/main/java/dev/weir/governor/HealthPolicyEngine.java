package dev.weir.governor;

import dev.weir.gates.Evidence;
import dev.weir.gates.GateCheck;
import dev.weir.gates.GateReport;
import dev.weir.gates.Gates;
import dev.weir.gates.LiveWindows;
import dev.weir.gates.LiveWindows.Agreement;
import dev.weir.gates.LiveWindows.Performance;
import dev.weir.gates.ModelEvidence;
import dev.weir.gates.Stage;
import dev.weir.governor.HealthState.DriftWindow;
import dev.weir.governor.HealthState.VersionHealth;
import dev.weir.schemas.MonitoringRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The governor's decisions, free of Stateful Functions: feeds one monitoring record into a model's
 * {@link HealthState} and says what, if anything, to do. At most one action per record, checked in
 * this order:
 *
 * <ol>
 *   <li><b>Rollback</b>: the champion's last {@code rollback.windows} PERFORMANCE windows each have
 *       at least {@code min_labels} matched labels and AUC below {@code min_auc}, and the
 *       registry's rollback history names an earlier champion that is complete and was not itself
 *       rolled back from. A thin window (too few labels, or no AUC) among them means no rollback.
 *   <li><b>Promote</b>: the pipeline reports a challenger; AGREEMENT records between it and the
 *       current champion cover at least {@code promote.min_windows} windows and {@code
 *       promote.min_events} events; PERFORMANCE records of both versions exist, with enough labels,
 *       for at least {@code promote.min_windows} common windows; over those paired windows the
 *       challenger's mean AUC beats the champion's by at least {@code min_auc_gain} (and strictly),
 *       and is itself not below {@code rollback.min_auc}. Agreement alone never promotes: it shows
 *       the two models score alike, not that the challenger is right. Then the {@code to_live}
 *       gates ({@link Gates}) must pass too, as for {@code weir models promote --to live}: hold-out
 *       and fairness from the challenger's metadata in the registry, live gates on the windows
 *       above (paired with the gates' {@code live.min_labels}). A refusal is not an action (no
 *       cool-down, the checks go on to retraining); it is logged and reported as a {@link Refusal}
 *       with the failing gates and their numbers, once until the reason changes.
 *   <li><b>Retrain</b>: at least {@code retrain.drift_windows} of the champion's last {@code
 *       retrain.of_windows} DRIFT windows have a flagged subject that is not ignored.
 * </ol>
 *
 * After an action nothing is decided for the model until {@code cooldown_windows} further windows
 * (advances of the largest window_end seen) have passed. Windows are event time: replaying the same
 * records gives the same decisions.
 */
public final class HealthPolicyEngine {

    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(HealthPolicyEngine.class);

    /** What the governor does. */
    public enum Action {
        ROLLBACK,
        PROMOTE,
        RETRAIN
    }

    /**
     * One decision with its evidence.
     *
     * @param action what to do
     * @param model model name
     * @param fromVersion the champion the evidence is about
     * @param target pointer of the version to use (rollback, promote), null for a retraining
     *     request
     * @param windowStart start of the window whose record triggered it
     * @param windowEnd end of that window
     * @param evidence human text: the windows, statistics and thresholds
     * @param values the key statistics
     */
    public record Decision(
            Action action,
            String model,
            String fromVersion,
            RegistryView.Pointer target,
            long windowStart,
            long windowEnd,
            String evidence,
            Map<String, Double> values) {}

    /**
     * A promotion the policy called for that the {@code to_live} gates refused: nothing is done,
     * but a person should know.
     *
     * @param model model name
     * @param challenger the version refused
     * @param champion the champion it was measured against
     * @param windowStart start of the window whose record led to it
     * @param windowEnd end of that window
     * @param reason the versions and each failing gate with its numbers, as logged
     * @param values the statistics a promotion would carry
     */
    public record Refusal(
            String model,
            String challenger,
            String champion,
            long windowStart,
            long windowEnd,
            String reason,
            Map<String, Double> values) {}

    /**
     * What one record leads to: at most one decision, and a refusal when the gates refused a
     * promotion for a reason not reported before. A refusal may come with a retraining decision.
     */
    public record Outcome(Optional<Decision> decision, Optional<Refusal> refusal) {
        static final Outcome NONE = new Outcome(Optional.empty(), Optional.empty());
    }

    /** What to do about gates the governor cannot judge, for the message that refuses them. */
    public static final String GATES_FIX =
            "start the governor again (weir models promote --to live --gates FILE judges batch"
                    + " scores by hand)";

    private final Policy policy;
    private final Gates gates;
    private final RegistryView registry;

    /**
     * @throws IllegalArgumentException when the {@code to_live} gates have a {@code batch_scores}
     *     gate: the governor reads no batch scores, so it would refuse every promotion
     */
    public HealthPolicyEngine(Policy policy, Gates gates, RegistryView registry) {
        this.policy = policy;
        this.gates = gates.requireNoBatchScores(Stage.LIVE, "the governor", GATES_FIX);
        this.registry = registry;
    }

    public Policy policy() {
        return policy;
    }

    public Gates gates() {
        return gates;
    }

    /** Adds a record to the state and returns what it leads to. */
    public Outcome observe(HealthState state, MonitoringRecord r) {
        String version = r.getModelVersion();
        if (r.getModelName() == null || version == null) {
            return Outcome.NONE;
        }
        long start = r.getWindowStart().toEpochMilli();
        long end = r.getWindowEnd().toEpochMilli();
        switch (r.getKind()) {
            case DRIFT -> {
                seeChampion(state, version, end);
                DriftWindow w =
                        state.version(version).drift.computeIfAbsent(end, k -> new DriftWindow());
                w.windowStart = start;
                w.seen.add(r.getSubject());
                if (r.getAlert() && !policy.retrain().ignoreSubjects().contains(r.getSubject())) {
                    w.flagged.add(r.getSubject());
                }
            }
            case PERFORMANCE ->
                    state.version(version)
                            .performance
                            .put(
                                    end,
                                    new Performance(
                                            start, value(r, "auc"), (long) value(r, "matched", 0)));
            case AGREEMENT -> {
                seeChampion(state, version, end);
                if (end >= state.championSeenAt) {
                    state.challenger = r.getSubject();
                }
                state.version(r.getSubject())
                        .agreement
                        .put(
                                end,
                                new Agreement(
                                        start,
                                        version,
                                        (long) value(r, "events", 0),
                                        value(r, "decision_agreement"),
                                        value(r, "mean_abs_diff")));
                state.version(r.getSubject()).lastSeen =
                        Math.max(state.version(r.getSubject()).lastSeen, end);
            }
            default -> {
                return Outcome.NONE;
            }
        }
        VersionHealth vh = state.version(version);
        vh.lastSeen = Math.max(vh.lastSeen, end);
        trim(state);
        if (end > state.maxWindowEnd) {
            if (state.maxWindowEnd != Long.MIN_VALUE && state.lastAction != null) {
                state.windowsSinceAction++;
            }
            state.maxWindowEnd = end;
        }
        if (state.champion == null || state.inCooldown(policy.cooldownWindows())) {
            return Outcome.NONE;
        }
        String model = r.getModelName();
        Optional<Decision> decision = rollback(state, model, start, end);
        Optional<Refusal> refusal = Optional.empty();
        if (decision.isEmpty()) {
            Outcome promoted = promote(state, model, start, end);
            decision = promoted.decision();
            refusal = promoted.refusal();
        }
        if (decision.isEmpty()) {
            decision = retrain(state, model, start, end);
        }
        decision.ifPresent(
                d -> {
                    state.lastAction = d.action().name();
                    state.lastActionWindowEnd = state.maxWindowEnd;
                    state.windowsSinceAction = 0;
                    if (d.action() == Action.ROLLBACK) {
                        state.retired.add(d.fromVersion());
                    }
                });
        return new Outcome(decision, refusal);
    }

    private Optional<Decision> rollback(HealthState state, String model, long start, long end) {
        String champion = state.champion;
        VersionHealth vh = state.versions.get(champion);
        int k = policy.rollback().windows();
        if (vh == null || vh.performance.size() < k) {
            return Optional.empty();
        }
        List<Map.Entry<Long, Performance>> last = lastEntries(vh.performance, k);
        for (Map.Entry<Long, Performance> e : last) {
            Performance p = e.getValue();
            if (p.matched() < policy.rollback().minLabels()
                    || Double.isNaN(p.auc())
                    || p.auc() >= policy.rollback().minAuc()) {
                return Optional.empty();
            }
        }
        RegistryView.Pointer target = null;
        try {
            List<String> history = registry.aliases(model).history();
            for (int i = history.size() - 1; i >= 0 && target == null; i--) {
                String v = history.get(i);
                if (!v.equals(champion) && !state.retired.contains(v)) {
                    target = registry.pointer(model, v).orElse(null);
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read the registry for {}: {}; no rollback now", model, e.toString());
            return Optional.empty();
        }
        if (target == null) {
            return Optional.empty();
        }
        StringBuilder windows = new StringBuilder();
        Map<String, Double> values = new LinkedHashMap<>();
        double sumAuc = 0;
        long labels = 0;
        for (Map.Entry<Long, Performance> e : last) {
            windows.append(windows.length() == 0 ? "" : ", ")
                    .append(window(e.getValue().windowStart(), e.getKey()))
                    .append(" auc=")
                    .append(fmt(e.getValue().auc()))
                    .append(" matched=")
                    .append(e.getValue().matched());
            sumAuc += e.getValue().auc();
            labels += e.getValue().matched();
        }
        values.put("mean_auc", sumAuc / k);
        values.put("last_auc", last.get(k - 1).getValue().auc());
        values.put("matched", (double) labels);
        values.put("windows", (double) k);
        String evidence =
                "ROLLBACK "
                        + model
                        + " from v"
                        + champion
                        + " to v"
                        + target.version()
                        + ": realised AUC below rollback.min_auc="
                        + fmt(policy.rollback().minAuc())
                        + " in the last "
                        + k
                        + " windows, each with at least rollback.min_labels="
                        + policy.rollback().minLabels()
                        + " matched labels: "
                        + windows
                        + "; v"
                        + target.version()
                        + " is the previous champion in the registry";
        return Optional.of(
                new Decision(
                        Action.ROLLBACK, model, champion, target, start, end, evidence, values));
    }

    private Outcome promote(HealthState state, String model, long start, long end) {
        String champion = state.champion;
        String challenger = state.challenger;
        if (challenger == null
                || challenger.equals(champion)
                || state.retired.contains(challenger)) {
            return Outcome.NONE;
        }
        VersionHealth x = state.versions.get(challenger);
        VersionHealth c = state.versions.get(champion);
        if (x == null || c == null) {
            return Outcome.NONE;
        }
        Policy.Promote p = policy.promote();
        long minLabels = policy.rollback().minLabels();
        LiveWindows.LiveEvidence live =
                LiveWindows.pair(
                        champion, challenger, x.performance, c.performance, x.agreement, minLabels);
        long events = live.agreementEvents();
        int agreementWindows = live.agreementWindows();
        if (agreementWindows < p.minWindows() || events < p.minEvents()) {
            return Outcome.NONE;
        }
        int paired = live.paired().size();
        if (paired < p.minWindows()) {
            return Outcome.NONE;
        }
        List<String> windows = new ArrayList<>();
        for (LiveWindows.PairedWindow w : live.paired()) {
            windows.add(
                    window(w.windowStart(), w.windowEnd())
                            + " auc "
                            + fmt(w.challengerAuc())
                            + " vs "
                            + fmt(w.championAuc()));
        }
        double meanX = live.challengerMeanAuc();
        double meanC = live.championMeanAuc();
        double gain = meanX - meanC;
        if (!(gain > 0 && gain >= p.minAucGain() && meanX >= policy.rollback().minAuc())) {
            return Outcome.NONE;
        }
        GateReport gated;
        try {
            gated = gate(model, challenger, champion, x, c, live);
        } catch (RuntimeException e) {
            LOG.warn("cannot read the registry for {}: {}; no promotion now", model, e.toString());
            return Outcome.NONE;
        }
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("challenger_mean_auc", meanX);
        values.put("champion_mean_auc", meanC);
        values.put("auc_gain", gain);
        values.put("paired_windows", (double) paired);
        values.put("agreement_events", (double) events);
        values.put("agreement_windows", (double) agreementWindows);
        values.put("decision_agreement", live.decisionAgreement());
        for (GateCheck g : gated.checks()) {
            if (g.measured() != null) {
                values.put("gate." + g.gate(), g.measured());
            }
        }
        if (!gated.passed()) {
            String reason =
                    "v"
                            + challenger
                            + " over champion v"
                            + champion
                            + ": "
                            + gated.describeFailures();
            if (reason.equals(state.lastRefusal)) {
                return Outcome.NONE;
            }
            LOG.info("promotion of {} refused by the to_live gates: {}", model, reason);
            state.lastRefusal = reason;
            return new Outcome(
                    Optional.empty(),
                    Optional.of(
                            new Refusal(model, challenger, champion, start, end, reason, values)));
        }
        state.lastRefusal = null;
        Optional<RegistryView.Pointer> target;
        try {
            target = registry.pointer(model, challenger);
        } catch (RuntimeException e) {
            LOG.warn("cannot read the registry for {}: {}; no promotion now", model, e.toString());
            return Outcome.NONE;
        }
        if (target.isEmpty()) {
            return Outcome.NONE;
        }
        String evidence =
                "PROMOTE "
                        + model
                        + " challenger v"
                        + challenger
                        + " over champion v"
                        + champion
                        + ": mean realised AUC "
                        + fmt(meanX)
                        + " vs "
                        + fmt(meanC)
                        + " (gain "
                        + fmt(gain)
                        + ", promote.min_auc_gain="
                        + fmt(p.minAucGain())
                        + ") over "
                        + paired
                        + " paired windows with at least "
                        + minLabels
                        + " labels each (promote.min_windows="
                        + p.minWindows()
                        + "): "
                        + String.join(", ", windows)
                        + "; "
                        + events
                        + " agreement events in "
                        + agreementWindows
                        + " windows (promote.min_events="
                        + p.minEvents()
                        + "), decision agreement "
                        + fmt(live.decisionAgreement())
                        + "; to_live gates: "
                        + (gated.checks().isEmpty()
                                ? "none configured"
                                : String.join(
                                        "; ",
                                        gated.checks().stream().map(GateCheck::describe).toList()));
        return new Outcome(
                Optional.of(
                        new Decision(
                                Action.PROMOTE,
                                model,
                                champion,
                                target.get(),
                                start,
                                end,
                                evidence,
                                values)),
                Optional.empty());
    }

    /** The to_live gates on the challenger's metadata and its live windows. */
    private GateReport gate(
            String model,
            String challenger,
            String champion,
            VersionHealth x,
            VersionHealth c,
            LiveWindows.LiveEvidence pairedByPolicy) {
        Gates.Live liveGates = gates.toLive().live();
        LiveWindows.LiveEvidence live =
                liveGates == null || liveGates.minLabels() == pairedByPolicy.minLabels()
                        ? pairedByPolicy
                        : LiveWindows.pair(
                                champion,
                                challenger,
                                x.performance,
                                c.performance,
                                x.agreement,
                                liveGates.minLabels());
        ModelEvidence metadata = registry.evidence(model, challenger).orElse(null);
        return gates.evaluate(Stage.LIVE, new Evidence(metadata, null, live));
    }

    private Optional<Decision> retrain(HealthState state, String model, long start, long end) {
        VersionHealth vh = state.versions.get(state.champion);
        Policy.Retrain p = policy.retrain();
        if (vh == null || vh.drift.size() < p.driftWindows()) {
            return Optional.empty();
        }
        List<Map.Entry<Long, DriftWindow>> last = lastEntries(vh.drift, p.ofWindows());
        int drifted = 0;
        Map<String, Integer> perFeature = new TreeMap<>();
        List<String> windows = new ArrayList<>();
        for (Map.Entry<Long, DriftWindow> e : last) {
            DriftWindow w = e.getValue();
            if (!w.flagged.isEmpty()) {
                drifted++;
                windows.add(window(w.windowStart, e.getKey()) + " " + w.flagged);
            }
            w.flagged.forEach(f -> perFeature.merge(f, 1, Integer::sum));
        }
        if (drifted < p.driftWindows()) {
            return Optional.empty();
        }
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("drifted_windows", (double) drifted);
        values.put("windows", (double) last.size());
        perFeature.forEach((f, n) -> values.put("drifted_windows." + f, (double) n));
        String evidence =
                "RETRAIN "
                        + model
                        + " v"
                        + state.champion
                        + ": drift in "
                        + drifted
                        + " of the last "
                        + last.size()
                        + " windows (retrain.drift_windows="
                        + p.driftWindows()
                        + " of retrain.of_windows="
                        + p.ofWindows()
                        + "): "
                        + String.join(", ", windows)
                        + "; windows per feature "
                        + perFeature;
        return Optional.of(
                new Decision(
                        Action.RETRAIN, model, state.champion, null, start, end, evidence, values));
    }

    private static void seeChampion(HealthState state, String version, long end) {
        if (end >= state.championSeenAt) {
            if (!version.equals(state.champion)) {
                state.challenger = version.equals(state.challenger) ? null : state.challenger;
            }
            state.champion = version;
            state.championSeenAt = end;
        }
    }

    private static void trim(HealthState state) {
        for (VersionHealth vh : state.versions.values()) {
            while (vh.drift.size() > HealthState.MAX_WINDOWS) {
                vh.drift.pollFirstEntry();
            }
            while (vh.performance.size() > HealthState.MAX_WINDOWS) {
                vh.performance.pollFirstEntry();
            }
            while (vh.agreement.size() > HealthState.MAX_WINDOWS) {
                vh.agreement.pollFirstEntry();
            }
        }
        if (state.versions.size() > HealthState.MAX_VERSIONS) {
            List<String> drop =
                    state.versions.entrySet().stream()
                            .filter(
                                    e ->
                                            !e.getKey().equals(state.champion)
                                                    && !e.getKey().equals(state.challenger))
                            .sorted(Comparator.comparingLong(e -> e.getValue().lastSeen))
                            .map(Map.Entry::getKey)
                            .limit(state.versions.size() - HealthState.MAX_VERSIONS)
                            .toList();
            drop.forEach(state.versions::remove);
        }
    }

    private static <V> List<Map.Entry<Long, V>> lastEntries(TreeMap<Long, V> map, int n) {
        List<Map.Entry<Long, V>> all = new ArrayList<>(map.entrySet());
        return all.subList(Math.max(0, all.size() - n), all.size());
    }

    private static double value(MonitoringRecord r, String name) {
        return value(r, name, Double.NaN);
    }

    private static double value(MonitoringRecord r, String name, double fallback) {
        Double v = r.getValues().get(name);
        return v == null ? fallback : v;
    }

    private static String window(long start, long end) {
        return "["
                + java.time.Instant.ofEpochMilli(start)
                + ", "
                + java.time.Instant.ofEpochMilli(end)
                + ")";
    }

    private static String fmt(double d) {
        return String.format(java.util.Locale.ROOT, "%.4f", d);
    }
}
