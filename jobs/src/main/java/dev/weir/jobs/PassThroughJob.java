package dev.weir.jobs;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.jobs.pipeline.PipelineWorkflow;
import dev.weir.jobs.pipeline.TransactionSource;
import dev.weir.operators.kafka.RawRecord;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The ceiling of {@code weir bench pipeline}: the pipeline's Kafka source and an exactly-once Kafka
 * sink with the pipeline's settings (checkpoints, buffer timeout, parallelism, transaction
 * timeout), and nothing between them. Each payment's bytes go to the scores topic of its config,
 * stamped with the time it was written and its event time in a header. Arguments as {@link
 * PipelineJob}'s. It lives in the job jar because the benchmark submits it to the cluster.
 */
public final class PassThroughJob {

    public static final String JOB_NAME = "weir-pass-through";

    /** Kafka header with each record's input timestamp (the payment's event time). */
    public static final String EVENT_TIME_HEADER = "event-time";

    private PassThroughJob() {}

    public static void main(String[] argv) throws Exception {
        PipelineConfig config = JobArguments.parse(argv).load();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        define(env, config);
        env.execute(JOB_NAME);
    }

    public static void define(StreamExecutionEnvironment env, PipelineConfig config) {
        PipelineWorkflow.configure(env, config);
        KafkaSink<RawRecord> sink =
                KafkaSink.<RawRecord>builder()
                        .setKafkaProducerConfig(config.kafka().clientProperties())
                        .setBootstrapServers(config.bootstrapServers())
                        .setRecordSerializer(new Stamped(config.scoresTopic()))
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(config.transactionalIdPrefix() + "-pass-through")
                        .setProperty(
                                "transaction.timeout.ms",
                                String.valueOf(config.transactionTimeout().toMillis()))
                        .build();
        env.fromSource(
                        TransactionSource.build(config, false),
                        WatermarkStrategy.noWatermarks(),
                        "Kafka " + config.transactionsTopic())
                .uid("weir-pass-through-source")
                .sinkTo(sink)
                .uid("weir-pass-through-sink")
                .name("Kafka " + config.scoresTopic());
    }

    /** The record's bytes, written at the time of writing, with its event time in a header. */
    private static final class Stamped implements KafkaRecordSerializationSchema<RawRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        Stamped(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                RawRecord record, KafkaSinkContext context, Long timestamp) {
            RecordHeaders headers = new RecordHeaders();
            headers.add(
                    EVENT_TIME_HEADER,
                    ByteBuffer.allocate(Long.BYTES).putLong(record.timestamp).array());
            return new ProducerRecord<>(
                    topic, null, System.currentTimeMillis(), null, record.value, headers);
        }
    }
}
