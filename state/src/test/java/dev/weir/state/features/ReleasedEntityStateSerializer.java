package dev.weir.state.features;

import java.io.IOException;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The entity state serializer of the release before cold panes, over {@link ReleasedEntityEngine}:
 * it writes entity state format 1. Its configuration snapshot is {@link EntityStateSerializer}'s,
 * as that release wrote it (the class, the definitions and the record schema), so a snapshot taken
 * with this serializer is the one that release took, and the current serializer restores it.
 */
public final class ReleasedEntityStateSerializer extends TypeSerializer<ReleasedEntityState> {

    private static final long serialVersionUID = 1L;

    private final EntitySpec spec;
    private final String recordSchema;
    private transient ReleasedEntityEngine engine;

    public ReleasedEntityStateSerializer(EntitySpec spec, Schema recordSchema) {
        this(spec, recordSchema.toString());
    }

    private ReleasedEntityStateSerializer(EntitySpec spec, String recordSchema) {
        this.spec = spec;
        this.recordSchema = recordSchema;
    }

    private ReleasedEntityEngine engine() {
        if (engine == null) {
            engine = new ReleasedEntityEngine(spec, new Schema.Parser().parse(recordSchema));
        }
        return engine;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<ReleasedEntityState> duplicate() {
        return new ReleasedEntityStateSerializer(spec, recordSchema);
    }

    @Override
    public ReleasedEntityState createInstance() {
        return engine().newState();
    }

    @Override
    public ReleasedEntityState copy(ReleasedEntityState from) {
        return engine().copy(from);
    }

    @Override
    public ReleasedEntityState copy(ReleasedEntityState from, ReleasedEntityState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ReleasedEntityState record, DataOutputView target) throws IOException {
        engine().write(record, target);
    }

    @Override
    public ReleasedEntityState deserialize(DataInputView source) throws IOException {
        return engine().read(source);
    }

    @Override
    public ReleasedEntityState deserialize(ReleasedEntityState reuse, DataInputView source)
            throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReleasedEntityStateSerializer other
                && spec.equals(other.spec)
                && recordSchema.equals(other.recordSchema);
    }

    @Override
    public int hashCode() {
        return Objects.hash(spec, recordSchema);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public TypeSerializerSnapshot<ReleasedEntityState> snapshotConfiguration() {
        // The released class: only its type parameter differs here, which Flink does not record.
        return (TypeSerializerSnapshot)
                new EntityStateSerializer(spec, new Schema.Parser().parse(recordSchema))
                        .snapshotConfiguration();
    }
}
