package dev.weir.state.features;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink serializer of an entity's feature state. The bytes name every feature and carry its
 * definition fingerprint, so this serializer reads state written under older or newer definitions:
 * unchanged features keep their state, changed or added ones restart (warming up), removed ones are
 * dropped. Its compatibility is therefore always "as is".
 */
public final class EntityStateSerializer extends TypeSerializer<EntityState> {

    private static final long serialVersionUID = 1L;

    private final EntitySpec spec;
    private final String recordSchema;
    private transient EntityEngine engine;

    public EntityStateSerializer(EntitySpec spec, Schema recordSchema) {
        this(spec, recordSchema.toString());
    }

    private EntityStateSerializer(EntitySpec spec, String recordSchema) {
        this.spec = spec;
        this.recordSchema = recordSchema;
    }

    private EntityEngine engine() {
        if (engine == null) {
            engine = new EntityEngine(spec, new Schema.Parser().parse(recordSchema));
        }
        return engine;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<EntityState> duplicate() {
        return new EntityStateSerializer(spec, recordSchema);
    }

    @Override
    public EntityState createInstance() {
        return engine().newState();
    }

    @Override
    public EntityState copy(EntityState from) {
        return engine().copy(from);
    }

    @Override
    public EntityState copy(EntityState from, EntityState reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(EntityState record, DataOutputView target) throws IOException {
        engine().write(record, target);
    }

    @Override
    public EntityState deserialize(DataInputView source) throws IOException {
        return engine().read(source);
    }

    @Override
    public EntityState deserialize(EntityState reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EntityStateSerializer other
                && spec.equals(other.spec)
                && recordSchema.equals(other.recordSchema);
    }

    @Override
    public int hashCode() {
        return Objects.hash(spec, recordSchema);
    }

    @Override
    public TypeSerializerSnapshot<EntityState> snapshotConfiguration() {
        return new Snapshot(spec, recordSchema);
    }

    /** Keeps the definitions the state was written with, for the record. */
    public static final class Snapshot implements TypeSerializerSnapshot<EntityState> {

        private EntitySpec spec;
        private String recordSchema;

        /** For Flink's reflective instantiation on restore. */
        public Snapshot() {}

        Snapshot(EntitySpec spec, String recordSchema) {
            this.spec = spec;
            this.recordSchema = recordSchema;
        }

        @Override
        public int getCurrentVersion() {
            return 1;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
                objects.writeObject(spec);
            }
            out.writeInt(bytes.size());
            out.write(bytes.toByteArray());
            out.writeUTF(recordSchema);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader)
                throws IOException {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            try (ObjectInputStream objects =
                    new ObjectInputStream(new ByteArrayInputStream(bytes)) {
                        @Override
                        protected Class<?> resolveClass(java.io.ObjectStreamClass desc)
                                throws IOException, ClassNotFoundException {
                            return Class.forName(desc.getName(), false, classLoader);
                        }
                    }) {
                spec = (EntitySpec) objects.readObject();
            } catch (ClassNotFoundException e) {
                throw new IOException("cannot read feature definitions of a snapshot", e);
            }
            recordSchema = in.readUTF();
        }

        @Override
        public TypeSerializer<EntityState> restoreSerializer() {
            return new EntityStateSerializer(spec, recordSchema);
        }

        @Override
        public TypeSerializerSchemaCompatibility<EntityState> resolveSchemaCompatibility(
                TypeSerializerSnapshot<EntityState> oldSnapshot) {
            if (!(oldSnapshot instanceof Snapshot)) {
                return TypeSerializerSchemaCompatibility.incompatible();
            }
            // The bytes describe themselves feature by feature: the new serializer reads them.
            return TypeSerializerSchemaCompatibility.compatibleAsIs();
        }

        public EntitySpec spec() {
            return spec;
        }
    }
}
