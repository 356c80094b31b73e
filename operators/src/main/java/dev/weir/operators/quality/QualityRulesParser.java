package dev.weir.operators.quality;

import static dev.weir.operators.config.YamlDocuments.checkKeys;
import static dev.weir.operators.config.YamlDocuments.scalarText;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weir.operators.config.ConfigProblems;
import dev.weir.operators.config.SchemaFields;
import dev.weir.operators.config.YamlDocuments;
import dev.weir.state.features.Durations;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import org.apache.avro.Schema;

/**
 * Reads the YAML of {@link QualityRules} and checks it against the record schema, collecting every
 * problem before failing.
 */
final class QualityRulesParser {

    static final String SUBJECT = "quality rules";

    /** Checks in the order they run within an entry: cheap presence first. */
    private static final List<String> CHECK_KEYS =
            List.of(
                    "required",
                    "range",
                    "allowed",
                    "pattern",
                    "max_length",
                    "freshness",
                    "unique_within");

    private static final Set<String> ROOT_KEYS = Set.of("rules");
    private static final Set<String> ENTRY_KEYS = entryKeys();
    private static final Set<String> RANGE_KEYS = Set.of("min", "max");
    private static final Set<String> FRESHNESS_KEYS = Set.of("max_age", "max_future");

    private final Schema schema;
    private final ConfigProblems problems = new ConfigProblems(SUBJECT);

    private QualityRulesParser(Schema schema) {
        this.schema = schema;
    }

    /**
     * @throws IllegalArgumentException listing every problem
     */
    static List<Rule> parse(String yaml, Schema schema) {
        return new QualityRulesParser(schema).rules(YamlDocuments.readMapping(yaml, SUBJECT));
    }

    private List<Rule> rules(JsonNode root) {
        checkKeys(root, ROOT_KEYS, "top level", problems);
        JsonNode entries = root.get("rules");
        if (entries == null || !entries.isArray()) {
            problems.add("top level", "'rules' must be a list (write 'rules: []' for none)");
            problems.throwIfAny();
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            rules.addAll(entry(entries.get(i), i));
        }
        checkNamesAreUnique(rules);
        checkAtMostOneDuplicateRule(rules);
        problems.throwIfAny();
        return rules;
    }

    private List<Rule> entry(JsonNode node, int index) {
        String field = scalarText(node.get("field"));
        String where = "rules[" + index + "]" + (field == null ? "" : " (" + field + ")");
        if (!node.isObject()) {
            problems.add(where, "must be a mapping with a 'field' and its checks");
            return List.of();
        }
        int before = problems.count();
        checkKeys(node, ENTRY_KEYS, where, problems);
        Schema.Field schemaField = field == null ? null : schema.getField(field);
        if (field == null) {
            problems.add(where, "'field' is required");
        } else if (schemaField == null) {
            problems.add(where, SchemaFields.unknownField(field, schema));
        }
        Target target = new Target(where, schemaField);
        Severity severity = severity(node.get("severity"), where);
        List<Check> checks = new ArrayList<>();
        boolean anyCheck = false;
        for (String key : CHECK_KEYS) {
            JsonNode value = node.get(key);
            if (value != null) {
                anyCheck = true;
                Check check = check(key, value, target);
                if (check != null) {
                    checks.add(check);
                }
            }
        }
        if (!anyCheck) {
            problems.add(
                    where, "no check (give one or more of " + String.join(", ", CHECK_KEYS) + ")");
        }
        if (problems.count() > before) {
            return List.of();
        }
        return checks.stream().map(c -> Rule.of(field, c, severity)).collect(Collectors.toList());
    }

    /** The check for one YAML key, or null when it is switched off or has problems. */
    private Check check(String key, JsonNode value, Target target) {
        return switch (key) {
            case "required" -> required(value, target);
            case "range" -> range(value, target);
            case "allowed" -> allowed(value, target);
            case "pattern" -> pattern(value, target);
            case "max_length" -> maxLength(value, target);
            case "freshness" -> freshness(value, target);
            case "unique_within" -> uniqueWithin(value, target);
            default -> throw new IllegalStateException("no parser for check " + key);
        };
    }

