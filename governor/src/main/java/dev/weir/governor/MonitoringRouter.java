package dev.weir.governor;

import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.apache.flink.statefun.sdk.java.Context;
import org.apache.flink.statefun.sdk.java.StatefulFunction;
import org.apache.flink.statefun.sdk.java.StatefulFunctionSpec;
import org.apache.flink.statefun.sdk.java.message.Message;
import org.apache.flink.statefun.sdk.java.message.MessageBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives the raw value of each {@code weir.monitoring} record from the Kafka ingress and sends
 * DRIFT, PERFORMANCE and AGREEMENT records on to {@code model-health}, addressed by model name.
 * Everything else (quality, labels, and MODEL records, among them the governor's own audit records)
 * is dropped; so is a record that does not decode or names no model, with a warning and a count,
 * never an exception that would fail the invocation.
 */
public final class MonitoringRouter implements StatefulFunction {

    private static final Logger LOG = LoggerFactory.getLogger(MonitoringRouter.class);

    static final Set<MonitoringKind> ROUTED =
            EnumSet.of(MonitoringKind.DRIFT, MonitoringKind.PERFORMANCE, MonitoringKind.AGREEMENT);

    /** Model names become function ids and registry paths: plain names only. */
    static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public static final StatefulFunctionSpec SPEC =
            StatefulFunctionSpec.builder(GovernorTypes.ROUTER)
                    .withSupplier(MonitoringRouter::new)
                    .build();

    /** Undecodable records, per server process. */
    static final AtomicLong UNDECODABLE = new AtomicLong();

    @Override
    public CompletableFuture<Void> apply(Context context, Message message) {
        byte[] bytes = message.rawValue().toByteArray();
        MonitoringRecord record;
        try {
            record = MonitoringRecord.getDecoder().decode(bytes);
        } catch (Exception e) {
            long n = UNDECODABLE.incrementAndGet();
            LOG.warn("dropped an undecodable monitoring record ({} so far): {}", n, e.toString());
            return context.done();
        }
        if (!ROUTED.contains(record.getKind())) {
            return context.done();
        }
        String model = record.getModelName();
        if (model == null
                || record.getModelVersion() == null
                || !MODEL_NAME.matcher(model).matches()) {
            LOG.debug(
                    "dropped a {} record without a usable model name/version: {}",
                    record.getKind(),
                    model);
            return context.done();
        }
        context.send(
                MessageBuilder.forAddress(GovernorTypes.MODEL_HEALTH, model)
                        .withCustomType(GovernorTypes.MONITORING_RECORD, bytes)
                        .build());
        return context.done();
    }
}
