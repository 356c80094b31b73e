package dev.weir.jobs.pipeline;

import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.decode.DeadLetters;
import dev.weir.operators.decode.DecodeModelControl;
import dev.weir.operators.decode.DecodeTransactions;
import dev.weir.operators.features.FeatureStages;
import dev.weir.operators.features.LateToDeadLetter;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.operators.scoring.BatchingScoreOperator;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.DeadLetter;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The pipeline's topology: decode, one feature stage per entity, score, then the sinks. Sources and sinks
 * are passed in, so tests run the very same workflow on bounded input.
 */
public final class PipelineWorkflow {

    private PipelineWorkflow() {}

    /** The topology's outputs, for callers that attach more to them. */
    public record Outputs(
            DataStream<Transaction> events, DataStream<Score> scores, DataStream<DeadLetter> deadLetters) {}

    public static Outputs define(
            StreamExecutionEnvironment env,
            PipelineConfig config,
            Source<RawRecord, ?, ?> source,
            Source<RawRecord, ?, ?> controlSource,
            PipelineSinks sinks) {
        configure(env, config);

        WatermarkStrategy<RawRecord> watermarks =
                WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(config.outOfOrderness())
                        .withTimestampAssigner((record, kafkaTimestamp) -> record.timestamp)
                        .withIdleness(config.idleness());

        DataStream<RawRecord> raw =
                env.fromSource(source, watermarks, "Kafka " + config.transactionsTopic())
                        .uid(Uids.SOURCE_TRANSACTIONS);

        SingleOutputStreamOperator<Transaction> transactions =
                raw.process(new DecodeTransactions(), WeirTypes.TRANSACTION)
                        .uid(Uids.DECODE)
                        .name("Decode transactions");
        DataStream<DeadLetter> deadLetters = transactions.getSideOutput(DeadLetters.TAG);

        FeatureSet featureSet = config.featureSet();
        FeatureStages.Result features = FeatureStages.apply(transactions, featureSet, Uids.FEATURES, false);
        DataStream<FeaturedTransaction> featured = features.featured();

        SingleOutputStreamOperator<ModelControl> control =
                env.fromSource(controlSource,
                                WatermarkStrategy.<RawRecord>forMonotonousTimestamps()
                                        .withTimestampAssigner((record, kafkaTimestamp) -> record.timestamp)
                                        .withIdleness(config.idleness()),
                                "Kafka " + config.controlTopic())
                        .uid(Uids.SOURCE_MODEL_CONTROL)
                        .process(new DecodeModelControl(), WeirTypes.MODEL_CONTROL)
                        .uid(Uids.DECODE_MODEL_CONTROL)
                        .name("Decode model-control commands");
        deadLetters = deadLetters.union(control.getSideOutput(DeadLetters.TAG));

        DataStream<Score> scores =
                featured.connect(control.broadcast())
                        .transform(
                                "Score (DL4J, batches of " + config.scoringMaxBatchSize() + ")",
                                WeirTypes.SCORE,
                                new BatchingScoreOperator(config.modelPointer(), featureSet.vectorNames(),
                                        config.scoringMaxBatchSize(), config.scoringMaxWait().toMillis()))
                        .uid(Uids.SCORE);

        DataStream<DeadLetter> late =
                features.late()
                        .map(new LateToDeadLetter(config.transactionsTopic()), WeirTypes.DEAD_LETTER)
                        .uid(Uids.LATE_TO_DEAD_LETTER)
                        .name("Late events to dead letters");
        deadLetters = deadLetters.union(late);

        sinks.writeEvents(transactions);
        sinks.writeScores(scores);
        sinks.writeFeatures(featured, featureSet.vectorNames());
        sinks.writeDeadLetters(deadLetters);
        return new Outputs(transactions, scores, deadLetters);
    }

    /** Settings the pipeline relies on whatever the cluster's defaults are. */
    private static void configure(StreamExecutionEnvironment env, PipelineConfig config) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(conf);
        env.enableCheckpointing(config.checkpointInterval().toMillis(), CheckpointingMode.EXACTLY_ONCE);
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
    }
}
