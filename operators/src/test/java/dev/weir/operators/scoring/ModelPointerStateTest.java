package dev.weir.operators.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.models.registry.ModelPointer;
import dev.weir.operators.types.WeirTypes;
import dev.weir.schemas.FeaturedTransaction;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.ModelPointerRecord;
import dev.weir.schemas.Score;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

class ModelPointerStateTest {

    private static final String SUM_2 = "2a".repeat(32);
    private static final String SUM_3 = "3b".repeat(32);
    private static final ModelPointer V2 =
            new ModelPointer("fraud", "2", "/registry/fraud/2", SUM_2);
    private static final ModelPointer V3 =
            new ModelPointer("fraud", "3", "/registry/fraud/3", SUM_3);

    @Test
    void pointersOfThePreviousReleaseMoveToAvroRecordsOnceOnRestore() throws Exception {
        OperatorSubtaskState previous =
                PreviousReleasePointers.snapshotHolding(
                        Map.of(
                                "champion", "fraud\n2\n/registry/fraud/2\n" + SUM_2,
                                // A null field was an empty line.
                                "challenger", "fraud\n\n/registry/fraud/3\n" + SUM_3));
        ModelPointer challengerWithoutVersion =
                new ModelPointer("fraud", null, "/registry/fraud/3", SUM_3);
        OperatorSubtaskState migrated;
        try (var harness = harness()) {
            Holder holder = (Holder) harness.getOperator();
            harness.initializeState(previous);
            harness.open();
            assertThat(holder.pointers.champion()).isEqualTo(V2);
            assertThat(holder.pointers.challenger()).isEqualTo(challengerWithoutVersion);
            assertThat(previousRelease(holder)).isEmpty();
            assertThat(records(holder)).containsOnlyKeys("champion", "challenger");
            assertThat(records(holder).get("champion")).isEqualTo(ModelPointerState.toRecord(V2));
            migrated = harness.snapshot(2L, 2L);
        }
        try (var harness = harness()) {
            Holder holder = (Holder) harness.getOperator();
            harness.initializeState(migrated);
            harness.open();
            assertThat(holder.pointers.champion()).isEqualTo(V2);
            assertThat(holder.pointers.challenger()).isEqualTo(challengerWithoutVersion);
            // Nothing to move a second time.
            assertThat(previousRelease(holder)).isEmpty();
        }
    }

    @Test
    void pointersInThePreviousReleasesFormatReplaceRecords() throws Exception {
        OperatorSubtaskState both;
        try (var harness = new TwoInputStreamOperatorTestHarness<>(new BothFormatsWriter())) {
            harness.open();
            both = harness.snapshot(1L, 1L);
        }
        try (var harness = harness()) {
            Holder holder = (Holder) harness.getOperator();
            harness.initializeState(both);
            harness.open();
            assertThat(holder.pointers.champion()).isEqualTo(V2);
            // The lines name no challenger, and they are the newest word: the records' challenger
            // goes too.
            assertThat(holder.pointers.challenger()).isNull();
            assertThat(previousRelease(holder)).isEmpty();
        }
    }

    @Test
    void commandsChangeThePointersAndASnapshotKeepsThem() throws Exception {
        // A model directory outside a registry: only a location.
        ModelPointer directory = new ModelPointer(null, null, "/models/fraud", null);
        OperatorSubtaskState snapshot;
        try (var harness = harness()) {
            Holder holder = (Holder) harness.getOperator();
            harness.open();
            assertThat(holder.pointers.champion()).isNull();
            assertThat(holder.pointers.challenger()).isNull();
            holder.pointers.putChampion(V2);
            holder.pointers.putChallenger(V3);
            holder.pointers.putChampion(directory);
            holder.pointers.removeChallenger();
            holder.pointers.putChallenger(V2);
            assertThat(previousRelease(holder)).isEmpty();
            snapshot = harness.snapshot(1L, 1L);
        }
        try (var harness = harness()) {
            Holder holder = (Holder) harness.getOperator();
            harness.initializeState(snapshot);
            harness.open();
            assertThat(holder.pointers.champion()).isEqualTo(directory);
            assertThat(holder.pointers.challenger()).isEqualTo(V2);
            assertThat(records(holder).get("champion"))
                    .isEqualTo(
                            ModelPointerRecord.newBuilder()
                                    .setModelName(null)
                                    .setVersion(null)
                                    .setLocation("/models/fraud")
                                    .setChecksum(null)
                                    .build());
        }
    }

