package dev.weir.state.features;

import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;

/**
 * Reads one field of an Avro record, resolved to its position once. Numbers (int, long, float,
 * double, boolean as 1/0, timestamps as epoch ms) read as doubles; strings and enum symbols as
 * strings; null reads as NaN / null.
 */
public final class FieldReader implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final int position;
    private final boolean numeric;

    private FieldReader(String name, int position, boolean numeric) {
        this.name = name;
        this.position = position;
        this.numeric = numeric;
    }

    /**
     * @throws IllegalArgumentException naming the fields the schema has when it lacks this one
     */
    public static FieldReader of(Schema schema, String field) {
        Schema.Field f = schema.getField(field);
        if (f == null) {
            List<String> names = schema.getFields().stream().map(Schema.Field::name).toList();
            throw new IllegalArgumentException(
                    "record "
                            + schema.getName()
                            + " has no field '"
                            + field
                            + "' (fields: "
                            + names
                            + ")");
        }
        Schema type = f.schema();
        if (type.getType() == Schema.Type.UNION) {
            type =
                    type.getTypes().stream()
                            .filter(t -> t.getType() != Schema.Type.NULL)
                            .findFirst()
                            .orElse(type);
        }
        boolean numeric =
                switch (type.getType()) {
                    case INT, LONG, FLOAT, DOUBLE, BOOLEAN -> true;
                    default -> false;
                };
        return new FieldReader(field, f.pos(), numeric);
    }

    public String name() {
        return name;
    }

    public boolean numeric() {
        return numeric;
    }

    public double number(IndexedRecord record) {
        Object v = record.get(position);
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof Instant i) {
            return i.toEpochMilli();
        }
        return Double.NaN;
    }

    /**
     * The field as an entity key: the string, or a number's whole value; null when the field is
     * null or blank.
     */
    public String key(IndexedRecord record) {
        if (numeric) {
            double v = number(record);
            return Double.isNaN(v) ? null : Long.toString((long) v);
        }
        String k = string(record);
        return k == null || k.isBlank() ? null : k;
    }

    public String string(IndexedRecord record) {
        Object v = record.get(position);
        if (v == null || numeric) {
            return null;
        }
        return v.toString();
    }
}
