package dev.weir.governor;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.apache.flink.statefun.sdk.java.TypeName;
import org.apache.flink.statefun.sdk.java.ValueSpec;
import org.apache.flink.statefun.sdk.java.types.SimpleType;
import org.apache.flink.statefun.sdk.java.types.Type;

/** Names shared with {@code module.yaml} and the types of messages and state, in one place. */
public final class GovernorTypes {

    public static final String NAMESPACE = "weir.governor";

    public static final TypeName ROUTER = TypeName.typeNameOf(NAMESPACE, "router");
    public static final TypeName MODEL_HEALTH = TypeName.typeNameOf(NAMESPACE, "model-health");
    public static final TypeName MODEL_CONTROL_EGRESS =
            TypeName.typeNameOf(NAMESPACE, "model-control");
    public static final TypeName AUDIT_EGRESS = TypeName.typeNameOf(NAMESPACE, "audit");

    /** What the Kafka ingress delivers: a Kafka record value as is (valueType in module.yaml). */
    public static final TypeName MONITORING_BYTES =
            TypeName.typeNameOf(NAMESPACE, "monitoring-bytes");

    public static final String MODEL_CONTROL_TOPIC = "weir.model-control";
    public static final String MONITORING_TOPIC = "weir.monitoring";

    /** A single-object encoded MonitoringRecord, from the router to model-health. */
    public static final Type<byte[]> MONITORING_RECORD =
            SimpleType.simpleImmutableTypeFrom(
                    TypeName.typeNameOf(NAMESPACE, "monitoring-record"), b -> b, b -> b);

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** JSON: fields can be added without migrating stored state. */
    public static final Type<HealthState> HEALTH_STATE_TYPE =
            SimpleType.simpleTypeFrom(
                    TypeName.typeNameOf(NAMESPACE, "health-state.v1"),
                    JSON::writeValueAsBytes,
                    bytes -> JSON.readValue(bytes, HealthState.class));

    /** A model silent this long is forgotten: state needs a cleanup path. */
    public static final Duration HEALTH_STATE_EXPIRY = Duration.ofDays(30);

    public static final ValueSpec<HealthState> HEALTH_STATE =
            ValueSpec.named("health")
                    .thatExpireAfterWrite(HEALTH_STATE_EXPIRY)
                    .withCustomType(HEALTH_STATE_TYPE);

    private GovernorTypes() {}
}