    @Test
    void theStatesKeepTheirNamesAndTheRecordsUseAvro() {
        // Savepoints find their state by these names (the types of the old one: the restore tests
        // above).
        assertThat(ModelPointerState.PREVIOUS_RELEASE_POINTERS.getName())
                .isEqualTo("model-pointer");
        assertThat(ModelPointerState.POINTERS.getName()).isEqualTo("model-pointer-records");
        assertThat(WeirTypes.MODEL_POINTER.createSerializer(new SerializerConfigImpl()))
                .isInstanceOf(AvroSerializer.class);
    }

    @Test
    void thePreviousReleasesLinesDecodeExactly() {
        assertThat(ModelPointerState.decodePreviousRelease("fraud\n2\n/registry/fraud/2\n" + SUM_2))
                .isEqualTo(V2);
        assertThat(ModelPointerState.decodePreviousRelease("\n\n/models/fraud\n"))
                .isEqualTo(new ModelPointer(null, null, "/models/fraud", null));
        assertThatThrownBy(
                        () ->
                                ModelPointerState.decodePreviousRelease(
                                        "fraud\n2\n/registry/fraud/2"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "a model pointer of the previous release has 4 lines (name, version, location, checksum),"
                                + " this one has 3");
    }

    private static TwoInputStreamOperatorTestHarness<FeaturedTransaction, ModelControl, Score>
            harness() throws Exception {
        return new TwoInputStreamOperatorTestHarness<>(new Holder());
    }

    private static Map<String, String> previousRelease(Holder holder) throws Exception {
        Map<String, String> entries = new TreeMap<>();
        holder.getOperatorStateBackend()
                .getBroadcastState(ModelPointerState.PREVIOUS_RELEASE_POINTERS)
                .entries()
                .forEach(e -> entries.put(e.getKey(), e.getValue()));
        return entries;
    }

    private static Map<String, ModelPointerRecord> records(Holder holder) throws Exception {
        Map<String, ModelPointerRecord> entries = new TreeMap<>();
        holder.getOperatorStateBackend()
                .getBroadcastState(ModelPointerState.POINTERS)
                .entries()
                .forEach(e -> entries.put(e.getKey(), e.getValue()));
        return entries;
    }

    /** An operator that only keeps the pointer state. */
    private static final class Holder extends AbstractStreamOperator<Score>
            implements TwoInputStreamOperator<FeaturedTransaction, ModelControl, Score> {

        transient ModelPointerState pointers;

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            pointers = ModelPointerState.restore(context.getOperatorStateStore());
        }

        @Override
        public void processElement1(StreamRecord<FeaturedTransaction> element) {}

        @Override
        public void processElement2(StreamRecord<ModelControl> element) {}
    }

    /**
     * Both formats at once, as after a downgrade to a release before the records and an upgrade
     * again: the records from the newer release, the lines written since by the older one.
     */
    private static final class BothFormatsWriter extends AbstractStreamOperator<Score>
            implements TwoInputStreamOperator<FeaturedTransaction, ModelControl, Score> {

        @Override
        public void initializeState(StateInitializationContext context) throws Exception {
            super.initializeState(context);
            BroadcastState<String, ModelPointerRecord> records =
                    context.getOperatorStateStore()
                            .getBroadcastState(
                                    new MapStateDescriptor<>(
                                            "model-pointer-records",
                                            Types.STRING,
                                            WeirTypes.MODEL_POINTER));
            records.put("champion", ModelPointerState.toRecord(V3));
            records.put("challenger", ModelPointerState.toRecord(V3));
            context.getOperatorStateStore()
                    .getBroadcastState(
                            new MapStateDescriptor<>("model-pointer", Types.STRING, Types.STRING))
                    .put("champion", "fraud\n2\n/registry/fraud/2\n" + SUM_2);
        }

        @Override
        public void processElement1(StreamRecord<FeaturedTransaction> element) {}

        @Override
        public void processElement2(StreamRecord<ModelControl> element) {}
    }
}
