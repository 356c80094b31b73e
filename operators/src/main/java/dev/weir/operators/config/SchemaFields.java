package dev.weir.operators.config;

import java.util.stream.Collectors;
import org.apache.avro.Schema;

/** What configuration validation needs to know about the fields of an Avro record schema. */
public final class SchemaFields {

    private SchemaFields() {}

    /** The field's schema without its null branch: {@code ["null", "string"]} is a string. */
    public static Schema valueSchema(Schema.Field field) {
        Schema schema = field.schema();
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        Schema value = null;
        for (Schema branch : schema.getTypes()) {
            if (branch.getType() != Schema.Type.NULL) {
                if (value != null) {
                    return schema; // a real union of several types: callers treat it as "other"
                }
                value = branch;
            }
        }
        return value == null ? schema : value;
    }

    public static boolean isNullable(Schema.Field field) {
        Schema schema = field.schema();
        return schema.getType() == Schema.Type.NULL
                || (schema.getType() == Schema.Type.UNION
                        && schema.getTypes().stream()
                                .anyMatch(s -> s.getType() == Schema.Type.NULL));
    }

    public static boolean isString(Schema.Field field) {
        return valueSchema(field).getType() == Schema.Type.STRING;
    }

    /** The field's type as people read it in an error: "string", "long", "timestamp-millis". */
    public static String describe(Schema.Field field) {
        Schema value = valueSchema(field);
        String type =
                value.getLogicalType() != null ? value.getLogicalType().getName() : value.getName();
        if (value.getType() == Schema.Type.ENUM) {
            type = "enum " + value.getName();
        }
        return isNullable(field) ? "nullable " + type : type;
    }

    /** "unknown field 'x' (fields: a, b, c)" */
    public static String unknownField(String name, Schema record) {
        return "unknown field '"
                + name
                + "' (fields of "
                + record.getName()
                + ": "
                + record.getFields().stream()
                        .map(Schema.Field::name)
                        .collect(Collectors.joining(", "))
                + ")";
    }
}
