package dev.weir.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.operators.decode.DeadLetters;
import dev.weir.operators.decode.DecodeModelControl;
import dev.weir.operators.kafka.RawRecord;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import java.io.InputStream;
import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class DecodeModelControlTest {

    @Test
    void commandsOfTheReleasedAndTheCurrentSchemaBothDecode() throws Exception {
        Schema v1;
        try (InputStream in =
                getClass().getResourceAsStream("/schemas/history/ModelControl-v1.avsc")) {
            v1 = new Schema.Parser().parse(in);
        }
        GenericRecord old = new GenericData.Record(v1);
        old.put(
                "command",
                new GenericData.EnumSymbol(v1.getField("command").schema(), "USE_CHAMPION"));
        old.put("model_name", "fraud");
        old.put("version", "3");
        old.put("issued_at", 1_000L);
        byte[] oldBytes =
                new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old).array();
        ModelControl current =
                ModelControl.newBuilder()
                        .setCommand(ModelCommand.REQUEST_RETRAIN)
                        .setModelName("fraud")
                        .setIssuedAt(Instant.ofEpochMilli(2_000))
                        .build();
        byte[] currentBytes = ModelControl.getEncoder().encode(current).array();

        try (var harness =
                ProcessFunctionTestHarnesses.forProcessFunction(new DecodeModelControl())) {
            harness.processElement(new RawRecord("control", 0, 0, 1_000, oldBytes), 1_000);
            harness.processElement(new RawRecord("control", 0, 1, 2_000, currentBytes), 2_000);
            assertThat(harness.extractOutputValues())
                    .extracting(ModelControl::getCommand, ModelControl::getVersion)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(ModelCommand.USE_CHAMPION, "3"),
                            org.assertj.core.groups.Tuple.tuple(
                                    ModelCommand.REQUEST_RETRAIN, null));
            assertThat(harness.getSideOutput(DeadLetters.TAG)).isNull();
        }
    }
}
