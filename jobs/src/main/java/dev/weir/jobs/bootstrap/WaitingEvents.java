package dev.weir.jobs.bootstrap;

import dev.weir.operators.features.EntityFeatureStage;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.state.features.EntitySpec;
import dev.weir.state.features.FeatureSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;

/**
 * The events waiting in each entity stage of a savepoint (ordered mode: for the watermark), by
 * entity. They are in the events table already, but no stage from theirs on has aggregated them; a
 * bootstrap over such a savepoint leaves them out of those stages' history and carries them over to
 * wait again.
 */
public final class WaitingEvents {

    private WaitingEvents() {}

    /**
     * Reads them in a job of its own on {@code env} (they are few: the watermark's delay of
     * events).
     *
     * @return by entity name; entities whose stage the savepoint lacks or has nothing waiting in
     *     are absent
     */
    public static Map<String, List<FeaturedTransaction>> read(
            StreamExecutionEnvironment env, String savepoint, FeatureSet featureSet)
            throws Exception {
        Set<OperatorID> present = new HashSet<>();
        for (OperatorState operator :
                SavepointLoader.loadSavepointMetadata(savepoint).getOperatorStates()) {
            present.add(operator.getOperatorID());
        }
        SavepointReader reader = SavepointReader.read(env, savepoint);
        Map<String, List<FeaturedTransaction>> byEntity = new HashMap<>();
        for (EntitySpec entity : featureSet.entities()) {
            OperatorIdentifier id = OperatorIdentifier.forUid(SavepointBootstrap.uid(entity));
            if (!present.contains(id.getOperatorId())) {
                continue;
            }
            List<FeaturedTransaction> waiting = collect(reader, id);
            if (!waiting.isEmpty()) {
                byEntity.put(entity.name(), waiting);
            }
        }
        return byEntity;
    }

    private static List<FeaturedTransaction> collect(SavepointReader reader, OperatorIdentifier id)
            throws Exception {
        List<FeaturedTransaction> waiting = new ArrayList<>();
        try (CloseableIterator<FeaturedTransaction> it =
                reader.readKeyedState(
                                id,
                                new PendingReader(),
                                Types.STRING,
                                WeirTypes.FEATURED_TRANSACTION)
                        .executeAndCollect(
                                "weir-bootstrap-read-waiting-" + id.getUid().orElse(""))) {
            it.forEachRemaining(waiting::add);
        } catch (IOException e) {
            throw new IOException("cannot read the waiting events of " + id, e);
        }
        return waiting;
    }

    /** Every event in a key's {@link EntityFeatureStage#PENDING_NAME}. */
    private static final class PendingReader
            extends KeyedStateReaderFunction<String, FeaturedTransaction> {
        private static final long serialVersionUID = 1L;
        private transient MapState<Long, List<FeaturedTransaction>> pending;

        @Override
        public void open(OpenContext openContext) {
            pending = getRuntimeContext().getMapState(EntityFeatureStage.pendingDescriptor());
        }

        @Override
        public void readKey(String key, Context ctx, Collector<FeaturedTransaction> out)
                throws Exception {
            for (List<FeaturedTransaction> atTime : pending.values()) {
                atTime.forEach(out::collect);
            }
        }
    }
}
