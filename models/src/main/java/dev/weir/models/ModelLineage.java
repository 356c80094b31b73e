package dev.weir.models;

import java.util.List;

/**
 * Where a model came from, as stored in the {@code lineage} section of its metadata: the code that
 * trained it, the feature definitions its vectors follow, the model it was trained to replace and
 * the gates it passed. Every field may be null: unknown, or not recorded by what trained it.
 *
 * @param codeVersion the commit of Weir's source the trainer was built from ({@link CodeVersion})
 * @param featureSetVersion {@code FeatureSet.version()} of the definitions the vectors were
 *     computed with: the id the pipeline logs with every vector
 * @param featureDefinitions where those definitions were read from: a file, or the bundled
 *     reference set
 * @param parent the version of the same name that was champion when this one was registered
 * @param gates the checks this version passed or failed, in the order they ran (empty when none
 *     were recorded)
 */
public record ModelLineage(
        String codeVersion,
        String featureSetVersion,
        String featureDefinitions,
        String parent,
        List<GateResult> gates) {

    public ModelLineage {
        gates = gates == null ? List.of() : List.copyOf(gates);
    }

    /** What training knows: the code version, nothing about features, parent or gates yet. */
    public static ModelLineage trainedBy(String codeVersion) {
        return new ModelLineage(codeVersion, null, null, null, List.of());
    }

    public ModelLineage withFeatureSet(String version, String definitions) {
        return new ModelLineage(codeVersion, version, definitions, parent, gates);
    }

    public ModelLineage withParent(String version) {
        return new ModelLineage(codeVersion, featureSetVersion, featureDefinitions, version, gates);
    }

    /**
     * The outcome of one check a model version went through.
     *
     * @param gate what was checked
     * @param passed whether the version passed it
     * @param detail the measured value against the bar, or why it failed
     * @param checkedAt ISO-8601 instant of the check
     */
    public record GateResult(String gate, boolean passed, String detail, String checkedAt) {}
}
