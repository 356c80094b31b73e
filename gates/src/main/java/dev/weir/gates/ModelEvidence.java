package dev.weir.gates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a version's {@code metadata.json} says about it before it runs: hold-out measures and
 * fairness per segment value. Read from the file's JSON (the registry's layout is the contract), so
 * that readers without the models module (the governor) judge from the same numbers.
 *
 * @param holdoutAuc AUC-ROC on the hold-out (NaN when not recorded)
 * @param holdoutAucPr area under the precision-recall curve on the hold-out (NaN when not recorded)
 * @param holdoutRows rows of the hold-out
 * @param fairness one entry per segment value of every attribute; null when the metadata has no
 *     fairness section
 */
public record ModelEvidence(
        double holdoutAuc, double holdoutAucPr, long holdoutRows, List<FairnessGroup> fairness) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelEvidence {
        fairness = fairness == null ? null : List.copyOf(fairness);
    }

    /**
     * The fairness figures of one segment value on the hold-out.
     *
     * @param attribute the segment attribute
     * @param value the value ({@code null} for a missing value)
     * @param rows rows of the value
     * @param positives frauds among them
     * @param disparateImpact approval rate over the reference value's (null when not computed)
     * @param equalOpportunityDifference TPR minus the reference value's (null when not computed)
     * @param approvalReference the value disparate impact is measured against
     * @param tprReference the value the equal-opportunity difference is measured against
     */
    public record FairnessGroup(
            String attribute,
            String value,
            long rows,
            long positives,
            Double disparateImpact,
            Double equalOpportunityDifference,
            String approvalReference,
            String tprReference) {}

    /** Reads the hold-out and fairness sections of a metadata file's content. */
    public static ModelEvidence fromMetadataJson(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("model metadata is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("model metadata is not a JSON object");
        }
        List<FairnessGroup> groups = null;
        JsonNode fairness = root.get("fairness");
        if (fairness != null && fairness.isObject()) {
            groups = new ArrayList<>();
            for (JsonNode attribute : fairness.path("attributes")) {
                String name = text(attribute.get("attribute"));
                String approval = text(attribute.get("approvalReference"));
                String tpr = text(attribute.get("tprReference"));
                for (JsonNode g : attribute.path("groups")) {
                    groups.add(
                            new FairnessGroup(
                                    name,
                                    text(g.get("value")),
                                    g.path("rows").asLong(),
                                    g.path("positives").asLong(),
                                    nullable(g.get("disparateImpact")),
                                    nullable(g.get("equalOpportunityDifference")),
                                    approval,
                                    tpr));
                }
            }
        }
        return new ModelEvidence(
                number(root.get("holdoutAuc")),
                number(root.get("holdoutAucPr")),
                root.path("holdoutRows").asLong(),
                groups);
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    /** A number, or NaN when absent or not finite (Jackson writes NaN as the string "NaN"). */
    private static double number(JsonNode n) {
        if (n == null || n.isNull()) {
            return Double.NaN;
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        try {
            return Double.parseDouble(n.asText());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static Double nullable(JsonNode n) {
        double d = number(n);
        return Double.isNaN(d) ? null : d;
    }
}
