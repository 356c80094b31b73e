package dev.weir.governor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.gates.StrictYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * When the governor acts on a model. Parsed once from YAML; every key is optional and falls back to
 * the default below. Unknown keys and out-of-range values are errors, so a typo never silently
 * becomes a default.
 *
 * <pre>{@code
 * rollback:
 *   min_auc: 0.75        # a champion window with realised AUC below this is bad
 *   windows: 3           # ... this many bad windows in a row (the last ones reported) roll back
 *   min_labels: 200      # a window counts only with at least this many matched labels
 * retrain:
 *   drift_windows: 5     # request retraining when this many of
 *   of_windows: 6        # the last of_windows windows have at least one drifted feature
 *   ignore_subjects: [score, volume]   # DRIFT subjects that are not model features
 * promote:
 *   min_events: 2000     # champion/challenger agreement events needed, summed over
 *   min_windows: 3       # at least this many windows with agreement and paired performance
 *   min_auc_gain: 0.01   # challenger's mean AUC must beat the champion's by this much
 * cooldown_windows: 10   # after an action, no action for this many further windows
 * }</pre>
 *
 * <p>Why these defaults: three labelled windows in a row below 0.75 is a sustained loss, not a
 * noisy window, and 200 labels keep the AUC's standard error near 0.03 at typical fraud rates;
 * drift in 5 of 6 windows tolerates one quiet window without re-training on every blip; the
 * cool-down of 10 windows gives a new model or a retraining run time to produce evidence of its own
 * before anything is decided again.
 *
 * @param rollback when to go back to the previous champion
 * @param retrain when to ask for a new version
 * @param promote when the challenger becomes champion
 * @param cooldownWindows windows without any action after an action
 */
public record Policy(Rollback rollback, Retrain retrain, Promote promote, int cooldownWindows) {

    /** Defaults: see the class comment. */
    public static final Policy DEFAULT =
            new Policy(
                    new Rollback(0.75, 3, 200),
                    new Retrain(5, 6, Set.of("score", "volume")),
                    new Promote(2000, 3, 0.01),
                    10);

    /**
     * @param minAuc realised AUC below which a window is bad
     * @param windows consecutive bad windows that trigger a rollback
     * @param minLabels matched labels a window needs to count as evidence (also for promotion)
     */
    public record Rollback(double minAuc, int windows, long minLabels) {}

    /**
     * @param driftWindows windows with drift that trigger a retraining request
     * @param ofWindows the most recent windows looked at
     * @param ignoreSubjects DRIFT subjects that are not model features
     */
    public record Retrain(int driftWindows, int ofWindows, Set<String> ignoreSubjects) {
        public Retrain {
            ignoreSubjects = Set.copyOf(ignoreSubjects);
        }
    }

    /**
     * @param minEvents agreement events needed
     * @param minWindows windows of evidence needed
     * @param minAucGain how much the challenger's mean AUC must exceed the champion's
     */
    public record Promote(long minEvents, int minWindows, double minAucGain) {}

