package dev.weir.operators.quality;

import dev.weir.operators.config.SchemaFields;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/** The kinds of field value the checks tell apart, from the field's Avro schema. */
enum FieldKind {
    STRING,
    ENUM,
    WHOLE_NUMBER,
    FRACTIONAL_NUMBER,
    TIMESTAMP_MILLIS,
    /** Records, arrays, bytes, booleans and logical types other than timestamp-millis. */
    OTHER;

    static FieldKind of(Schema.Field field) {
        Schema value = SchemaFields.valueSchema(field);
        LogicalType logical = value.getLogicalType();
        if (logical != null) {
            // Other logical types come out of generated classes as LocalDate, UUID and so on.
            return logical instanceof LogicalTypes.TimestampMillis ? TIMESTAMP_MILLIS : OTHER;
        }
        return switch (value.getType()) {
            case STRING -> STRING;
            case ENUM -> ENUM;
            case INT, LONG -> WHOLE_NUMBER;
            case FLOAT, DOUBLE -> FRACTIONAL_NUMBER;
            default -> OTHER;
        };
    }
}
