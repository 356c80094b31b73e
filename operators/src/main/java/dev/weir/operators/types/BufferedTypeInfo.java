package dev.weir.operators.types;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * A type whose serializer is {@link BufferedSerializer} over {@code inner}'s: for the keys and
 * values of state that a heap snapshot writes entry by entry. The same type as {@code inner} in
 * every other respect (class, key type, arity).
 */
public final class BufferedTypeInfo<T> extends TypeInformation<T> {

    private static final long serialVersionUID = 1L;

    private final TypeInformation<T> inner;

    public BufferedTypeInfo(TypeInformation<T> inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
    }

    @Override
    public boolean isBasicType() {
        return inner.isBasicType();
    }

    @Override
    public boolean isTupleType() {
        return inner.isTupleType();
    }

    @Override
    public int getArity() {
        return inner.getArity();
    }

    @Override
    public int getTotalFields() {
        return inner.getTotalFields();
    }

    @Override
    public Class<T> getTypeClass() {
        return inner.getTypeClass();
    }

    @Override
    public boolean isKeyType() {
        return inner.isKeyType();
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return new BufferedSerializer<>(inner.createSerializer(config));
    }

    @Override
    public String toString() {
        return "Buffered(" + inner + ")";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BufferedTypeInfo<?> that
                && that.canEqual(this)
                && inner.equals(that.inner);
    }

    @Override
    public int hashCode() {
        return 31 * inner.hashCode() + 11;
    }

    @Override
    public boolean canEqual(Object other) {
        return other instanceof BufferedTypeInfo;
    }
}