    public Policy {
        List<String> errors = new ArrayList<>();
        check(
                errors,
                rollback.minAuc() > 0 && rollback.minAuc() < 1,
                "rollback.min_auc must be in (0, 1), got " + rollback.minAuc());
        check(
                errors,
                rollback.windows() >= 1,
                "rollback.windows must be at least 1, got " + rollback.windows());
        check(
                errors,
                rollback.minLabels() >= 1,
                "rollback.min_labels must be at least 1, got " + rollback.minLabels());
        check(
                errors,
                retrain.ofWindows() >= 1,
                "retrain.of_windows must be at least 1, got " + retrain.ofWindows());
        check(
                errors,
                retrain.driftWindows() >= 1 && retrain.driftWindows() <= retrain.ofWindows(),
                "retrain.drift_windows must be between 1 and retrain.of_windows ("
                        + retrain.ofWindows()
                        + "), got "
                        + retrain.driftWindows());
        check(
                errors,
                promote.minEvents() >= 1,
                "promote.min_events must be at least 1, got " + promote.minEvents());
        check(
                errors,
                promote.minWindows() >= 1,
                "promote.min_windows must be at least 1, got " + promote.minWindows());
        check(
                errors,
                promote.minAucGain() >= 0 && promote.minAucGain() < 1,
                "promote.min_auc_gain must be in [0, 1), got " + promote.minAucGain());
        check(
                errors,
                cooldownWindows >= 0,
                "cooldown_windows must be at least 0, got " + cooldownWindows);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid governor policy: " + String.join("; ", errors));
        }
    }

    /** The thresholds by name, as written into audit records. */
    public Map<String, Double> thresholds() {
        Map<String, Double> t = new LinkedHashMap<>();
        t.put("rollback.min_auc", rollback.minAuc());
        t.put("rollback.windows", (double) rollback.windows());
        t.put("rollback.min_labels", (double) rollback.minLabels());
        t.put("retrain.drift_windows", (double) retrain.driftWindows());
        t.put("retrain.of_windows", (double) retrain.ofWindows());
        t.put("promote.min_events", (double) promote.minEvents());
        t.put("promote.min_windows", (double) promote.minWindows());
        t.put("promote.min_auc_gain", promote.minAucGain());
        t.put("cooldown_windows", (double) cooldownWindows);
        return t;
    }

    /** Reads a policy file; see {@link #parse(String)}. */
    public static Policy load(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read governor policy " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a YAML policy; missing keys take their defaults, an empty document is the default
     * policy.
     *
     * @throws IllegalArgumentException naming every unknown key, wrong type or out-of-range value
     */
    public static Policy parse(String yaml) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "governor policy is not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return DEFAULT;
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(
                    "governor policy must be a YAML mapping, got " + root.getNodeType());
        }
        List<String> errors = new ArrayList<>();
        StrictYaml.unknown(
                errors, "", root, Set.of("rollback", "retrain", "promote", "cooldown_windows"));
        JsonNode rb = section(errors, root, "rollback", Set.of("min_auc", "windows", "min_labels"));
        JsonNode rt =
                section(
                        errors,
                        root,
                        "retrain",
                        Set.of("drift_windows", "of_windows", "ignore_subjects"));
        JsonNode pr =
                section(
                        errors,
                        root,
                        "promote",
                        Set.of("min_events", "min_windows", "min_auc_gain"));
        Policy d = DEFAULT;
        double minAuc = number(errors, rb, "rollback.min_auc", d.rollback().minAuc());
        int rbWindows = (int) integer(errors, rb, "rollback.windows", d.rollback().windows());
        long minLabels = integer(errors, rb, "rollback.min_labels", d.rollback().minLabels());
        int driftWindows =
                (int) integer(errors, rt, "retrain.drift_windows", d.retrain().driftWindows());
        int ofWindows = (int) integer(errors, rt, "retrain.of_windows", d.retrain().ofWindows());
        Set<String> ignore = d.retrain().ignoreSubjects();
        JsonNode ig = rt.get("ignore_subjects");
        if (ig != null) {
            if (!ig.isArray()) {
                errors.add("retrain.ignore_subjects must be a list of strings");
            } else {
                List<String> names = new ArrayList<>();
                ig.forEach(n -> names.add(n.asText()));
                ignore = Set.copyOf(names);
            }
        }
        long minEvents = integer(errors, pr, "promote.min_events", d.promote().minEvents());
        int prWindows = (int) integer(errors, pr, "promote.min_windows", d.promote().minWindows());
        double gain = number(errors, pr, "promote.min_auc_gain", d.promote().minAucGain());
        int cooldown = (int) integer(errors, root, "cooldown_windows", d.cooldownWindows());
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid governor policy: " + String.join("; ", errors));
        }
        return new Policy(
                new Rollback(minAuc, rbWindows, minLabels),
                new Retrain(driftWindows, ofWindows, ignore),
                new Promote(minEvents, prWindows, gain),
                cooldown);
    }

    private static void check(List<String> errors, boolean ok, String message) {
        if (!ok) {
            errors.add(message);
        }
    }

    private static JsonNode section(
            List<String> errors, JsonNode root, String name, Set<String> keys) {
        return StrictYaml.section(errors, root, name, name, keys);
    }

    private static double number(
            List<String> errors, JsonNode section, String path, double fallback) {
        JsonNode n = section.get(path.substring(path.indexOf('.') + 1));
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            errors.add(path + " must be a number, got '" + n.asText() + "'");
            return fallback;
        }
        return n.asDouble();
    }

    private static long integer(List<String> errors, JsonNode section, String path, long fallback) {
        JsonNode n = section.get(path.substring(path.indexOf('.') + 1));
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            errors.add(path + " must be a whole number, got '" + n.asText() + "'");
            return fallback;
        }
        return n.asLong();
    }
}
