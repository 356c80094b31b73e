package dev.weir.governor;

import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.statefun.sdk.java.Context;
import org.apache.flink.statefun.sdk.java.StatefulFunction;
import org.apache.flink.statefun.sdk.java.StatefulFunctionSpec;
import org.apache.flink.statefun.sdk.java.io.KafkaEgressMessage;
import org.apache.flink.statefun.sdk.java.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance per model (id = model name): keeps the model's {@link HealthState} and turns the
 * {@link HealthPolicyEngine}'s decisions into model-control commands (key = model name) and an
 * audit record on the monitoring topic, and its refused promotions into an alerting record there.
 * All deciding happens in the engine; this is the adapter.
 */
public final class ModelHealth implements StatefulFunction {

    private static final Logger LOG = LoggerFactory.getLogger(ModelHealth.class);

    private final HealthPolicyEngine engine;
    private final Clock clock;

    public ModelHealth(HealthPolicyEngine engine, Clock clock) {
        this.engine = engine;
        this.clock = clock;
    }

    public static StatefulFunctionSpec spec(HealthPolicyEngine engine, Clock clock) {
        return StatefulFunctionSpec.builder(GovernorTypes.MODEL_HEALTH)
                .withValueSpec(GovernorTypes.HEALTH_STATE)
                .withSupplier(() -> new ModelHealth(engine, clock))
                .build();
    }

    @Override
    public CompletableFuture<Void> apply(Context context, Message message) {
        if (!message.is(GovernorTypes.MONITORING_RECORD)) {
            LOG.warn(
                    "model-health {} ignored a message of type {}",
                    context.self().id(),
                    message.valueTypeName());
            return context.done();
        }
        MonitoringRecord record;
        try {
            record =
                    MonitoringRecord.getDecoder()
                            .decode(message.as(GovernorTypes.MONITORING_RECORD));
        } catch (Exception e) {
            LOG.warn(
                    "model-health {} dropped an undecodable record: {}",
                    context.self().id(),
                    e.toString());
            return context.done();
        }
        if (!context.self().id().equals(record.getModelName())) {
            LOG.warn(
                    "model-health {} dropped a record about model {}",
                    context.self().id(),
                    record.getModelName());
            return context.done();
        }
        HealthState state =
                context.storage().get(GovernorTypes.HEALTH_STATE).orElseGet(HealthState::new);
        HealthPolicyEngine.Outcome outcome = engine.observe(state, record);
        context.storage().set(GovernorTypes.HEALTH_STATE, state);
        // In the engine's order: a refused promotion, then a retraining decision it let through.
        outcome.refusal()
                .ifPresent(r -> audit(context, Commands.refusal(r, engine.policy().thresholds())));
        outcome.decision().ifPresent(d -> send(context, d));
        return context.done();
    }

    private void send(Context context, HealthPolicyEngine.Decision d) {
        LOG.info("{}", d.evidence());
        for (ModelControl command : Commands.commands(d, clock.instant())) {
            context.send(
                    KafkaEgressMessage.forEgress(GovernorTypes.MODEL_CONTROL_EGRESS)
                            .withTopic(GovernorTypes.MODEL_CONTROL_TOPIC)
                            .withUtf8Key(d.model())
                            .withValue(encode(command))
                            .build());
        }
        audit(context, Commands.audit(d, engine.policy().thresholds()));
    }

    /** A MODEL record to the monitoring topic, key {@code MODEL/<model>}. */
    private static void audit(Context context, MonitoringRecord record) {
        context.send(
                KafkaEgressMessage.forEgress(GovernorTypes.AUDIT_EGRESS)
                        .withTopic(GovernorTypes.MONITORING_TOPIC)
                        .withUtf8Key("MODEL/" + record.getModelName())
                        .withValue(encode(record))
                        .build());
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    static byte[] encode(ModelControl c) {
        try {
            return bytes(ModelControl.getEncoder().encode(c));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] encode(MonitoringRecord r) {
        try {
            return bytes(MonitoringRecord.getEncoder().encode(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