    private Check required(JsonNode value, Target target) {
        if (!value.isBoolean()) {
            problems.add(target.where, "required must be true or false");
            return null;
        }
        return value.booleanValue() ? new RequiredCheck() : null;
    }

    private Check range(JsonNode value, Target target) {
        int before = problems.count();
        target.expect(
                "range",
                EnumSet.of(FieldKind.WHOLE_NUMBER, FieldKind.FRACTIONAL_NUMBER),
                "a number field (int, long, float or double)");
        if (!value.isObject()) {
            problems.add(target.where, "range must be a mapping such as {min: 1, max: 100}");
            return null;
        }
        checkKeys(value, RANGE_KEYS, target.where + " range", problems);
        BigDecimal min = bound(value, "min", target);
        BigDecimal max = bound(value, "max", target);
        if (value.get("min") == null && value.get("max") == null) {
            problems.add(target.where, "range needs min, max or both");
        } else if (min != null && max != null && min.compareTo(max) > 0) {
            problems.add(
                    target.where,
                    "range min " + min.toPlainString() + " is above max " + max.toPlainString());
        }
        return problems.count() > before ? null : new RangeCheck(min, max);
    }

    private BigDecimal bound(JsonNode range, String key, Target target) {
        JsonNode node = range.get(key);
        if (node == null) {
            return null;
        }
        if (!node.isNumber()) {
            problems.add(target.where, "range " + key + " must be a number");
            return null;
        }
        BigDecimal bound = node.decimalValue();
        if (target.kind() == FieldKind.WHOLE_NUMBER) {
            boolean whole = bound.signum() == 0 || bound.stripTrailingZeros().scale() <= 0;
            if (!whole) {
                problems.add(
                        target.where,
                        "range "
                                + key
                                + " "
                                + bound.toPlainString()
                                + " is not a whole number, but "
                                + target.name()
                                + " is "
                                + target.type());
            } else if (bound.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0
                    || bound.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
                problems.add(
                        target.where,
                        "range " + key + " " + bound.toPlainString() + " is beyond a long");
            }
        }
        return bound;
    }

    private Check allowed(JsonNode value, Target target) {
        int before = problems.count();
        target.expect(
                "allowed", EnumSet.of(FieldKind.STRING, FieldKind.ENUM), "a string or enum field");
        if (!value.isArray() || value.isEmpty()) {
            problems.add(target.where, "allowed must be a non-empty list such as [EUR, USD]");
            return null;
        }
        List<String> values = new ArrayList<>();
        for (JsonNode v : value) {
            if (!v.isTextual()) {
                // Unquoted NO (Norway) is false and 0742 is the octal 482: only quoted text is
                // safe.
                problems.add(
                        target.where,
                        "allowed value "
                                + v
                                + " is not text; quote it (YAML reads unquoted"
                                + " numbers, yes/no/on/off and null as other types)");
            } else {
                values.add(v.asText());
            }
        }
        if (target.kind() == FieldKind.ENUM) {
            List<String> symbols = SchemaFields.valueSchema(target.field).getEnumSymbols();
            values.stream()
                    .filter(v -> !symbols.contains(v))
                    .forEach(
                            v ->
                                    problems.add(
                                            target.where,
                                            "allowed value '"
                                                    + v
                                                    + "' is not a symbol of "
                                                    + target.type()
                                                    + " "
                                                    + symbols));
        }
        return problems.count() > before ? null : new AllowedCheck(values);
    }

    private Check pattern(JsonNode value, Target target) {
        int before = problems.count();
        target.expect("pattern", EnumSet.of(FieldKind.STRING), "a string field");
        if (!value.isTextual()) {
            problems.add(target.where, "pattern must be text (quote it)");
            return null;
        }
        try {
            Check check = new PatternCheck(value.textValue());
            return problems.count() > before ? null : check;
        } catch (PatternSyntaxException e) {
            problems.add(
                    target.where,
                    "pattern "
                            + value.textValue()
                            + " is not a valid regular expression: "
                            + e.getDescription()
                            + " near index "
                            + e.getIndex());
            return null;
        }
    }

