package dev.weir.gates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.gates.ModelEvidence.FairnessGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The gates a version passes on its way to live, parsed once from YAML. A gate that is not written
 * is not checked; a gate that is written and finds no evidence fails. Unknown keys, wrong types and
 * out-of-range values are errors, so a typo never silently drops a gate.
 *
 * <pre>{@code
 * to_test:                       # construct -> test (becomes the challenger)
 *   min_auc: 0.80                # hold-out AUC-ROC, from the version's metadata
 *   min_pr_auc: 0.30             # hold-out AUC-PR (average precision)
 *   fairness:                    # from the metadata's fairness section (hold-out)
 *     min_disparate_impact: 0.80              # lowest approval-rate ratio of any segment value
 *     max_equal_opportunity_difference: 0.10  # largest |TPR difference| of any segment value
 *     min_group_count: 50                     # values with fewer rows are not judged
 *   batch_scores:                # the version's rows in a backfill scores table
 *     table: scores_backfill
 *     min_rows: 1000
 *     max_decline_rate: 0.20
 * to_live:                       # test -> live (becomes the champion)
 *   min_auc: 0.80
 *   fairness: {min_disparate_impact: 0.80}
 *   live:                        # as challenger beside the champion, from monitoring records
 *     min_labels: 200            # labels each version needs in a window for it to count
 *     min_windows: 3             # paired windows needed
 *     min_events: 2000           # agreement events needed
 *     min_auc: 0.75              # the challenger's mean realised AUC over the paired windows
 *     min_auc_gain: 0.0          # ... minus the champion's
 *     min_agreement: 0.90        # event-weighted share of equal decisions
 * }</pre>
 *
 * <p>{@code Gates g = Gates.load(path); GateReport r = g.evaluate(Stage.LIVE, evidence);}
 *
 * @param toTest gates into {@link Stage#TEST}
 * @param toLive gates into {@link Stage#LIVE}
 */
public record Gates(StageGates toTest, StageGates toLive) {

    /** The file {@link #DEFAULT} is read from, on the class path. */
    public static final String DEFAULT_RESOURCE = "dev/weir/gates/gates-default.yaml";

    /** No gate at all: every promotion passes. For tests of what is not about gates. */
    public static final Gates NONE = new Gates(StageGates.NONE, StageGates.NONE);

    /** The gates of {@value #DEFAULT_RESOURCE}. */
    public static final Gates DEFAULT = defaults();

    public Gates {
        Objects.requireNonNull(toTest, "toTest");
        Objects.requireNonNull(toLive, "toLive");
    }

    /**
     * The gates of one step.
     *
     * @param minAuc least hold-out AUC-ROC, or null
     * @param minPrAuc least hold-out AUC-PR, or null
     * @param fairness fairness gates, or null
     * @param batchScores batch-score gates, or null
     * @param live live gates (only into live), or null
     */
    public record StageGates(
            Double minAuc, Double minPrAuc, Fairness fairness, BatchScores batchScores, Live live) {
        public static final StageGates NONE = new StageGates(null, null, null, null, null);
    }

    /**
     * @param minDisparateImpact least disparate-impact ratio of any judged value, or null
     * @param maxEqualOpportunityDifference largest |equal-opportunity difference| of any judged
     *     value, or null
     * @param minGroupCount rows a value needs to be judged
     */
    public record Fairness(
            Double minDisparateImpact, Double maxEqualOpportunityDifference, long minGroupCount) {}

    /**
     * @param table the scores table (in the pipeline's namespace) holding the version's batch rows
     * @param minRows least rows, or null
     * @param maxDeclineRate largest share of declines, or null
     */
    public record BatchScores(String table, Long minRows, Double maxDeclineRate) {}

    /**
     * @param minLabels labels each version needs in a window for the window to be paired
     * @param minWindows paired windows needed
     * @param minEvents agreement events needed, or null
     * @param minAuc least mean realised AUC of the challenger, or null
     * @param minAucGain least mean AUC gain over the champion, or null
     * @param minAgreement least event-weighted decision agreement, or null
     */
    public record Live(
            long minLabels,
            int minWindows,
            Long minEvents,
            Double minAuc,
            Double minAucGain,
            Double minAgreement) {}

    /** The gates into a stage. */
    public StageGates into(Stage to) {
        return switch (to) {
            case TEST -> toTest;
            case LIVE -> toLive;
            case CONSTRUCT ->
                    throw new IllegalArgumentException(
                            "no promotion into construct: a version is there once registered");
        };
    }

    /**
     * Refuses a {@code batch_scores} gate into {@code to} for a reader that reads no batch scores
     * (the governor, the retrain listener): the gate would find no evidence and refuse every
     * promotion, for as long as the reader runs.
     *
     * <p>{@code Gates.load(file).requireNoBatchScores(Stage.LIVE, "the governor", "give weir
     * governor start a gates file without it")}
     *
     * @param reader who would judge the gates, for the message
     * @param fix what to do instead, for the message
     * @return these gates
     * @throws IllegalArgumentException naming the gate, the reader and the fix
     */
    public Gates requireNoBatchScores(Stage to, String reader, String fix) {
        BatchScores batch = into(to).batchScores();
        if (batch != null) {
            String gate = key(to) + ".batch_scores";
            throw new IllegalArgumentException(
                    gate
                            + " (table "
                            + batch.table()
                            + ") cannot be judged by "
                            + reader
                            + ": it reads no batch scores, so the gate would refuse every"
                            + " promotion; remove "
                            + gate
                            + " from the gates file and "
                            + fix);
        }
        return this;
    }

    /** The gates file's key of the step into {@code to}: {@code to_test} or {@code to_live}. */
    public static String key(Stage to) {
        if (to == Stage.CONSTRUCT) {
            throw new IllegalArgumentException("no step into construct");
        }
        return "to_" + to.label();
    }

    /** Every gate into {@code to}, judged on {@code evidence}. */
    public GateReport evaluate(Stage to, Evidence evidence) {
        StageGates g = into(to);
        List<GateCheck> checks = new ArrayList<>();
        ModelEvidence m = evidence.model();
        String noMetadata = "the version's metadata could not be read";
        if (g.minAuc() != null) {
            checks.add(
                    m == null
                            ? GateCheck.noEvidence(
                                    "min_auc", GateCheck.AT_LEAST, g.minAuc(), noMetadata)
                            : holdout("min_auc", "AUC-ROC", m.holdoutAuc(), g.minAuc(), m));
        }
        if (g.minPrAuc() != null) {
            checks.add(
                    m == null
                            ? GateCheck.noEvidence(
                                    "min_pr_auc", GateCheck.AT_LEAST, g.minPrAuc(), noMetadata)
                            : holdout("min_pr_auc", "AUC-PR", m.holdoutAucPr(), g.minPrAuc(), m));
        }
        if (g.fairness() != null) {
            fairness(g.fairness(), m, checks);
        }
        if (g.batchScores() != null) {
            batch(g.batchScores(), evidence.batch(), checks);
        }
        if (g.live() != null) {
            live(g.live(), evidence.live(), checks);
        }
        return new GateReport(to, checks);
    }

    private static GateCheck holdout(
            String gate, String measure, double value, double threshold, ModelEvidence m) {
        if (Double.isNaN(value)) {
            return GateCheck.noEvidence(
                    gate,
                    GateCheck.AT_LEAST,
                    threshold,
                    "the metadata records no hold-out " + measure);
        }
        return GateCheck.measure(
                gate,
                value,
                GateCheck.AT_LEAST,
                threshold,
                m.holdoutRows(),
                "hold-out " + measure + " on " + m.holdoutRows() + " rows");
    }

    private static void fairness(Fairness f, ModelEvidence m, List<GateCheck> checks) {
        String missing =
                m == null
                        ? "the version's metadata could not be read"
                        : m.fairness() == null ? "the metadata has no fairness section" : null;
        if (f.minDisparateImpact() != null) {
            String gate = "fairness.min_disparate_impact";
            checks.add(
                    missing != null
                            ? GateCheck.noEvidence(
                                    gate, GateCheck.AT_LEAST, f.minDisparateImpact(), missing)
                            : extreme(
                                    gate,
                                    m.fairness(),
                                    f.minGroupCount(),
                                    FairnessGroup::disparateImpact,
                                    FairnessGroup::approvalReference,
                                    GateCheck.AT_LEAST,
                                    f.minDisparateImpact()));
        }
        if (f.maxEqualOpportunityDifference() != null) {
            String gate = "fairness.max_equal_opportunity_difference";
            checks.add(
                    missing != null
                            ? GateCheck.noEvidence(
                                    gate,
                                    GateCheck.AT_MOST,
                                    f.maxEqualOpportunityDifference(),
                                    missing)
                            : extreme(
                                    gate,
                                    m.fairness(),
                                    f.minGroupCount(),
                                    g ->
                                            g.equalOpportunityDifference() == null
                                                    ? null
                                                    : Math.abs(g.equalOpportunityDifference()),
                                    FairnessGroup::tprReference,
                                    GateCheck.AT_MOST,
                                    f.maxEqualOpportunityDifference()));
        }
    }

    /** The worst figure of the values with enough rows: the lowest for a minimum, else highest. */
    private static GateCheck extreme(
            String gate,
            List<FairnessGroup> groups,
            long minRows,
            java.util.function.Function<FairnessGroup, Double> figure,
            java.util.function.Function<FairnessGroup, String> reference,
            String comparison,
            double threshold) {
        List<FairnessGroup> judged =
                groups.stream()
                        .filter(g -> g.rows() >= minRows && figure.apply(g) != null)
                        .toList();
        if (judged.isEmpty()) {
            return GateCheck.noEvidence(
                    gate,
                    comparison,
                    threshold,
                    "no segment value with at least " + minRows + " rows and a figure");
        }
        ToDoubleFunction<FairnessGroup> f = g -> figure.apply(g);
        Comparator<FairnessGroup> order = Comparator.comparingDouble(f);
        FairnessGroup worst =
                comparison.equals(GateCheck.AT_LEAST)
                        ? judged.stream().min(order).orElseThrow()
                        : judged.stream().max(order).orElseThrow();
        return GateCheck.measure(
                gate,
                figure.apply(worst),
                comparison,
                threshold,
                worst.rows(),
                String.format(
                        Locale.ROOT,
                        "%s=%s: %d rows, %d frauds, against %s; worst of %d values with at least"
                                + " %d rows",
                        worst.attribute(),
                        worst.value(),
                        worst.rows(),
                        worst.positives(),
                        reference.apply(worst),
                        judged.size(),
                        minRows));
    }

    private static void batch(BatchScores b, BatchEvidence e, List<GateCheck> checks) {
        String missing =
                e == null
                        ? "table " + b.table() + " was not read"
                        : e.rows() == 0 ? "no rows of the version in " + e.table() : null;
        if (b.minRows() != null) {
            String gate = "batch_scores.min_rows";
            checks.add(
                    e == null
                            ? GateCheck.noEvidence(gate, GateCheck.AT_LEAST, b.minRows(), missing)
                            : GateCheck.measure(
                                    gate,
                                    e.rows(),
                                    GateCheck.AT_LEAST,
                                    b.minRows(),
                                    e.rows(),
                                    "rows of the version in " + e.table()));
        }
        if (b.maxDeclineRate() != null) {
            String gate = "batch_scores.max_decline_rate";
            checks.add(
                    missing != null
                            ? GateCheck.noEvidence(
                                    gate, GateCheck.AT_MOST, b.maxDeclineRate(), missing)
                            : GateCheck.measure(
                                    gate,
                                    e.declineRate(),
                                    GateCheck.AT_MOST,
                                    b.maxDeclineRate(),
                                    e.rows(),
                                    e.declines()
                                            + " declines of "
                                            + e.rows()
                                            + " rows in "
                                            + e.table()));
        }
    }

    private static void live(Live l, LiveWindows.LiveEvidence e, List<GateCheck> checks) {
        if (e == null) {
            String why = "no live monitoring records were read";
            checks.add(
                    GateCheck.noEvidence(
                            "live.min_windows", GateCheck.AT_LEAST, l.minWindows(), why));
            addIf(
                    checks,
                    l.minEvents(),
                    v -> GateCheck.noEvidence("live.min_events", GateCheck.AT_LEAST, v, why));
            addIf(
                    checks,
                    l.minAuc(),
                    v -> GateCheck.noEvidence("live.min_auc", GateCheck.AT_LEAST, v, why));
            addIf(
                    checks,
                    l.minAucGain(),
                    v -> GateCheck.noEvidence("live.min_auc_gain", GateCheck.AT_LEAST, v, why));
            addIf(
                    checks,
                    l.minAgreement(),
                    v -> GateCheck.noEvidence("live.min_agreement", GateCheck.AT_LEAST, v, why));
            return;
        }
        String against = "v" + e.challenger() + " against champion v" + e.champion();
        int paired = e.paired().size();
        checks.add(
                GateCheck.measure(
                        "live.min_windows",
                        paired,
                        GateCheck.AT_LEAST,
                        l.minWindows(),
                        e.challengerLabels(),
                        String.format(
                                Locale.ROOT,
                                "windows in which %s both have at least %d labels, %d labels of"
                                        + " the challenger in them",
                                against,
                                e.minLabels(),
                                e.challengerLabels())));
        addIf(
                checks,
                l.minEvents(),
                v ->
                        GateCheck.measure(
                                "live.min_events",
                                e.agreementEvents(),
                                GateCheck.AT_LEAST,
                                v,
                                e.agreementEvents(),
                                "events scored by both in "
                                        + e.agreementWindows()
                                        + " agreement windows, "
                                        + against));
        String noPairs =
                "no window in which " + against + " both have " + e.minLabels() + " labels";
        String pairs =
                String.format(
                        Locale.ROOT,
                        "mean over %d paired windows, %d labels; champion %.4f",
                        paired,
                        e.challengerLabels(),
                        e.championMeanAuc());
        addIf(
                checks,
                l.minAuc(),
                v ->
                        paired == 0
                                ? GateCheck.noEvidence(
                                        "live.min_auc", GateCheck.AT_LEAST, v, noPairs)
                                : GateCheck.measure(
                                        "live.min_auc",
                                        e.challengerMeanAuc(),
                                        GateCheck.AT_LEAST,
                                        v,
                                        e.challengerLabels(),
                                        pairs));
        addIf(
                checks,
                l.minAucGain(),
                v ->
                        paired == 0
                                ? GateCheck.noEvidence(
                                        "live.min_auc_gain", GateCheck.AT_LEAST, v, noPairs)
                                : GateCheck.measure(
                                        "live.min_auc_gain",
                                        e.aucGain(),
                                        GateCheck.AT_LEAST,
                                        v,
                                        e.challengerLabels(),
                                        String.format(
                                                Locale.ROOT,
                                                "challenger %.4f minus champion %.4f over %d paired"
                                                        + " windows",
                                                e.challengerMeanAuc(),
                                                e.championMeanAuc(),
                                                paired)));
        addIf(
                checks,
                l.minAgreement(),
                v ->
                        e.agreementEvents() == 0
                                ? GateCheck.noEvidence(
                                        "live.min_agreement",
                                        GateCheck.AT_LEAST,
                                        v,
                                        "no agreement records of " + against)
                                : GateCheck.measure(
                                        "live.min_agreement",
                                        e.decisionAgreement(),
                                        GateCheck.AT_LEAST,
                                        v,
                                        e.agreementEvents(),
                                        "equal decisions over "
                                                + e.agreementEvents()
                                                + " events in "
                                                + e.agreementWindows()
                                                + " windows"));
    }

    private static <T extends Number> void addIf(
            List<GateCheck> checks, T bar, java.util.function.Function<Double, GateCheck> check) {
        if (bar != null) {
            checks.add(check.apply(bar.doubleValue()));
        }
    }

    /** Reads a gates file; see {@link #parse(String)}. */
    public static Gates load(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read gates file " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static Gates defaults() {
        try (InputStream in = Gates.class.getClassLoader().getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEFAULT_RESOURCE + " is not on the class path");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DEFAULT_RESOURCE, e);
        }
    }

    /**
     * Parses YAML gates. An empty document, or a missing step, has no gates.
     *
     * @throws IllegalArgumentException naming every unknown key, wrong type or out-of-range value
     */
    public static Gates parse(String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException("gates are not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return NONE;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(
                    "gates must be a YAML mapping, got " + root.getNodeType());
        }
        List<String> errors = new ArrayList<>();
        StrictYaml.unknown(errors, "", root, Set.of("to_test", "to_live"));
        StageGates toTest = stage(errors, root, "to_test", false);
        StageGates toLive = stage(errors, root, "to_live", true);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid gates: " + String.join("; ", errors));
        }
        return new Gates(toTest, toLive);
    }

    private static StageGates stage(List<String> errors, JsonNode root, String name, boolean live) {
        JsonNode s =
                StrictYaml.section(
                        errors,
                        root,
                        name,
                        name,
                        Set.of("min_auc", "min_pr_auc", "fairness", "batch_scores", "live"));
        if (!live && present(s, "live")) {
            // A version has live evidence only once it runs as the challenger, i.e. in test.
            errors.add(
                    name + ".live is not allowed: only a challenger has live evidence (to_live)");
        }
        Double minAuc = unit(errors, s, name + ".min_auc");
        Double minPrAuc = unit(errors, s, name + ".min_pr_auc");
        Fairness fairness = null;
        if (present(s, "fairness")) {
            JsonNode f =
                    StrictYaml.section(
                            errors,
                            s,
                            "fairness",
                            name + ".fairness",
                            Set.of(
                                    "min_disparate_impact",
                                    "max_equal_opportunity_difference",
                                    "min_group_count"));
            Long minCount = count(errors, f, name + ".fairness.min_group_count", 0);
            fairness =
                    new Fairness(
                            unit(errors, f, name + ".fairness.min_disparate_impact"),
                            unit(errors, f, name + ".fairness.max_equal_opportunity_difference"),
                            minCount == null ? 1 : minCount);
        }
        BatchScores batch = null;
        if (present(s, "batch_scores")) {
            JsonNode b =
                    StrictYaml.section(
                            errors,
                            s,
                            "batch_scores",
                            name + ".batch_scores",
                            Set.of("table", "min_rows", "max_decline_rate"));
            String table = "scores_backfill";
            JsonNode t = b.get("table");
            if (t != null && !t.isNull()) {
                if (!t.isTextual() || t.asText().isBlank()) {
                    errors.add(name + ".batch_scores.table must be a table name");
                } else {
                    table = t.asText();
                }
            }
            batch =
                    new BatchScores(
                            table,
                            count(errors, b, name + ".batch_scores.min_rows", 1),
                            unit(errors, b, name + ".batch_scores.max_decline_rate"));
        }
        Live liveGates = null;
        if (live && present(s, "live")) {
            JsonNode l =
                    StrictYaml.section(
                            errors,
                            s,
                            "live",
                            name + ".live",
                            Set.of(
                                    "min_labels",
                                    "min_windows",
                                    "min_events",
                                    "min_auc",
                                    "min_auc_gain",
                                    "min_agreement"));
            Long minLabels = count(errors, l, name + ".live.min_labels", 1);
            Long minWindows = count(errors, l, name + ".live.min_windows", 1);
            Double gain = number(errors, l, name + ".live.min_auc_gain");
            if (gain != null && !(gain > -1 && gain < 1)) {
                errors.add(name + ".live.min_auc_gain must be in (-1, 1), got " + gain);
            }
            liveGates =
                    new Live(
                            minLabels == null ? 200 : minLabels,
                            minWindows == null ? 3 : minWindows.intValue(),
                            count(errors, l, name + ".live.min_events", 1),
                            unit(errors, l, name + ".live.min_auc"),
                            gain,
                            unit(errors, l, name + ".live.min_agreement"));
        }
        return new StageGates(minAuc, minPrAuc, fairness, batch, liveGates);
    }

    private static boolean present(JsonNode section, String key) {
        JsonNode n = section.get(key);
        return n != null && !n.isNull();
    }

    private static Double number(List<String> errors, JsonNode section, String path) {
        JsonNode n = section.get(path.substring(path.lastIndexOf('.') + 1));
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            errors.add(path + " must be a number, got '" + n.asText() + "'");
            return null;
        }
        return n.asDouble();
    }

    /** A number in [0, 1]: AUCs, rates, ratios and differences of rates. */
    private static Double unit(List<String> errors, JsonNode section, String path) {
        Double d = number(errors, section, path);
        if (d != null && !(d >= 0 && d <= 1)) {
            errors.add(path + " must be in [0, 1], got " + d);
            return null;
        }
        return d;
    }

    private static Long count(List<String> errors, JsonNode section, String path, long min) {
        JsonNode n = section.get(path.substring(path.lastIndexOf('.') + 1));
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            errors.add(path + " must be a whole number, got '" + n.asText() + "'");
            return null;
        }
        if (n.asLong() < min) {
            errors.add(path + " must be at least " + min + ", got " + n.asLong());
            return null;
        }
        return n.asLong();
    }
}
