package dev.weir.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line reaches a broker that requires a login (SASL/PLAIN) with the pipeline's own
 * {@code kafka.properties.*}, the password given as a Kafka config-provider reference to an
 * environment variable; without them it is refused.
 */
class KafkaConnectionTest {

    /** Set for the tests by surefire (cli/pom.xml): a stand-in for a Kafka password. */
    private static final String PASSWORD_VARIABLE = "WEIR_TEST_KAFKA_PASSWORD";

    private static final String TOPIC = "secured.transactions";

    private static final String PRODUCED = "secured.produced";

    @TempDir static Path dir;

    private static EmbeddedKafka broker;

    @BeforeAll
    static void startASecuredBroker() {
        String password = System.getenv(PASSWORD_VARIABLE);
        assertThat(password)
                .as(PASSWORD_VARIABLE + " (set by surefire in cli/pom.xml)")
                .isNotBlank();
        broker = EmbeddedKafka.startWithSaslPlain(dir.resolve("kafka"), 0, "weir", password);
        broker.createTopics(2, TOPIC, PRODUCED);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void thePipelinesClientPropertiesLogTheCommandLineIn() throws Exception {
        PipelineConfig config = pipeline();
        KafkaConnection kafka = KafkaConnection.of(config);
        assertThat(kafka.clientProperties()).containsEntry("sasl.mechanism", "PLAIN");

        try (KafkaProducer<byte[], byte[]> producer = KafkaClients.byteProducer(kafka)) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(TOPIC, bytes("payment-" + i))).get();
            }
        }
        List<String> read = new ArrayList<>();
        KafkaClients.readToEnd(
                kafka,
                TOPIC,
                Duration.ofMinutes(1),
                r -> read.add(new String(r.value(), StandardCharsets.UTF_8)));
        assertThat(read).hasSize(50).contains("payment-0", "payment-49");
    }

    @Test
    void weirProduceAndConsumeConnectWithThePipelinesSettings() throws Exception {
        pipeline();
        String yaml = dir.resolve("pipeline.yaml").toString();

        String produced =
                weir(
                        "produce",
                        "--config",
                        yaml,
                        "--topic",
                        PRODUCED,
                        "--count",
                        "30",
                        "--rate",
                        "1000",
                        "--bad-share",
                        "0",
                        "--seed",
                        "3");
        assertThat(produced).contains("sent 30 records to " + PRODUCED);
        String consumed =
                weir(
                        "consume",
                        "--config",
                        yaml,
                        "--topic",
                        PRODUCED,
                        "--max",
                        "30",
                        "--idle-timeout",
                        "30s");
        List<String> lines = consumed.lines().toList();
        assertThat(lines).hasSize(30).allSatisfy(l -> assertThat(l).contains("transaction_id"));
        assertThat(lines.stream().distinct()).hasSize(30);
    }

    /** Runs a weir command in this JVM; returns its output, failing on a non-zero exit. */
    private static String weir(String... argv) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code =
                dev.weir.cli.Weir.execute(
                        new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
                        new java.io.PrintStream(err, true, StandardCharsets.UTF_8),
                        System::getenv,
                        argv);
        assertThat(code).as("weir %s: %s", List.of(argv), err).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutTheLoginTheBrokerRefusesTheCommandLine() {
        // The address alone, as the commands connected before; a short wait for the refusal.
        KafkaConnection anonymous =
                new KafkaConnection(
                        broker.bootstrapServers(), Map.of("default.api.timeout.ms", "3000"));
        assertThatThrownBy(
                        () ->
                                KafkaClients.readToEnd(
                                        anonymous, TOPIC, Duration.ofSeconds(10), r -> {}))
                .isInstanceOf(KafkaException.class);
    }

    private static PipelineConfig pipeline() throws Exception {
        Path yaml = dir.resolve("pipeline.yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "kafka:",
                        "  bootstrap-servers: " + broker.bootstrapServers(),
                        "  properties:",
                        "    security.protocol: SASL_PLAINTEXT",
                        "    sasl.mechanism: PLAIN",
                        "    sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule"
                                + " required username=\"weir\" password=\"${env:"
                                + PASSWORD_VARIABLE
                                + "}\";'",
                        "    config.providers: env",
                        "    config.providers.env.class:"
                                + " org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                        "iceberg.warehouse: " + dir.resolve("warehouse"),
                        "model.dir: " + dir.resolve("model"),
                        ""));
        return ConfigLoader.load(yaml, Map.of());
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
