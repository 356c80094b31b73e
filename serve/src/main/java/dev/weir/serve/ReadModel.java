package dev.weir.serve;

import dev.weir.schemas.EntityFeatures;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers from the local stores (interactive queries), as JSON-ready maps with the field names of
 * the Avro records. The HTTP endpoints and the GraphQL schema answer with the same maps.
 */
final class ReadModel {

    /** The stores are not queryable yet: the instance is starting, restoring or rebalancing. */
    static final class NotReady extends RuntimeException {
        NotReady(String message) {
            super(message);
        }
    }

    private final KafkaStreams streams;

    ReadModel(KafkaStreams streams) {
        this.streams = streams;
    }

    /** The entity's latest values; empty when it is unknown or its state expired. */
    Optional<Map<String, Object>> entity(String type, String id) {
        EntityFeatures f = this.<EntityFeatures>store(ServeTopology.ENTITIES).get(type + "/" + id);
        return Optional.ofNullable(f).map(ReadModel::entityView);
    }

    /** The transaction's decision; empty when it is unknown. */
    Optional<Map<String, Object>> transaction(String id) {
        Score score = this.<Score>store(ServeTopology.TRANSACTIONS).get(id);
        return Optional.ofNullable(score).map(ReadModel::decisionView);
    }

    /** The account's most recent decisions, newest first, at most {@code limit}. */
    Optional<List<Map<String, Object>>> accountDecisions(String accountId, int limit) {
        List<RecentDecisions.Entry> recent =
                this.<List<RecentDecisions.Entry>>store(ServeTopology.ACCOUNTS).get(accountId);
        if (recent == null) {
            return Optional.empty();
        }
        ReadOnlyKeyValueStore<String, Score> transactions = store(ServeTopology.TRANSACTIONS);
        List<Map<String, Object>> views = new ArrayList<>();
        for (RecentDecisions.Entry entry : recent) {
            if (views.size() == limit) {
                break;
            }
            // The transaction store is written before the repartition by account, so it has it.
            Score score = transactions.get(entry.transactionId());
            if (score != null) {
                views.add(decisionView(score));
            }
        }
        return Optional.of(views);
    }

    /** The Kafka Streams state, for the health endpoint. */
    String state() {
        return streams.state().name();
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        try {
            return streams.store(
                    StoreQueryParameters.fromNameAndType(
                            name, QueryableStoreTypes.<String, V>keyValueStore()));
        } catch (InvalidStateStoreException e) {
            throw new NotReady(
                    "the stores are not ready (Kafka Streams is " + streams.state() + ")");
        }
    }

    static Map<String, Object> entityView(EntityFeatures f) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("entity", f.getEntity());
        view.put("entity_id", f.getEntityId());
        view.put("as_of", f.getAsOf().toString());
        view.put("transaction_id", f.getTransactionId());
        view.put("feature_set_version", f.getFeatureSetVersion());
        Map<String, Double> features = new LinkedHashMap<>();
        for (int i = 0; i < f.getNames().size(); i++) {
            features.put(f.getNames().get(i), f.getValues().get(i));
        }
        view.put("features", features);
        view.put("warming", List.copyOf(f.getWarming()));
        return view;
    }

    static Map<String, Object> decisionView(Score s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("transaction_id", s.getTransactionId());
        view.put("account_id", s.getAccountId());
        view.put("merchant_id", s.getMerchantId());
        view.put("device_id", s.getDeviceId());
        view.put("decision", s.getDecision().name());
        view.put("score", s.getScore());
        view.put("model_name", s.getModelName());
        view.put("model_version", s.getModelVersion());
        view.put("event_time", s.getEventTime().toString());
        view.put("scoring_time", s.getScoringTime().toString());
        view.put("challenger_version", s.getChallengerVersion());
        view.put("challenger_score", s.getChallengerScore());
        view.put(
                "challenger_decision",
                s.getChallengerDecision() == null ? null : s.getChallengerDecision().name());
        List<Map<String, Object>> reasons = new ArrayList<>();
        for (Reason r : s.getReasons()) {
            Map<String, Object> reason = new LinkedHashMap<>();
            reason.put("feature", r.getFeature());
            reason.put("contribution", r.getContribution());
            reasons.add(reason);
        }
        view.put("reasons", reasons);
        return view;
    }
}
