package dev.weir.operators.scoring;

import dev.weir.models.ModelBundle;
import dev.weir.models.ModelMetadata;
import dev.weir.models.Scorer;
import dev.weir.schemas.Decision;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores each featured transaction with the DL4J model from a model directory. The model is
 * loaded once per subtask in {@link #open}; its expected feature names must equal the pipeline's.
 */
public class ScoreTransactions extends ProcessFunction<FeaturedTransaction, Score> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ScoreTransactions.class);

    public static final String METRIC_GROUP = "weir";
    public static final String EVENTS_SCORED = "eventsScored";
    public static final String DECLINED = "eventsDeclined";
    public static final String MODEL_VERSION = "modelVersion";

    private final String modelDir;
    private final List<String> featureNames;

    private transient Scorer scorer;
    private transient double[] vector;
    private transient Counter scored;
    private transient Counter declined;

    public ScoreTransactions(String modelDir, List<String> featureNames) {
        this.modelDir = modelDir;
        this.featureNames = List.copyOf(featureNames);
    }

    @Override
    public void open(OpenContext openContext) {
        ModelBundle bundle = ModelBundle.load(Path.of(modelDir));
        ModelMetadata metadata = bundle.metadata();
        if (!metadata.featureNames().equals(featureNames)) {
            throw new IllegalStateException(
                    "model "
                            + metadata.name()
                            + " v"
                            + metadata.version()
                            + " expects features "
                            + metadata.featureNames()
                            + " but the pipeline's feature set computes "
                            + featureNames);
        }
        scorer = new Scorer(bundle);
        vector = new double[featureNames.size()];
        LOG.info(
                "subtask {} scores with model {} version {} on ND4J backend {}",
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(),
                metadata.name(),
                metadata.version(),
                org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        MetricGroup group = getRuntimeContext().getMetricGroup().addGroup(METRIC_GROUP);
        scored = group.counter(EVENTS_SCORED);
        declined = group.counter(DECLINED);
        group.gauge(MODEL_VERSION, (Gauge<String>) () -> metadata.name() + ":" + metadata.version());
    }

    @Override
    public void processElement(FeaturedTransaction in, Context ctx, Collector<Score> out) {
        List<Double> features = in.getFeatures();
        for (int i = 0; i < vector.length; i++) {
            vector[i] = features.get(i);
        }
        double score = scorer.score(vector);
        boolean decline = scorer.declines(score);
        Transaction txn = in.getTransaction();
        ModelMetadata metadata = scorer.metadata();
        scored.inc();
        if (decline) {
            declined.inc();
        }
        out.collect(
                Score.newBuilder()
                        .setTransactionId(txn.getTransactionId())
                        .setAccountId(txn.getAccountId())
                        .setMerchantId(txn.getMerchantId())
                        .setDeviceId(txn.getDeviceId())
                        .setScore(score)
                        .setDecision(decline ? Decision.DECLINE : Decision.APPROVE)
                        .setModelName(metadata.name())
                        .setModelVersion(metadata.version())
                        .setFeatures(features)
                        .setEventTime(txn.getEventTime())
                        .setScoringTime(Instant.now())
                        .build());
    }
}
