package dev.weir.schemas.wire;

import java.io.IOException;

/**
 * A schema registry request that did not give what was asked: the schema or subject does not exist,
 * the registry refused a schema (a compatibility rule), or it could not be reached or failed.
 */
public final class SchemaRegistryException extends IOException {

    private static final long serialVersionUID = 1L;

    /** Why the request failed. */
    public enum Kind {
        /** No schema with that id, or no such subject (HTTP 404). */
        NOT_FOUND,
        /** The schema breaks the subject's compatibility rule (HTTP 409). */
        INCOMPATIBLE,
        /** Any other answer (HTTP 4xx): a bad request, missing credentials or rights. */
        REFUSED,
        /** The registry has the schema, but it is not a self-contained Avro schema. */
        UNREADABLE,
        /** No answer, or a server error (HTTP 5xx): worth trying again later. */
        UNAVAILABLE
    }

    private final Kind kind;

    public SchemaRegistryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public SchemaRegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
