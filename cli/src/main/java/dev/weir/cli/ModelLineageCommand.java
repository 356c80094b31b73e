package dev.weir.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.weir.gates.GateCheck;
import dev.weir.gates.Promotion;
import dev.weir.models.ModelBundle;
import dev.weir.models.ModelLineage;
import dev.weir.models.ModelLineage.GateResult;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Storage;
import dev.weir.models.fairness.AttributeFairness;
import dev.weir.models.fairness.FairnessReport;
import dev.weir.models.fairness.GroupFairness;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code weir models lineage NAME VERSION}: where a registered version came from and where it runs,
 * from its metadata and the registry's aliases only (no cluster is asked).
 */
@Command(
        name = "lineage",
        description = {
            "Where a version came from and where it runs now.",
            "Code version (the commit the trainer was built from), feature set version and"
                    + " definitions, training and evaluation data, parent model, hold-out metrics"
                    + " and fairness, its stage, the gates it passed on each promotion (with"
                    + " their numbers), and its aliases in the registry."
        })
final class ModelLineageCommand extends WeirCommand {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What is printed for a field the model's metadata does not hold. */
    static final String NOT_RECORDED = "not recorded";

    @Mixin ModelsCommand.RegistryOption registry;

    @Parameters(index = "0", paramLabel = "NAME", description = "Model name in the registry.")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The version.")
    String version;

    @Option(names = "--json", description = "Print the lineage as JSON, for machines.")
    boolean json;

    /** The lineage as {@code --json} prints it; a field null when not recorded. */
    record Lineage(
            String name,
            String version,
            String location,
            String checksum,
            String createdAt,
            String codeVersion,
            FeatureSetInfo featureSet,
            DataInfo trainingData,
            DataInfo evaluationData,
            String parent,
            Evaluation evaluation,
            List<AttributeSummary> fairness,
            List<GateResult> gates,
            String stage,
            List<Promotion> promotions,
            List<String> aliases) {}

    /** The feature definitions the model's vectors follow. */
    record FeatureSetInfo(String version, String definitions, List<String> features) {}

    /** A data set: where its rows came from and how many were used. */
    record DataInfo(String dataset, String source, long rows) {}

    /** Hold-out metrics. */
    record Evaluation(
            double auc,
            double aucPr,
            double precision,
            double recall,
            double threshold,
            double brier,
            double calibrationError) {}

    /**
     * One segment attribute's fairness in brief: its lowest disparate-impact ratio and its largest
     * equal-opportunity difference (by magnitude), each with the value and its counts; null when no
     * value besides the reference (measured against itself) has enough rows or frauds.
     */
    record AttributeSummary(
            String attribute,
            long rows,
            Extreme minDisparateImpact,
            Extreme maxEqualOpportunityDifference,
            List<String> flagged) {}

    /**
     * A value's figure, with its rows and frauds and the reference value it is measured against.
     */
    record Extreme(String value, double figure, long rows, long frauds, String reference) {}

    @Override
    protected void run() throws JsonProcessingException {
        Lineage lineage = lineage(registry.open(), name, version);
        if (json) {
            out.println(JSON.writeValueAsString(lineage));
        } else {
            print(lineage);
        }
    }

    /** The lineage of a registered version; an unknown name or version is a wrong argument. */
    static Lineage lineage(ModelRegistry models, String name, String version) {
        if (!models.names().contains(name)) {
            throw new IllegalArgumentException(
                    "no model "
                            + name
                            + " in "
                            + models.root()
                            + " (models: "
                            + models.names()
                            + ")");
        }
        ModelPointer pointer = models.pointer(name, version);
        ModelMetadata m = ModelBundle.readMetadata(Storage.path(pointer.location()));
        ModelLineage recorded = m.lineage();
        ModelRegistry.Aliases a = models.aliases(name);
        List<String> aliases = new ArrayList<>();
        if (version.equals(a.champion())) {
            aliases.add("champion");
        }
        if (version.equals(a.challenger())) {
            aliases.add("challenger");
        }
        if (a.history().contains(version)) {
            aliases.add("rollback history");
        }
        return new Lineage(
                name,
                version,
                pointer.location(),
                pointer.checksum(),
                m.createdAt(),
                recorded == null ? null : recorded.codeVersion(),
                new FeatureSetInfo(
                        recorded == null ? null : recorded.featureSetVersion(),
                        recorded == null ? null : recorded.featureDefinitions(),
                        m.featureNames()),
                new DataInfo("training", m.trainingSource(), m.trainingRows()),
                new DataInfo(FairnessReport.HOLDOUT, m.trainingSource(), m.holdoutRows()),
                recorded == null ? null : recorded.parent(),
                new Evaluation(
                        m.holdoutAuc(),
                        m.holdoutAucPr(),
                        m.holdoutPrecision(),
                        m.holdoutRecall(),
                        m.threshold(),
                        m.holdoutBrier(),
                        m.holdoutEce()),
                m.fairness() == null ? null : summarise(m.fairness()),
                recorded == null ? List.of() : recorded.gates(),
                models.stage(name, version).label(),
                models.promotions(name).stream().filter(p -> p.version().equals(version)).toList(),
                aliases);
    }

