package dev.weir.operators.scoring;

import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.Score;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;

/**
 * Operator snapshots as the releases before the Avro pointer records wrote them: the scoring
 * operator's broadcast state {@code model-pointer}, String to String, each pointer four
 * newline-joined lines. The state is declared here as it was released, not through the code under
 * test, so that a change there cannot change what "the previous release" means.
 */
public final class PreviousReleasePointers {

    private PreviousReleasePointers() {}

    /**
     * A snapshot whose {@code model-pointer} state holds exactly {@code entries} (role to lines).
     */
    public static OperatorSubtaskState snapshotHolding(Map<String, String> entries)
            throws Exception {
        try (var harness =
                new TwoInputStreamOperatorTestHarness<>(new PreviousReleaseWriter(entries))) {
            harness.open();
            return harness.snapshot(1L, 1L);
        }
    }

    private static final class PreviousReleaseWriter extends AbstractStreamOperator<Score>
            implements TwoInputStreamOperator<FeaturedTransaction, ModelControl, Score> {

        private final TreeMap<String, String> entries;

        PreviousReleaseWriter(Map<String, String> entries) {
            this.entries = new TreeMap<>(entries);
        }

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            BroadcastState<String, String> state =
                    context.getOperatorStateStore()
                            .getBroadcastState(
                                    new MapStateDescriptor<>(
                                            "model-pointer", Types.STRING, Types.STRING));
            state.putAll(entries);
        }

        @Override
        public void processElement1(StreamRecord<FeaturedTransaction> element) {}

        @Override
        public void processElement2(StreamRecord<ModelControl> element) {}
    }
}