    private Check maxLength(JsonNode value, Target target) {
        int before = problems.count();
        target.expect("max_length", EnumSet.of(FieldKind.STRING), "a string field");
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1) {
            problems.add(target.where, "max_length must be a whole number of at least 1");
            return null;
        }
        return problems.count() > before ? null : new MaxLengthCheck(value.intValue());
    }

    private Check freshness(JsonNode value, Target target) {
        int before = problems.count();
        target.expect(
                "freshness", EnumSet.of(FieldKind.TIMESTAMP_MILLIS), "a timestamp-millis field");
        if (!value.isObject()) {
            problems.add(
                    target.where,
                    "freshness must be a mapping such as {max_age: 7d, max_future: 5m}");
            return null;
        }
        checkKeys(value, FRESHNESS_KEYS, target.where + " freshness", problems);
        Duration maxAge = duration(value.get("max_age"), "freshness max_age", target, false);
        Duration maxFuture =
                duration(value.get("max_future"), "freshness max_future", target, false);
        if (value.get("max_age") == null && value.get("max_future") == null) {
            problems.add(target.where, "freshness needs max_age, max_future or both");
        }
        return problems.count() > before ? null : new FreshnessCheck(maxAge, maxFuture);
    }

    private Check uniqueWithin(JsonNode value, Target target) {
        int before = problems.count();
        target.expect("unique_within", EnumSet.of(FieldKind.STRING), "a string field");
        Duration window = duration(value, "unique_within", target, true);
        return problems.count() > before ? null : new DuplicateCheck(window);
    }

    private Duration duration(JsonNode node, String what, Target target, boolean positive) {
        if (node == null) {
            return null;
        }
        String text = scalarText(node);
        try {
            if (text == null) {
                throw new IllegalArgumentException("must be a duration such as 30s, 5m, 1h or 7d");
            }
            Duration d = Durations.parse(text);
            if (d.isNegative() || (positive && d.isZero())) {
                throw new IllegalArgumentException(
                        "must be " + (positive ? "positive" : "zero or more"));
            }
            return d;
        } catch (IllegalArgumentException e) {
            problems.add(target.where, what + " " + e.getMessage());
            return null;
        }
    }

    private Severity severity(JsonNode node, String where) {
        if (node == null) {
            return Severity.HARD;
        }
        String text = scalarText(node);
        try {
            return Severity.parse(text == null ? String.valueOf(node) : text);
        } catch (IllegalArgumentException e) {
            problems.add(where, e.getMessage());
            return null;
        }
    }

    private void checkNamesAreUnique(List<Rule> rules) {
        Set<String> seen = new HashSet<>();
        for (Rule rule : rules) {
            if (!seen.add(rule.name())) {
                problems.add(
                        "rules",
                        "rule '"
                                + rule.name()
                                + "' is declared twice"
                                + " (a field may appear in several entries only with different checks)");
            }
        }
    }

    private void checkAtMostOneDuplicateRule(List<Rule> rules) {
        List<String> names =
                rules.stream()
                        .filter(r -> r.check() instanceof DuplicateCheck)
                        .map(Rule::name)
                        .distinct()
                        .collect(Collectors.toList());
        if (names.size() > 1) {
            problems.add("rules", "at most one unique_within rule is supported, found " + names);
        }
    }

    private static Set<String> entryKeys() {
        Set<String> keys = new HashSet<>(CHECK_KEYS);
        keys.add("field");
        keys.add("severity");
        return Set.copyOf(keys);
    }

    /** The field an entry checks; {@code field} is null when unknown, which skips type checks. */
    private final class Target {
        final String where;
        final Schema.Field field;

        Target(String where, Schema.Field field) {
            this.where = where;
            this.field = field;
        }

        FieldKind kind() {
            return field == null ? null : FieldKind.of(field);
        }

        String name() {
            return field.name();
        }

        String type() {
            return SchemaFields.describe(field);
        }

        void expect(String check, Set<FieldKind> kinds, String needs) {
            if (field != null && !kinds.contains(kind())) {
                problems.add(
                        where, check + " needs " + needs + ", but " + name() + " is " + type());
            }
        }
    }
}
