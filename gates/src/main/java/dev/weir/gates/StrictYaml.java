package dev.weir.gates;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The checks of a YAML file read strictly (the gates here, the governor's policy): a section is a
 * mapping and holds only the keys it knows; each problem is added to a list, so a file reports all
 * its mistakes at once.
 */
public final class StrictYaml {

    private StrictYaml() {}

    /**
     * The mapping under {@code key} of {@code parent}, its unknown keys reported as {@code
     * path.key}; a missing node when it is absent or not a mapping (which is reported).
     */
    public static JsonNode section(
            List<String> errors, JsonNode parent, String key, String path, Set<String> keys) {
        JsonNode node = parent.get(key);
        if (node == null || node.isNull()) {
            return MissingNode.getInstance();
        }
        if (!node.isObject()) {
            errors.add(path + " must be a mapping");
            return MissingNode.getInstance();
        }
        unknown(errors, path + ".", node, keys);
        return node;
    }

    /** Reports each key of {@code node} that is not among {@code keys}, with the known ones. */
    public static void unknown(
            List<String> errors, String prefix, JsonNode node, Set<String> keys) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!keys.contains(key)) {
                errors.add(
                        "unknown key "
                                + prefix
                                + key
                                + " (known: "
                                + keys.stream().sorted().toList()
                                + ")");
            }
        }
    }
}
