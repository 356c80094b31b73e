package dev.weir.operators.governance;

import static dev.weir.operators.config.YamlDocuments.checkKeys;
import static dev.weir.operators.config.YamlDocuments.scalarText;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.operators.config.ConfigProblems;
import dev.weir.operators.config.SchemaFields;
import dev.weir.operators.config.YamlDocuments;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * Reads the YAML of {@link GovernancePolicy} and checks it against the record schema, collecting
 * every problem before failing.
 */
final class GovernancePolicyParser {

    static final String SUBJECT = "governance policy";

    private static final Set<String> ROOT_KEYS = Set.of("key_env", "fields");
    private static final Set<String> FIELD_KEYS = Set.of("action", "keep_last");
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Schema schema;
    private final ConfigProblems problems = new ConfigProblems(SUBJECT);

    private GovernancePolicyParser(Schema schema) {
        this.schema = schema;
    }

    /**
     * @throws IllegalArgumentException listing every problem
     */
    static GovernancePolicy parse(String yaml, Schema schema) {
        return new GovernancePolicyParser(schema).policy(YamlDocuments.readMapping(yaml, SUBJECT));
    }

    private GovernancePolicy policy(JsonNode root) {
        checkKeys(root, ROOT_KEYS, "top level", problems);
        String keyEnv = keyEnv(root.get("key_env"));
        JsonNode fields = root.get("fields");
        List<FieldRule> rules = new ArrayList<>();
        if (fields == null || !fields.isObject()) {
            problems.add(
                    "top level",
                    "'fields' must be a mapping of field name to {action: ...}"
                            + " (write 'fields: {}' for none)");
        } else {
            Iterator<Map.Entry<String, JsonNode>> entries = fields.fields();
            while (entries.hasNext()) {
                Map.Entry<String, JsonNode> entry = entries.next();
                FieldRule rule = field(entry.getKey(), entry.getValue());
                if (rule != null) {
                    rules.add(rule);
                }
            }
        }
        if (keyEnv == null
                && root.get("key_env") == null
                && rules.stream().anyMatch(r -> r.action() == Action.TOKENIZE)) {
            problems.add(
                    "top level",
                    "tokenize needs 'key_env', the environment variable holding the key");
        }
        problems.throwIfAny();
        return new GovernancePolicy(keyEnv, rules);
    }

    private String keyEnv(JsonNode node) {
        if (node == null) {
            return null;
        }
        String name = scalarText(node);
        if (name == null || !VARIABLE_NAME.matcher(name).matches()) {
            // Never echo the value: someone may have pasted the key itself here.
            problems.add(
                    "key_env",
                    "must name an environment variable, such as WEIR_TOKEN_KEY;"
                            + " the key itself never goes in a file");
            return null;
        }
        return name;
    }

    private FieldRule field(String name, JsonNode node) {
        String where = "fields." + name;
        int before = problems.count();
        Schema.Field field = schema.getField(name);
        if (field == null) {
            problems.add(where, SchemaFields.unknownField(name, schema));
        }
        if (!node.isObject()) {
            problems.add(where, "must be a mapping such as {action: tokenize}");
            return null;
        }
        checkKeys(node, FIELD_KEYS, where, problems);
        Action action = action(node.get("action"), where);
        int keepLast = keepLast(node.get("keep_last"), action, where);
        if (field != null && action != null) {
            checkFits(field, action, where);
        }
        return problems.count() > before ? null : new FieldRule(name, action, keepLast);
    }

    private Action action(JsonNode node, String where) {
        String text = scalarText(node);
        if (text == null) {
            problems.add(where, "'action' is required (keep, drop, mask or tokenize)");
            return null;
        }
        try {
            return Action.parse(text);
        } catch (IllegalArgumentException e) {
            problems.add(where, e.getMessage());
            return null;
        }
    }

    private int keepLast(JsonNode node, Action action, String where) {
        if (node == null) {
            return action == Action.MASK ? FieldRule.DEFAULT_KEEP_LAST : 0;
        }
        if (action != null && action != Action.MASK) {
            problems.add(where, "keep_last only applies to mask, not " + action);
            return 0;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < 0) {
            problems.add(where, "keep_last must be a whole number of 0 or more");
            return 0;
        }
        return node.intValue();
    }

    private void checkFits(Schema.Field field, Action action, String where) {
        if (action == Action.DROP && !SchemaFields.isNullable(field)) {
            problems.add(
                    where,
                    "drop sets the value to null, but "
                            + field.name()
                            + " is "
                            + SchemaFields.describe(field)
                            + " and cannot be null; use mask or tokenize, or make it nullable");
        }
        if ((action == Action.MASK || action == Action.TOKENIZE) && !isPlainString(field)) {
            problems.add(
                    where,
                    action
                            + " needs a string field, but "
                            + field.name()
                            + " is "
                            + SchemaFields.describe(field));
        }
    }

    private static boolean isPlainString(Schema.Field field) {
        return SchemaFields.isString(field)
                && SchemaFields.valueSchema(field).getLogicalType() == null;
    }
}
