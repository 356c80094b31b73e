package dev.weir.jobs.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.jobs.config.ConfigLoader;
import dev.weir.jobs.config.PipelineConfig;
import dev.weir.operators.iceberg.WeirTables;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.SinkTransformation;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kafka.properties.*} reach every Kafka source and sink of the pipeline; a secret given as
 * {@code ${env:VARIABLE}} travels as that reference, is resolved by the Kafka client where it runs,
 * and shows in no log line.
 */
class KafkaClientPropertiesTest {

    /** Set for the tests by surefire (jobs/pom.xml): a stand-in for a Kafka password. */
    private static final String PASSWORD_VARIABLE = "WEIR_TEST_KAFKA_PASSWORD";

    private static final String JAAS =
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"weir\""
                    + " password=\"${env:"
                    + PASSWORD_VARIABLE
                    + "}\";";

    @TempDir Path dir;

    private final List<String> logLines = new CopyOnWriteArrayList<>();
    private LoggerConfig root;
    private Level rootLevel;
    private AbstractAppender capture;

    @BeforeEach
    void captureEveryLogLine() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        capture =
                new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
                    @Override
                    public void append(LogEvent event) {
                        String line = event.getMessage().getFormattedMessage();
                        if (event.getThrown() != null) {
                            line += " " + event.getThrown();
                        }
                        logLines.add(line);
                    }
                };
        capture.start();
        root = context.getConfiguration().getRootLogger();
        rootLevel = root.getLevel();
        root.addAppender(capture, Level.ALL, null);
        root.setLevel(Level.INFO);
        context.updateLoggers();
    }

    @AfterEach
    void stopCapturing() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        root.removeAppender(capture.getName());
        root.setLevel(rootLevel);
        context.updateLoggers();
        capture.stop();
    }

    @Test
    void theyReachEverySourceAndSinkAndTheSecretIsResolvedByKafkaAndNeverLogged() throws Exception {
        String secret = System.getenv(PASSWORD_VARIABLE);
        assertThat(secret)
                .as(PASSWORD_VARIABLE + " (set by surefire in jobs/pom.xml)")
                .isNotBlank();
        Path yaml = dir.resolve("pipeline.yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "kafka:",
                        "  bootstrap-servers: 127.0.0.1:9",
                        "  properties:",
                        "    security.protocol: SASL_SSL",
                        "    sasl.mechanism: PLAIN",
                        "    sasl.jaas.config: '" + JAAS + "'",
                        "    config.providers: env",
                        "    config.providers.env.class:"
                                + " org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                        "    client.dns.lookup: resolve_canonical_bootstrap_servers_only",
                        "iceberg.warehouse: " + dir.resolve("warehouse"),
                        "model.dir: " + dir.resolve("model"),
                        ""));
        // An entry given with --set wins over the file's, as every other setting does.
        PipelineConfig config =
                ConfigLoader.load(
                        yaml, Map.of("kafka.properties.client.dns.lookup", "use_all_dns_ips"));
        Map<String, String> expected =
                Map.of(
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", "PLAIN",
                        "sasl.jaas.config", JAAS,
                        "config.providers", "env",
                        "config.providers.env.class",
                                "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                        "client.dns.lookup", "use_all_dns_ips");
        assertThat(config.kafkaProperties()).isEqualTo(expected);

        var catalog = Catalogs.loader(config);
        WeirTables.ensure(catalog.loadCatalog(), config.namespace());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        PipelineWorkflow.define(
                env,
                config,
                PipelineSources.kafka(config, false),
                new KafkaIcebergSinks(config, catalog));

        List<Properties> sources = new ArrayList<>();
        List<Properties> sinks = new ArrayList<>();
        for (Transformation<?> sink : env.getTransformations()) {
            for (Transformation<?> t : sink.getTransitivePredecessors()) {
                if (t instanceof SourceTransformation<?, ?, ?> source
                        && source.getSource() instanceof KafkaSource<?> kafka
                        && sources.stream().noneMatch(p -> p.equals(sourceProperties(kafka)))) {
                    sources.add(sourceProperties(kafka));
                }
                if (t instanceof SinkTransformation<?, ?> s
                        && s.getSink() instanceof KafkaSink<?> kafka) {
                    sinks.add(sinkProperties(kafka));
                }
            }
        }
        // Transactions, labels and model control; scores, decisions, entity features, dead
        // letters, monitoring.
        assertThat(sources).hasSize(3);
        assertThat(sinks).hasSize(5);
        // kafka.producer.buffer-memory, not Kafka's 32 MB, on every producer but the entity
        // features' (1 MB of small records).
        assertThat(sinks)
                .filteredOn(sink -> !"1048576".equals(sink.get("buffer.memory")))
                .hasSize(4)
                .allSatisfy(sink -> assertThat(sink).containsEntry("buffer.memory", "4194304"));
        for (Properties client : concat(sources, sinks)) {
            assertThat(client).containsAllEntriesOf(expected);
            assertThat(client).containsEntry("bootstrap.servers", "127.0.0.1:9");
            // The job carries the reference, never the secret.
            assertThat(client.toString()).doesNotContain(secret);
        }

        // Kafka resolves the reference where its client is configured ...
        Properties consumer = sources.get(0);
        Properties producer = sinks.get(0);
        assertThat(new ConsumerConfig(consumer).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value())
                .contains("password=\"" + secret + "\"");
        assertThat(new ProducerConfig(producer).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value())
                .contains("password=\"" + secret + "\"");
        // ... and real clients built from these properties log their configuration without it.
        new KafkaConsumer<byte[], byte[]>(consumer).close();
        new KafkaProducer<byte[], byte[]>(producer).close();

        assertThat(logLines)
                .as("Kafka logged its client configuration")
                .anySatisfy(line -> assertThat(line).contains("sasl.jaas.config = [hidden]"));
        assertThat(logLines).noneSatisfy(line -> assertThat(line).contains(secret));
    }

    @Test
    void keysThePipelineSetsAndSecretsAsTextAreRefusedWithoutShowingTheValue() {
        String literal = "literal-secret-value";
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap-servers", "127.0.0.1:9");
        settings.put("iceberg.warehouse", dir.resolve("warehouse").toString());
        settings.put("model.dir", dir.resolve("model").toString());
        settings.put("kafka.properties.bootstrap.servers", "elsewhere:9092");
        settings.put("kafka.properties.isolation.level", "read_uncommitted");
        settings.put("kafka.properties.ssl.keystore.password", literal);
        settings.put(
                "kafka.properties.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"weir\""
                        + " password = \""
                        + literal
                        + "\";");

        assertThatThrownBy(() -> PipelineConfig.from(settings))
                .hasMessageContaining(
                        "kafka.properties.bootstrap.servers is set by the pipeline itself from"
                                + " kafka.bootstrap-servers")
                .hasMessageContaining("kafka.properties.isolation.level is set by the pipeline")
                .hasMessageContaining(
                        "kafka.properties.ssl.keystore.password holds a secret as text")
                .hasMessageContaining("kafka.properties.sasl.jaas.config holds a secret as text")
                .hasMessageNotContaining(literal);

        // The whole map under its own key would hide the entries given by key: refused, unshown.
        Map<String, String> whole = new HashMap<>(settings);
        whole.keySet().removeIf(k -> k.startsWith("kafka.properties."));
        whole.put("kafka.properties", "'ssl.key.password':'" + literal + "'");
        assertThatThrownBy(() -> PipelineConfig.from(whole))
                .hasMessageContaining(
                        "kafka.properties takes its entries as keys (kafka.properties.KEY: VALUE)")
                .hasMessageNotContaining(literal);

        // References pass, Kerberos (a key tab, no password) too.
        Map<String, String> references = new HashMap<>(whole);
        references.remove("kafka.properties");
        references.put("kafka.properties.ssl.keystore.password", "${env:KEYSTORE_PASSWORD}");
        references.put("kafka.properties.sasl.jaas.config", JAAS);
        assertThat(PipelineConfig.from(references).kafkaProperties()).hasSize(2);
        references.put(
                "kafka.properties.sasl.jaas.config",
                "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true"
                        + " keyTab=\"/etc/weir/weir.keytab\" principal=\"weir@EXAMPLE.COM\";");
        assertThat(PipelineConfig.from(references).kafkaProperties()).hasSize(2);
    }

    private static Properties sourceProperties(KafkaSource<?> source) {
        // KafkaSource keeps its client properties to itself; getConfiguration is its test view.
        org.apache.flink.configuration.Configuration conf =
                invoke(KafkaSource.class, "getConfiguration", source);
        Properties properties = new Properties();
        properties.putAll(conf.toMap());
        return properties;
    }

    private static Properties sinkProperties(KafkaSink<?> sink) {
        return invoke(KafkaSink.class, "getKafkaProducerConfig", sink);
    }

    @SuppressWarnings("unchecked")
    private static <T> T invoke(Class<?> type, String method, Object target) {
        try {
            Method getter = type.getDeclaredMethod(method);
            getter.setAccessible(true);
            return (T) getter.invoke(target);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read the client properties of " + type, e);
        }
    }

    private static List<Properties> concat(List<Properties> a, List<Properties> b) {
        List<Properties> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