    static List<AttributeSummary> summarise(FairnessReport report) {
        List<AttributeSummary> summaries = new ArrayList<>();
        for (AttributeFairness attribute : report.attributes()) {
            Extreme di =
                    attribute.groups().stream()
                            .filter(g -> g.disparateImpact() != null)
                            .filter(g -> !Objects.equals(g.value(), attribute.approvalReference()))
                            .min(Comparator.comparingDouble(GroupFairness::disparateImpact))
                            .map(
                                    g ->
                                            extreme(
                                                    g,
                                                    g.disparateImpact(),
                                                    attribute.approvalReference()))
                            .orElse(null);
            Extreme eo =
                    attribute.groups().stream()
                            .filter(g -> g.equalOpportunityDifference() != null)
                            .filter(g -> !Objects.equals(g.value(), attribute.tprReference()))
                            .max(
                                    Comparator.comparingDouble(
                                            g -> Math.abs(g.equalOpportunityDifference())))
                            .map(
                                    g ->
                                            extreme(
                                                    g,
                                                    g.equalOpportunityDifference(),
                                                    attribute.tprReference()))
                            .orElse(null);
            summaries.add(
                    new AttributeSummary(
                            attribute.attribute(),
                            attribute.rows(),
                            di,
                            eo,
                            attribute.flaggedGroups().stream().map(GroupFairness::value).toList()));
        }
        return summaries;
    }

    private static Extreme extreme(GroupFairness g, double figure, String reference) {
        return new Extreme(g.value(), figure, g.rows(), g.positives(), reference);
    }

    private void print(Lineage l) {
        out.printf("%s v%s at %s%n", l.name(), l.version(), l.location());
        out.printf("  checksum         %s%n", l.checksum());
        out.printf("  created          %s%n", l.createdAt());
        out.printf("  code version     %s%n", orNotRecorded(l.codeVersion()));
        out.printf(
                "  feature set      version %s, definitions %s, %d features%n",
                orNotRecorded(l.featureSet().version()),
                orNotRecorded(l.featureSet().definitions()),
                l.featureSet().features().size());
        out.printf(
                "  training data    %s: %d rows%n",
                orNotRecorded(l.trainingData().source()), l.trainingData().rows());
        out.printf(
                "  evaluation data  hold-out, the newest rows by event time of the same data: %d"
                        + " rows%n",
                l.evaluationData().rows());
        out.printf(
                "  parent           %s%n",
                l.parent() == null
                        ? "none (no champion when it was registered, or " + NOT_RECORDED + ")"
                        : "v" + l.parent());
        Evaluation e = l.evaluation();
        out.printf(
                Locale.ROOT,
                "  evaluation       AUC %.4f, AUC-PR %.4f, precision %.3f, recall %.3f at threshold"
                        + " %.4f, Brier %.4f, calibration error %.4f%n",
                e.auc(),
                e.aucPr(),
                e.precision(),
                e.recall(),
                e.threshold(),
                e.brier(),
                e.calibrationError());
        if (l.fairness() == null) {
            out.printf("  fairness         %s%n", NOT_RECORDED);
        } else {
            out.printf("  fairness         on the hold-out, per attribute:%n");
            for (AttributeSummary s : l.fairness()) {
                out.printf(
                        "    %s (%d rows): min disparate impact %s, max |equal-opportunity"
                                + " difference| %s, flagged %s%n",
                        s.attribute(),
                        s.rows(),
                        describe(s.minDisparateImpact(), false),
                        describe(s.maxEqualOpportunityDifference(), true),
                        s.flagged().isEmpty() ? "none" : String.join(", ", s.flagged()));
            }
        }
        out.printf("  stage            %s%n", l.stage());
        if (l.gates().isEmpty() && l.promotions().isEmpty()) {
            out.printf("  gates            none recorded%n");
        } else {
            out.printf("  gates%n");
            for (GateResult g : l.gates()) {
                out.printf(
                        "    %s: %s%s%s%n",
                        g.gate(),
                        g.passed() ? "passed" : "FAILED",
                        g.detail() == null ? "" : " (" + g.detail() + ")",
                        g.checkedAt() == null ? "" : " at " + g.checkedAt());
            }
            for (Promotion p : l.promotions()) {
                out.printf(
                        "    %s -> %s at %s by %s%s: %s%n",
                        p.from(),
                        p.to(),
                        p.at(),
                        p.by(),
                        p.forced() ? ", FORCED past failing gates" : "",
                        p.ungated() != null
                                ? "ungated (" + p.ungated() + ")"
                                : p.gates().isEmpty()
                                        ? "no gates configured"
                                        : p.gates().size() + " gate(s)");
                for (GateCheck g : p.gates()) {
                    out.printf("      %s%n", g.describe());
                }
            }
        }
        out.printf(
                "  runs as          %s%n",
                l.aliases().isEmpty()
                        ? "no alias (not served by pipelines that follow the registry)"
                        : String.join(", ", l.aliases()));
    }

    private static String describe(Extreme x, boolean frauds) {
        if (x == null) {
            return "- (no value besides the reference with enough "
                    + (frauds ? "frauds" : "rows")
                    + ")";
        }
        return String.format(
                Locale.ROOT,
                "%.3f (%s: %d rows, %d frauds; against %s)",
                frauds ? Math.abs(x.figure()) : x.figure(),
                x.value(),
                x.rows(),
                x.frauds(),
                x.reference());
    }

    private static String orNotRecorded(String value) {
        return value == null ? NOT_RECORDED : value;
    }
}
