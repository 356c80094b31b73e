package dev.weir.cli.demo;

import dev.weir.cli.FreePorts;
import dev.weir.cli.kafka.KafkaClients;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) inside this JVM, bound to
 * 127.0.0.1. For the demo and for tests; production uses a real cluster.
 *
 * <p>{@code try (EmbeddedKafka kafka = EmbeddedKafka.start(dir, 0)) { kafka.bootstrapServers(); }}
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** The SASL listener's login configuration, which stays out of the properties file. */
    private static final String SASL_JAAS = "listener.name.sasl_plaintext.plain.sasl.jaas.config";

    private final KafkaRaftServer server;
    private final String bootstrap;
    private final Map<String, String> clientProperties;

    private EmbeddedKafka(
            KafkaRaftServer server, String bootstrap, Map<String, String> clientProperties) {
        this.server = server;
        this.bootstrap = bootstrap;
        this.clientProperties = clientProperties;
    }

    /** Formats {@code dir} and starts a broker on {@code port} (0 picks a free one). */
    public static EmbeddedKafka start(Path dir, int port) {
        return start(dir, port, null, null);
    }

    /**
     * A broker whose clients must log in with SASL/PLAIN as {@code user} (on the loopback
     * interface, without TLS): what a secured production broker asks of a client, for tests.
     */
    public static EmbeddedKafka startWithSaslPlain(
            Path dir, int port, String user, String password) {
        return start(dir, port, user, password);
    }

    private static EmbeddedKafka start(Path dir, int port, String user, String password) {
        boolean sasl = user != null;
        String protocol = sasl ? "SASL_PLAINTEXT" : "PLAINTEXT";
        try {
            Files.createDirectories(dir);
            int brokerPort = port == 0 ? FreePorts.next() : port;
            int controllerPort = FreePorts.next();
            Path logs = dir.resolve("logs");
            Properties props = new Properties();
            props.put("process.roles", "broker,controller");
            props.put("node.id", "1");
            props.put(
                    "listeners",
                    protocol
                            + "://127.0.0.1:"
                            + brokerPort
                            + ",CONTROLLER://127.0.0.1:"
                            + controllerPort);
            props.put("advertised.listeners", protocol + "://127.0.0.1:" + brokerPort);
            props.put(
                    "listener.security.protocol.map",
                    protocol + ":" + protocol + ",CONTROLLER:PLAINTEXT");
            props.put("controller.listener.names", "CONTROLLER");
            props.put("inter.broker.listener.name", protocol);
            Map<String, String> client = Map.of();
            if (sasl) {
                String login =
                        "org.apache.kafka.common.security.plain.PlainLoginModule required"
                                + " username=\"%s\" password=\"%s\"".formatted(user, password);
                props.put("sasl.enabled.mechanisms", "PLAIN");
                props.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
                client =
                        Map.of(
                                "security.protocol",
                                protocol,
                                "sasl.mechanism",
                                "PLAIN",
                                "sasl.jaas.config",
                                login + ";");
            }
            props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            props.put("log.dirs", logs.toString());
            props.put("num.partitions", "2");
            props.put("offsets.topic.replication.factor", "1");
            props.put("offsets.topic.num.partitions", "2");
            props.put("transaction.state.log.replication.factor", "1");
            props.put("transaction.state.log.min.isr", "1");
            props.put("transaction.state.log.num.partitions", "2");
            props.put("group.initial.rebalance.delay.ms", "0");
            props.put("auto.create.topics.enable", "false");
            props.put("log.flush.interval.messages", "1000000");
            props.put("share.coordinator.state.topic.replication.factor", "1");
            props.put("share.coordinator.state.topic.min.isr", "1");

            Path propsFile = dir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(propsFile)) {
                props.store(out, "weir embedded broker");
            }
            if (sasl) {
                // The broker's own login and its one user; given to the broker in memory only.
                props.put(
                        SASL_JAAS,
                        client.get("sasl.jaas.config").replace(";", "")
                                + " user_%s=\"%s\";".formatted(user, password));
            }
            if (!Files.exists(logs.resolve("meta.properties"))) {
                PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
                int rc =
                        StorageTool.execute(
                                new String[] {
                                    "format",
                                    "-t",
                                    Uuid.randomUuid().toString(),
                                    "-c",
                                    propsFile.toString()
                                },
                                quiet);
                if (rc != 0) {
                    throw new IllegalStateException(
                            "formatting Kafka storage in " + logs + " failed with " + rc);
                }
            }
            KafkaRaftServer server =
                    new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(server, "127.0.0.1:" + brokerPort, client);
            kafka.awaitReady();
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Kafka in " + dir, e);
        }
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    /** Creates the topics (partitions each) that do not exist yet. */
    public void createTopics(int partitions, String... topics) {
        KafkaClients.createTopics(connection(), partitions, topics);
    }

    /** How a client reaches this broker: its address and, for SASL, the login. */
    public dev.weir.cli.kafka.KafkaConnection connection() {
        return new dev.weir.cli.kafka.KafkaConnection(bootstrap, clientProperties);
    }

    public Admin admin() {
        Map<String, Object> props = new java.util.HashMap<>(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return Admin.create(props);
    }

    private void awaitReady() {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(5, java.util.concurrent.TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException(
                            "Kafka on " + bootstrap + " did not come up", e);
                }
            }
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
