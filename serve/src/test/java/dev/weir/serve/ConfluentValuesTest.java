package dev.weir.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.cli.cluster.SchemaRegistryServer;
import dev.weir.schemas.Decision;
import dev.weir.schemas.Reason;
import dev.weir.schemas.Score;
import dev.weir.schemas.wire.ConfluentFraming;
import dev.weir.schemas.wire.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decisions in Confluent's wire format, as the pipeline writes them with {@code
 * kafka.formats.decisions: confluent}, against a real schema registry (Apicurio, from the jar
 * {@code schema-registry/pom.xml} builds): the writer schema is fetched by the id in the value and
 * the record decodes whole; single-object values still decode through the same serde; an id the
 * registry does not know is refused.
 */
class ConfluentValuesTest {

    private static final Path REGISTRY_JAR =
            Path.of("..", "schema-registry", "target", "schema-registry-runner.jar");

    @TempDir static Path dir;
    private static SchemaRegistryServer registry;

    @BeforeAll
    static void startRegistry() throws Exception {
        assertThat(REGISTRY_JAR)
                .as("the schema registry, built by mvn -f schema-registry/pom.xml package")
                .isRegularFile();
        registry =
                SchemaRegistryServer.start(REGISTRY_JAR, 0, null, dir.resolve("registry.log"))
                        .awaitReady(Duration.ofMinutes(3));
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void decodesBothWireFormatsThroughOneSerde() throws Exception {
        SchemaRegistryClient client = SchemaRegistryClient.create(registry.url(), name -> null);
        int id = client.register("decisions-value", Score.getClassSchema());
        Deserializer<Score> values = ServeTopology.SCORES.topicSerde(client).deserializer();
        Score score = score();

        assertThat(values.deserialize("decisions", confluent(id, score))).isEqualTo(score);
        assertThat(values.deserialize("decisions", ServeTopology.SCORES.encode(score)))
                .isEqualTo(score);
        assertThat(values.deserialize("decisions", null)).isNull();
        assertThatThrownBy(() -> values.deserialize("decisions", confluent(id + 1_000, score)))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Confluent-framed Score");
    }

    private static byte[] confluent(int id, Score score) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ConfluentFraming.header(id));
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new SpecificDatumWriter<>(Score.class).write(score, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static Score score() {
        Instant t = Instant.parse("2026-11-01T00:00:05Z");
        return Score.newBuilder()
                .setTransactionId("t-9")
                .setAccountId("a-9")
                .setMerchantId("m-1")
                .setScore(0.93)
                .setDecision(Decision.DECLINE)
                .setModelName("fraud")
                .setModelVersion("4")
                .setFeatures(List.of(1.0, 2.0))
                .setEventTime(t)
                .setScoringTime(t.plusMillis(7))
                .setReasons(List.of(new Reason("account.amount_sum_1h", 0.25)))
                .build();
    }
}
