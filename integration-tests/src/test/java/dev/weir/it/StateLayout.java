package dev.weir.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weir.operators.types.BufferedSerializer;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializerSnapshot;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.KeyedBackendSerializationProxy;
import org.apache.flink.runtime.state.KeyedStateHandle;
import org.apache.flink.runtime.state.OperatorBackendSerializationProxy;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.runtime.state.metainfo.StateMetaInfoSnapshot;
import org.apache.flink.util.StringUtils;

/**
 * What a savepoint's restorability depends on, as reviewable text: per operator uid its maximum
 * parallelism, key type and every state by name, with the serializers that wrote them (Avro state
 * with its writer schema). {@link #problemsRestoring} tells whether the job as built now restores
 * state written in an older layout.
 */
final class StateLayout {

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** uid -> {maxParallelism, key, states: {"keyed:name" -> serializers}}. */
    private final ObjectNode operators;

    private StateLayout(ObjectNode operators) {
        this.operators = operators;
    }

    /** Reads the layout of a savepoint written by the heap state backend (canonical format). */
    static StateLayout ofSavepoint(Path savepoint, ClassLoader classLoader) throws IOException {
        CheckpointMetadata metadata;
        try (DataInputStream in =
                new DataInputStream(Files.newInputStream(savepoint.resolve("_metadata")))) {
            metadata = Checkpoints.loadCheckpointMetadata(in, classLoader, savepoint.toString());
        }
        Map<String, ObjectNode> byUid = new TreeMap<>();
        for (OperatorState operator : metadata.getOperatorStates()) {
            String uid = operator.getOperatorUid().orElse("id:" + operator.getOperatorID());
            ObjectNode node = JsonNodeFactory.instance.objectNode();
            node.put("maxParallelism", operator.getMaxParallelism());
            node.put("coordinatorState", operator.getCoordinatorState() != null);
            Map<String, JsonNode> states = new TreeMap<>();
            for (OperatorSubtaskState subtask : operator.getStates()) {
                for (KeyedStateHandle handle : subtask.getManagedKeyedState()) {
                    KeyedBackendSerializationProxy<?> proxy =
                            new KeyedBackendSerializationProxy<>(classLoader);
                    try (InputStream in = ((StreamStateHandle) handle).openInputStream()) {
                        proxy.read(new DataInputViewStreamWrapper(in));
                    }
                    node.set("key", describe(proxy.getKeySerializerSnapshot()));
                    for (StateMetaInfoSnapshot state : proxy.getStateMetaInfoSnapshots()) {
                        states.put("keyed:" + state.getName(), describe(state));
                    }
                }
                for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
                    OperatorBackendSerializationProxy proxy =
                            new OperatorBackendSerializationProxy(classLoader);
                    try (InputStream in = handle.openInputStream()) {
                        proxy.read(new DataInputViewStreamWrapper(in));
                    }
                    for (StateMetaInfoSnapshot state : proxy.getOperatorStateMetaInfoSnapshots()) {
                        states.put("operator:" + state.getName(), describe(state));
                    }
                    for (StateMetaInfoSnapshot state : proxy.getBroadcastStateMetaInfoSnapshots()) {
                        states.put("broadcast:" + state.getName(), describe(state));
                    }
                }
            }
            ObjectNode stateNode = node.putObject("states");
            states.forEach(stateNode::set);
            byUid.put(uid, node);
        }
        ObjectNode operators = JsonNodeFactory.instance.objectNode();
        byUid.forEach(operators::set);
        return new StateLayout(operators);
    }

    static StateLayout read(InputStream json) throws IOException {
        return new StateLayout((ObjectNode) JSON.readTree(json).get("operators"));
    }

    void write(Path file, String release) throws IOException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("release", release);
        root.set("operators", operators);
        Files.createDirectories(file.toAbsolutePath().getParent());
        JSON.writeValue(file.toFile(), root);
    }

    ObjectNode operators() {
        return operators;
    }

    /** The layout as the JSON {@link #read} takes. */
    InputStream json() throws IOException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("operators", operators);
        return new java.io.ByteArrayInputStream(JSON.writeValueAsBytes(root));
    }

    /** A copy with {@code edit} applied to its operators. */
    StateLayout edited(Consumer<ObjectNode> edit) {
        ObjectNode copy = operators.deepCopy();
        edit.accept(copy);
        return new StateLayout(copy);
    }

    /** Every Avro writer schema within a part of a layout. */
    static List<ObjectNode> avroSchemas(JsonNode node) {
        List<ObjectNode> schemas = new ArrayList<>();
        if (node.has("avro")) {
            schemas.add((ObjectNode) node.get("avro"));
        }
        node.elements()
                .forEachRemaining(
                        child -> {
                            if (child.isContainerNode() && child != node.get("avro")) {
                                schemas.addAll(avroSchemas(child));
                            }
                        });
        return schemas;
    }

    /**
     * Why state written in {@code previous}'s layout would not come back into a job with this
     * layout: an operator gone or re-partitioned, a state gone or of another kind, a serializer of
     * another kind, an Avro schema that cannot read the old records. Empty when it restores.
     */
    List<String> problemsRestoring(StateLayout previous) {
        List<String> problems = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = previous.operators.fields();
                it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String uid = entry.getKey();
            JsonNode old = entry.getValue();
            JsonNode now = operators.get(uid);
            if (now == null) {
                // Flink skips a gone operator's empty state ("Skipping empty savepoint state").
                if (old.get("states").size() > 0 || old.get("coordinatorState").asBoolean()) {
                    problems.add("operator " + uid + " is gone: its state cannot be restored");
                }
                continue;
            }
            if (old.get("maxParallelism").asInt() != now.get("maxParallelism").asInt()) {
                problems.add(
                        "operator "
                                + uid
                                + ": maximum parallelism "
                                + old.get("maxParallelism")
                                + " became "
                                + now.get("maxParallelism")
                                + ", so its key groups no longer match");
            }
            if (old.has("key")) {
                compare(uid + " key", old.get("key"), now.get("key"), problems);
            }
            if (old.get("coordinatorState").asBoolean()
                    && !now.get("coordinatorState").asBoolean()) {
                problems.add("operator " + uid + " no longer has the coordinator state it had");
            }
            for (Iterator<Map.Entry<String, JsonNode>> states = old.get("states").fields();
                    states.hasNext(); ) {
                Map.Entry<String, JsonNode> state = states.next();
                JsonNode current = now.get("states").get(state.getKey());
                if (current == null) {
                    problems.add(
                            "operator "
                                    + uid
                                    + ": state "
                                    + state.getKey()
                                    + " is gone, so its values are lost");
                    continue;
                }
                if (!state.getValue().get("type").equals(current.get("type"))) {
                    problems.add(
                            "operator "
                                    + uid
                                    + ": state "
                                    + state.getKey()
                                    + " was "
                                    + state.getValue().get("type")
                                    + " and is now "
                                    + current.get("type"));
                }
                JsonNode serializersNow = current.get("serializers");
                for (Iterator<Map.Entry<String, JsonNode>> serializers =
                                state.getValue().get("serializers").fields();
                        serializers.hasNext(); ) {
                    Map.Entry<String, JsonNode> serializer = serializers.next();
                    compare(
                            uid + " " + state.getKey() + " " + serializer.getKey(),
                            serializer.getValue(),
                            serializersNow.get(serializer.getKey()),
                            problems);
                }
            }
        }
        return problems;
    }

    private static void compare(String where, JsonNode old, JsonNode now, List<String> problems) {
        if (now == null) {
            problems.add(where + ": no longer written");
            return;
        }
        if (!old.get("snapshot").asText().equals(now.get("snapshot").asText())) {
            problems.add(
                    where
                            + ": serializer "
                            + old.get("snapshot").asText()
                            + " became "
                            + now.get("snapshot").asText());
            return;
        }
        if (old.path("buffered").asBoolean() && !now.path("buffered").asBoolean()) {
            // Flink's own serializers do not know the buffered one's snapshot.
            problems.add(
                    where
                            + ": serializer "
                            + old.get("snapshot").asText()
                            + " is no longer buffered (BufferedSerializer)");
            return;
        }
        if (old.has("avro")) {
            Schema writer = new Schema.Parser().parse(old.get("avro").toString());
            Schema reader = new Schema.Parser().parse(now.get("avro").toString());
            SchemaCompatibility.SchemaPairCompatibility result =
                    SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
            if (result.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                problems.add(
                        where
                                + ": Avro schema "
                                + reader.getFullName()
                                + " cannot read the old records: "
                                + result.getDescription());
            }
        }
        JsonNode oldNested = old.get("nested");
        if (oldNested != null) {
            JsonNode nowNested = now.get("nested");
            for (int i = 0; i < oldNested.size(); i++) {
                compare(
                        where + "[" + i + "]",
                        oldNested.get(i),
                        nowNested == null ? null : nowNested.get(i),
                        problems);
            }
        }
    }

    private static ObjectNode describe(StateMetaInfoSnapshot state) {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("type", state.getBackendStateType().name());
        ObjectNode serializers = node.putObject("serializers");
        new TreeMap<>(state.getSerializerSnapshotsImmutable())
                .forEach((key, snapshot) -> serializers.set(key, describe(snapshot)));
        return node;
    }

    private static ObjectNode describe(TypeSerializerSnapshot<?> snapshot) {
        if (snapshot instanceof BufferedSerializer.Snapshot<?> buffered) {
            // The wrapped serializer's bytes, resolved as it resolves (BufferedSerializerTest).
            return describe(buffered.wrapped()).put("buffered", true);
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("snapshot", snapshot.getClass().getName());
        if (snapshot instanceof AvroSerializerSnapshot<?> avro) {
            // The snapshot's own bytes: the record class, then the writer schema.
            try {
                DataOutputSerializer bytes = new DataOutputSerializer(4096);
                avro.writeSnapshot(bytes);
                DataInputDeserializer in = new DataInputDeserializer(bytes.getCopyOfBuffer());
                node.put("avroClass", StringUtils.readString(in));
                node.set("avro", JSON.readTree(StringUtils.readString(in)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        if (snapshot instanceof CompositeTypeSerializerSnapshot<?, ?> composite) {
            ArrayNode nested = node.putArray("nested");
            for (TypeSerializerSnapshot<?> inner : composite.getNestedSerializerSnapshots()) {
                nested.add(describe(inner));
            }
        }
        return node;
    }
}
