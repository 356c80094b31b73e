package dev.weir.operators.types;

import java.io.IOException;
import java.util.Objects;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Another serializer's bytes, handed to a stream in one write per value.
 *
 * <p>The heap state backend writes a snapshot through {@code java.io} streams, where every
 * single-byte write passes two wrappers and takes a lock ({@code DataOutputStream.write(int)} is
 * synchronized). Flink's {@code StringSerializer} and {@code AvroSerializer} write a byte at a
 * time, so the keys and values of the per-transaction state cost more in those calls than in
 * encoding. This serializer encodes into a buffer of its own and writes the buffer once. Into
 * Flink's memory buffers (network exchanges, RocksDB's keys and values) it writes directly, as
 * there is no stream to save calls on.
 *
 * <p>The bytes are the wrapped serializer's, and its snapshot resolves against the wrapped
 * serializer's snapshot: state written with the wrapped serializer alone restores, as it is.
 */
public final class BufferedSerializer<T> extends TypeSerializer<T> {

    private static final long serialVersionUID = 1L;

    /** Start size of the buffer; past {@link #KEPT_BUFFER} it shrinks back after the value. */
    private static final int FIRST_BUFFER = 256;

    private static final int KEPT_BUFFER = 64 * 1024;

    private final TypeSerializer<T> inner;

    /** Per instance: {@link #duplicate()} gives each thread its own. */
    private transient DataOutputSerializer buffer;

    public BufferedSerializer(TypeSerializer<T> inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    /** The serializer whose bytes this one writes. */
    public TypeSerializer<T> inner() {
        return inner;
    }

    @Override
    public void serialize(T value, DataOutputView target) throws IOException {
        if (target instanceof DataOutputSerializer) {
            inner.serialize(value, target);
            return;
        }
        if (buffer == null) {
            buffer = new DataOutputSerializer(FIRST_BUFFER);
        }
        buffer.clear();
        inner.serialize(value, buffer);
        target.write(buffer.getSharedBuffer(), 0, buffer.length());
        if (buffer.getSharedBuffer().length > KEPT_BUFFER) {
            buffer = null;
        }
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return inner.deserialize(source);
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return inner.deserialize(reuse, source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        inner.copy(source, target);
    }

    @Override
    public boolean isImmutableType() {
        return inner.isImmutableType();
    }

    @Override
    public TypeSerializer<T> duplicate() {
        return new BufferedSerializer<>(inner.duplicate());
    }

    @Override
    public T createInstance() {
        return inner.createInstance();
    }

    @Override
    public T copy(T from) {
        return inner.copy(from);
    }

    @Override
    public T copy(T from, T reuse) {
        return inner.copy(from, reuse);
    }

    @Override
    public int getLength() {
        return inner.getLength();
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(inner.snapshotConfiguration());
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BufferedSerializer<?> that && inner.equals(that.inner);
    }

    @Override
    public int hashCode() {
        return 31 * inner.hashCode() + 7;
    }

    @Override
    public String toString() {
        return "BufferedSerializer(" + inner + ")";
    }

    /**
     * The wrapped serializer's snapshot. Against a snapshot of the wrapped serializer alone (state
     * written before it was buffered) it resolves as the wrapped snapshot does.
     */
    public static final class Snapshot<T> implements TypeSerializerSnapshot<T> {

        private static final int VERSION = 1;

        private TypeSerializerSnapshot<T> inner;

        /** For reading a snapshot back. */
        public Snapshot() {}

        Snapshot(TypeSerializerSnapshot<T> inner) {
            this.inner = Objects.requireNonNull(inner, "inner");
        }

        /** The wrapped serializer's snapshot. */
        public TypeSerializerSnapshot<T> wrapped() {
            return inner;
        }

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) throws IOException {
            TypeSerializerSnapshot.writeVersionedSnapshot(out, inner);
        }

        @Override
        public void readSnapshot(int version, DataInputView in, ClassLoader classLoader)
                throws IOException {
            if (version != VERSION) {
                throw new IOException("unknown BufferedSerializer snapshot version " + version);
            }
            inner = TypeSerializerSnapshot.readVersionedSnapshot(in, classLoader);
        }

        @Override
        public TypeSerializer<T> restoreSerializer() {
            return new BufferedSerializer<>(inner.restoreSerializer());
        }

        @Override
        public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
                TypeSerializerSnapshot<T> old) {
            TypeSerializerSnapshot<T> oldInner =
                    old instanceof Snapshot<T> buffered ? buffered.inner : old;
            TypeSerializerSchemaCompatibility<T> compatibility =
                    inner.resolveSchemaCompatibility(oldInner);
            if (compatibility.isCompatibleWithReconfiguredSerializer()) {
                return TypeSerializerSchemaCompatibility.compatibleWithReconfiguredSerializer(
                        new BufferedSerializer<>(compatibility.getReconfiguredSerializer()));
            }
            return compatibility;
        }
    }
}
