package dev.weir.jobs.config;

import dev.weir.models.drift.DriftThresholds;
import dev.weir.models.fairness.FairnessSettings;
import dev.weir.operators.governance.GovernancePolicy;
import dev.weir.operators.quality.QualityRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * What the pipeline watches and how: quality rules, the personal-data policy, the monitoring
 * window, drift thresholds, the label join's waits and the fairness segments. Part of {@link
 * PipelineConfig}.
 */
public record MonitoringConfig(
        String qualityRules,
        String governancePolicy,
        Duration window,
        Duration allowedLateness,
        List<String> categoricalInputs,
        double psiAlert,
        double ksAlert,
        double jsAlert,
        int minSamples,
        Duration scoreTtl,
        Duration labelWait,
        double minAuc,
        int minLabels,
        List<String> fairnessAttributes,
        int fairnessMinCount,
        int fairnessMaxValues,
        double fairnessMinDisparateImpact) {

    public static final String DEFAULT = "default";
    public static final String NONE = "none";

    /**
     * Reads the quality, governance, monitoring, drift, labels and performance options; parse
     * errors are the caller's to report.
     */
    static MonitoringConfig from(Configuration conf) {
        return new MonitoringConfig(
                conf.get(WeirOptions.QUALITY_RULES),
                conf.get(WeirOptions.GOVERNANCE_POLICY),
                conf.get(WeirOptions.MONITORING_WINDOW),
                conf.get(WeirOptions.MONITORING_LATENESS),
                conf.get(WeirOptions.DRIFT_CATEGORICAL_INPUTS),
                conf.get(WeirOptions.DRIFT_PSI_ALERT),
                conf.get(WeirOptions.DRIFT_KS_ALERT),
                conf.get(WeirOptions.DRIFT_JS_ALERT),
                conf.get(WeirOptions.DRIFT_MIN_SAMPLES),
                conf.get(WeirOptions.LABELS_SCORE_TTL),
                conf.get(WeirOptions.LABELS_LABEL_WAIT),
                conf.get(WeirOptions.PERFORMANCE_MIN_AUC),
                conf.get(WeirOptions.PERFORMANCE_MIN_LABELS),
                conf.get(WeirOptions.FAIRNESS_ATTRIBUTES),
                conf.get(WeirOptions.FAIRNESS_MIN_COUNT),
                conf.get(WeirOptions.FAIRNESS_MAX_VALUES),
                conf.get(WeirOptions.FAIRNESS_MIN_DISPARATE_IMPACT));
    }

    /** The quality rules: the file, the bundled default, or none. */
    public QualityRules rules() {
        return switch (qualityRules) {
            case NONE -> QualityRules.none();
            case DEFAULT -> QualityRules.defaults();
            default -> QualityRules.load(Path.of(qualityRules));
        };
    }

    /** The personal-data policy: the file, the bundled default, or none. */
    public GovernancePolicy policy() {
        return switch (governancePolicy) {
            case NONE -> GovernancePolicy.none();
            case DEFAULT -> GovernancePolicy.defaults();
            default -> GovernancePolicy.load(Path.of(governancePolicy));
        };
    }

    /** What FAIRNESS records segment by and compare; valid once {@link #problems()} is empty. */
    public FairnessSettings fairness() {
        return new FairnessSettings(
                fairnessAttributes,
                fairnessMinCount,
                fairnessMaxValues,
                fairnessMinDisparateImpact);
    }

    /**
     * The transaction fields each score carries in monitored_inputs: those compared for drift, then
     * the fairness attributes.
     */
    public List<String> monitoredInputs() {
        java.util.LinkedHashSet<String> fields = new java.util.LinkedHashSet<>(categoricalInputs);
        fields.addAll(fairnessAttributes);
        return List.copyOf(fields);
    }

    /** Drift thresholds: the configured alert levels, the documented defaults for the rest. */
    public DriftThresholds thresholds() {
        DriftThresholds d = DriftThresholds.DEFAULTS;
        return new DriftThresholds(
                Math.min(d.psiWarn(), psiAlert),
                psiAlert,
                ksAlert,
                jsAlert,
                d.significance(),
                d.minCramersV(),
                minSamples,
                d.nullRateAlert());
    }

    List<String> problems() {
        List<String> problems = new java.util.ArrayList<>();
        if (window.toMillis() < 1000) {
            problems.add(WeirOptions.MONITORING_WINDOW.key() + " must be at least 1s");
        }
        if (allowedLateness.isNegative()) {
            problems.add(WeirOptions.MONITORING_LATENESS.key() + " must not be negative");
        }
        if (!(psiAlert > 0) || !(ksAlert > 0 && ksAlert <= 1) || !(jsAlert > 0 && jsAlert <= 1)) {
            problems.add("drift thresholds must be positive (ks and js at most 1)");
        }
        if (minSamples < 1) {
            problems.add(WeirOptions.DRIFT_MIN_SAMPLES.key() + " must be at least 1");
        }
        if (scoreTtl.toMillis() <= 0 || labelWait.toMillis() <= 0) {
            problems.add(
                    WeirOptions.LABELS_SCORE_TTL.key()
                            + " and "
                            + WeirOptions.LABELS_LABEL_WAIT.key()
                            + " must be positive");
        }
        if (!(minAuc >= 0 && minAuc <= 1)) {
            problems.add(WeirOptions.PERFORMANCE_MIN_AUC.key() + " must be in [0, 1]");
        }
        for (String field : fairnessAttributes) {
            if (dev.weir.schemas.Transaction.getClassSchema().getField(field) == null) {
                problems.add(
                        WeirOptions.FAIRNESS_ATTRIBUTES.key()
                                + ": Transaction has no field '"
                                + field
                                + "'"
                                + (field.contains(",")
                                        ? " (a list is written [a, b] or a;b, not a,b)"
                                        : ""));
            }
        }
        try {
            fairness();
        } catch (IllegalArgumentException e) {
            problems.add("fairness: " + e.getMessage());
        }
        for (String field : categoricalInputs) {
            if (dev.weir.schemas.Transaction.getClassSchema().getField(field) == null) {
                problems.add(
                        WeirOptions.DRIFT_CATEGORICAL_INPUTS.key()
                                + ": Transaction has no field '"
                                + field
                                + "'"
                                + (field.contains(",")
                                        ? " (a list is written [a, b] or a;b, not a,b)"
                                        : ""));
            }
        }
        try {
            rules();
        } catch (RuntimeException e) {
            problems.add(WeirOptions.QUALITY_RULES.key() + ": " + e.getMessage());
        }
        try {
            dev.weir.operators.governance.Governance.create(policy(), System::getenv);
        } catch (RuntimeException e) {
            problems.add(WeirOptions.GOVERNANCE_POLICY.key() + ": " + e.getMessage());
        }
        return problems;
    }
}
