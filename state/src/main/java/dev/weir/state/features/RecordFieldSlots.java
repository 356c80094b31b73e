package dev.weir.state.features;

import dev.weir.state.expr.Slot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The record fields an entity's expressions read, numbered as they are first resolved: the slots of
 * compiled expressions index {@link #readers()}. Numeric fields (int, long, float, double, boolean,
 * timestamps) are number slots; strings, enums and every other type are string slots. Used while
 * the engine is built, never per event.
 */
final class RecordFieldSlots {

    private final Schema schema;
    private final Map<String, Slot> slots = new HashMap<>();
    private final List<FieldReader> readers = new ArrayList<>();

    RecordFieldSlots(Schema schema) {
        this.schema = schema;
    }

    /**
     * @throws IllegalArgumentException naming the record's fields when it has no such field
     */
    Slot resolve(String field) {
        Slot slot = slots.get(field);
        if (slot == null) {
            FieldReader reader = FieldReader.of(schema, field);
            slot =
                    reader.numeric()
                            ? Slot.numberField(readers.size())
                            : Slot.textField(readers.size());
            readers.add(reader);
            slots.put(field, slot);
        }
        return slot;
    }

    /** The readers of the resolved fields, by slot index. */
    FieldReader[] readers() {
        return readers.toArray(new FieldReader[0]);
    }
}
