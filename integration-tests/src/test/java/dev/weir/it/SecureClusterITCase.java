package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weir.cli.FreePorts;
import dev.weir.cli.Weir;
import dev.weir.cli.cluster.FlinkClusters;
import dev.weir.cli.cluster.FlinkRest;
import dev.weir.cli.cluster.LocalCluster;
import dev.weir.cli.cluster.SslPasswords;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.cli.synthetic.TransactionGenerator;
import dev.weir.cli.train.TrainCommand;
import dev.weir.jobs.config.ConfigLoader;
import dev.weir.models.TrainerConfig;
import dev.weir.operators.kafka.AvroRecordSerializer;
import dev.weir.schemas.Score;
import dev.weir.schemas.Transaction;
import dev.weir.state.features.FeatureSet;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.net.SSLUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hardened {@code live} configuration on the real cluster processes: key and trust stores made
 * with keytool, the JobManager and TaskManager started as {@code weir cluster start} starts them
 * (TLS inside the cluster and on the REST API with client certificates, no web submission, the
 * passwords only in the processes' environment), the pipeline submitted, saved and stopped through
 * the {@code weir} commands over TLS.
 *
 * <p>A client without a certificate is refused at the handshake, the jar endpoints are not served,
 * and no password is on a process's command line, in a configuration file, in a log file or in any
 * answer of the REST API.
 */
class SecureClusterITCase {

    private static final Path JOB_JAR =
            Path.of("..", "jobs", "target", "weir-jobs-0.1.0-SNAPSHOT-job.jar")
                    .toAbsolutePath()
                    .normalize();
    private static final Path CLI_TARGET =
            Path.of("..", "cli", "target").toAbsolutePath().normalize();
    private static final Path FLINK_CONF = Path.of("..", "flink-conf").toAbsolutePath().normalize();
    private static final Path TEST_LOG = Path.of("target", "test-logs", "integration-tests.log");

    private static final String FEATURES =
            String.join(
                    "\n",
                    "entities:",
                    "  - name: account",
                    "    key: account_id",
                    "    features:",
                    "      - {name: amount_log, aggregation: derived, expression: \"log1p(amount_minor / 100)\"}",
                    "      - {name: txn_count_1h, aggregation: count, window: 1h}",
                    "");

    private static final List<String> TOPICS =
            List.of(
                    "secure.transactions",
                    "secure.scores",
                    "secure.decisions",
                    "secure.dlq",
                    "secure.labels",
                    "secure.monitoring",
                    "secure.control");

    private static final int PAYMENTS = 300;

    @TempDir static Path dir;

    /** The TLS passwords: only in the cluster processes' environment and this test's memory. */
    private static Map<String, String> secrets;

    private static Path flinkConf;
    private static LocalCluster.Layout layout;

    @BeforeAll
    static void startTheClusterWithTheLiveSettings() throws Exception {
        SecureRandom random = new SecureRandom();
        secrets =
                Map.of(
                        SslPasswords.KEYSTORE, password(random),
                        SslPasswords.TRUSTSTORE, password(random));
        Path tls = Files.createDirectories(dir.resolve("tls"));
        for (String name : List.of("internal", "rest")) {
            keyAndTrustStores(tls, name);
        }

        // flink-conf/live/config.yaml as it is, its stores here and its checkpoints on this disk.
        Map<String, String> live =
                new LinkedHashMap<>(
                        ConfigLoader.readYaml(FLINK_CONF.resolve("live").resolve("config.yaml")));
        assertThat(live)
                .containsEntry("web.submit.enable", "false")
                .containsEntry("web.cancel.enable", "false")
                .containsEntry("security.ssl.internal.enabled", "true")
                .containsEntry("security.ssl.rest.enabled", "true")
                .containsEntry("security.ssl.rest.authentication-enabled", "true");
        for (String name : List.of("internal", "rest")) {
            for (String store : List.of("keystore", "truststore")) {
                String key = "security.ssl." + name + "." + store;
                assertThat(live).containsKey(key);
                live.put(key, tls.resolve(name + "." + store + ".p12").toString());
            }
        }
        // This machine's sizes (below) replace live's production memory budget as a whole.
        live.keySet()
                .removeIf(
                        k ->
                                k.startsWith("taskmanager.memory.")
                                        || k.startsWith("jobmanager.memory."));
        live.put("execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
        live.put(
                "execution.checkpointing.savepoint-dir",
                dir.resolve("savepoints").toUri().toString());
        flinkConf = dir.resolve("flink-conf");
        Path liveConf = Files.createDirectories(flinkConf.resolve("live")).resolve("config.yaml");
        new ObjectMapper(new YAMLFactory()).writeValue(liveConf.toFile(), live);

        // The test cluster's sizes (and metrics ports) over the live settings.
        Map<String, String> sizes =
                ConfigLoader.readYaml(FLINK_CONF.resolve("test").resolve("config.yaml"))
                        .entrySet()
                        .stream()
                        .filter(
                                e ->
                                        Stream.of(
                                                        "jobmanager.memory.",
                                                        "taskmanager.memory.",
                                                        "taskmanager.numberOfTaskSlots",
                                                        "env.java.opts.",
                                                        "metrics.reporter.prom.port")
                                                .anyMatch(e.getKey()::startsWith))
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        layout =
                new LocalCluster.Layout(dir.resolve("cluster"), FreePorts.next(), FreePorts.next());
        LocalCluster.start(
                layout,
                liveConf,
                sizes,
                secrets,
                LocalCluster.classpathBeside(JOB_JAR),
                launcherClasspath(),
                FLINK_CONF.resolve("log4j-cluster.properties"));
    }

    @AfterAll
    static void stopCluster() throws IOException {
        if (layout != null) {
            assertThat(LocalCluster.stop(layout.dir()))
                    .as("every process of the cluster was running")
                    .isEqualTo(3);
        }
    }

    @Test
    void theWeirCommandsRunTheJobOverTlsAndNoPasswordLeaks() throws Exception {
        FeatureSet features = FeatureSet.fromYaml(write("features.yaml", FEATURES));
        TrainCommand.train(
                dir.resolve("model"),
                features,
                "secure",
                "1",
                7L,
                2_000,
                50,
                20,
                0.03,
                new TrainerConfig(List.of(8), 1, 0.01, 256, 0.2, 7L));
        Path pipeline =
                write(
                        "pipeline.yaml",
                        String.join(
                                "\n",
                                "kafka:",
                                "  bootstrap-servers: " + layout.bootstrap(),
                                "  topics:",
                                "    transactions: secure.transactions",
                                "    scores: secure.scores",
                                "    decisions: secure.decisions",
                                "    dlq: secure.dlq",
                                "    labels: secure.labels",
                                "    monitoring: secure.monitoring",
                                "    model-control: secure.control",
                                "  transactional-id-prefix: secure",
                                "iceberg:",
                                "  warehouse: " + dir.resolve("warehouse"),
                                "model:",
                                "  dir: " + dir.resolve("model"),
                                "features:",
                                "  definitions: " + dir.resolve("features.yaml"),
                                "pipeline:",
                                "  checkpoint-interval: 1 s",
                                ""));
        Set<String> sent = produce();
        String rest = layout.rest(true);
        List<String> client =
                List.of("--rest", rest, "--env", "live", "--flink-conf", flinkConf.toString());

        String job =
                weir(concat(
                                List.of(
                                        "submit",
                                        "--config",
                                        pipeline.toString(),
                                        "--jar",
                                        JOB_JAR.toString(),
                                        "--parallelism",
                                        "1"),
                                client))
                        .trim();
        assertThat(job).matches("[0-9a-f]{32}");
        List<Score> scores =
                Eventually.committed(
                        layout.bootstrap(),
                        "secure.scores",
                        Score.class,
                        PAYMENTS,
                        Duration.ofMinutes(3));
        assertThat(scores).hasSize(PAYMENTS);
        assertThat(scores.stream().map(Score::getTransactionId).collect(Collectors.toSet()))
                .isEqualTo(sent);

        assertThat(weir(concat(List.of("status"), client)))
                .contains("1 task managers")
                .containsPattern(job + " +RUNNING +weir-pipeline");
        Path savepoint = savepointDir(weir(concat(List.of("savepoint", "--job", job), client)));
        assertThat(savepoint.resolve("_metadata")).isNotEmptyFile();
        Path stopped =
                savepointDir(weir(concat(List.of("savepoint", "--job", job, "--stop"), client)));
        assertThat(stopped.resolve("_metadata")).isNotEmptyFile();
        assertThat(stopped).isNotEqualTo(savepoint);
        Eventually.until(
                "job " + job + " finished after its stop",
                Duration.ofMinutes(1),
                () ->
                        weir(concat(List.of("status"), client))
                                .matches("(?s).*" + job + " +FINISHED.*"));

        // A client without a certificate of its own is refused at the handshake; with one it is
        // answered.
        HttpClient noCertificate = HttpClient.newBuilder().sslContext(trustOnly()).build();
        assertThatThrownBy(() -> get(noCertificate, rest + "/overview"))
                .isInstanceOf(IOException.class);
        Configuration clientSettings =
                FlinkClusters.client(
                        rest,
                        ConfigLoader.readYaml(flinkConf.resolve("live").resolve("config.yaml")),
                        secrets::get);
        SSLContext certificate = SSLUtils.createRestSSLContext(clientSettings, true);
        HttpClient withCertificate = HttpClient.newBuilder().sslContext(certificate).build();
        assertThat(get(withCertificate, rest + "/overview").statusCode()).isEqualTo(200);

        // No web submission: the jar endpoints are not served (an upload is refused before any
        // handler reads it: no handler takes files there).
        FlinkRest flink = new FlinkRest(rest, certificate);
        Path jar = write("tiny.jar", "not a job");
        assertThatThrownBy(() -> flink.uploadJar(jar))
                .hasMessageMatching("(?s)Flink refused POST /jars/upload \\((400|403|404)\\).*");
        assertThat(get(withCertificate, rest + "/jars").statusCode()).isEqualTo(404);
        assertThat(
                        withCertificate
                                .send(
                                        HttpRequest.newBuilder(
                                                        URI.create(rest + "/jars/tiny.jar/run"))
                                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                                .header("Content-Type", "application/json")
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode())
                .isEqualTo(404);

        // The dashboard offers neither upload nor cancel.
        JsonNode dashboard = flink.get("/config").path("features");
        assertThat(dashboard.path("web-submit").asBoolean(true)).isFalse();
        assertThat(dashboard.path("web-cancel").asBoolean(true)).isFalse();

        // Flink had the passwords (its configuration lists the keys) and shows none of them.
        JsonNode config = flink.get("/jobmanager/config");
        assertThat(config.toString())
                .contains("security.ssl.rest.keystore-password")
                .contains("security.ssl.internal.truststore-password");
        String taskManager =
                flink.get("/taskmanagers").path("taskmanagers").get(0).path("id").asText();
        List<String> answers = new ArrayList<>();
        for (String path :
                List.of(
                        "/config",
                        "/overview",
                        "/jobmanager/config",
                        "/jobmanager/environment",
                        "/jobmanager/logs",
                        "/jobmanager/log",
                        "/jobmanager/stdout",
                        "/jobs/overview",
                        "/jobs/" + job,
                        "/jobs/" + job + "/config",
                        "/jobs/" + job + "/jobmanager/config",
                        "/jobs/" + job + "/exceptions",
                        "/taskmanagers",
                        "/taskmanagers/" + taskManager,
                        "/taskmanagers/" + taskManager + "/logs",
                        "/taskmanagers/" + taskManager + "/log",
                        "/taskmanagers/" + taskManager + "/stdout")) {
            HttpResponse<String> answer = get(withCertificate, rest + path);
            assertThat(answer.statusCode()).as(path).isEqualTo(200);
            answers.add(path + " " + answer.body());
        }
        for (String answer : answers) {
            assertNoPassword(answer, answer.substring(0, answer.indexOf(' ')));
        }

        // Nor does any log line, written configuration, command line or command's output.
        String jobManagerLog = Files.readString(layout.logs().resolve("jobmanager.log"));
        assertThat(jobManagerLog)
                .as("Flink logs its dynamic properties, masked")
                .contains("security.ssl.rest.keystore-password, ******");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> logs = Files.walk(layout.logs());
                Stream<Path> conf = Files.walk(layout.conf())) {
            Stream.concat(logs, conf).filter(Files::isRegularFile).forEach(files::add);
        }
        files.add(TEST_LOG);
        files.add(flinkConf.resolve("live").resolve("config.yaml"));
        assertThat(files)
                .extracting(f -> f.getFileName().toString())
                .contains("jobmanager.log", "taskmanager.log", "config.yaml");
        for (Path file : files) {
            assertNoPassword(
                    new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1),
                    file.toString());
        }
        for (String line : Files.readAllLines(layout.pids())) {
            // "<pid> <role>", as weir cluster start records its processes.
            Path cmdline = Path.of("/proc", line.trim().split("\\s+")[0], "cmdline");
            assertThat(cmdline).exists();
            assertNoPassword(
                    Files.readString(cmdline, StandardCharsets.ISO_8859_1), cmdline.toString());
        }
    }

    /**
     * Runs a weir command in this JVM with the passwords as its environment; returns its output.
     */
    private static String weir(List<String> argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                Weir.execute(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        variable ->
                                secrets.containsKey(variable)
                                        ? secrets.get(variable)
                                        : System.getenv(variable),
                        argv.toArray(String[]::new));
        String output = out.toString(StandardCharsets.UTF_8);
        String errors = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as("weir %s: %s", argv, errors).isZero();
        assertNoPassword(output + errors, "the output of weir " + argv);
        return output;
    }

    private static void assertNoPassword(String text, String where) {
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            assertThat(text.contains(secret.getValue()))
                    .as("%s holds the password of %s", where, secret.getKey())
                    .isFalse();
        }
    }

    /**
     * A key pair and a trust store holding its certificate, as the README makes them; the passwords
     * reach keytool through its environment.
     */
    private static void keyAndTrustStores(Path tls, String name) throws Exception {
        String alias = "weir-" + name;
        List<String> pair =
                new ArrayList<>(
                        List.of(
                                "-genkeypair",
                                "-alias",
                                alias,
                                "-keyalg",
                                "RSA",
                                "-keysize",
                                "2048",
                                "-validity",
                                "365",
                                "-storetype",
                                "PKCS12"));
        pair.addAll(
                name.equals("rest")
                        ? List.of(
                                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1")
                        : List.of("-dname", "CN=weir-internal"));
        pair.addAll(keystore(tls, name));
        keytool(tls, pair);
        keytool(
                tls,
                concat(
                        List.of("-exportcert", "-alias", alias, "-rfc", "-file", name + ".cer"),
                        keystore(tls, name)));
        keytool(
                tls,
                List.of(
                        "-importcert",
                        "-noprompt",
                        "-alias",
                        alias,
                        "-file",
                        name + ".cer",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        name + ".truststore.p12",
                        "-storepass:env",
                        SslPasswords.TRUSTSTORE));
    }

    private static List<String> keystore(Path tls, String name) {
        return List.of(
                "-keystore", name + ".keystore.p12", "-storepass:env", SslPasswords.KEYSTORE);
    }

    private static void keytool(Path tls, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(tls.toFile()).redirectErrorStream(true);
        builder.environment().putAll(secrets);
        Process keytool = builder.start();
        String output;
        try (InputStream in = keytool.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(keytool.waitFor()).as("keytool %s: %s", args, output).isZero();
    }

    /** Trusts the cluster's REST certificate, and has no certificate of its own to show. */
    private static SSLContext trustOnly() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in =
                Files.newInputStream(dir.resolve("tls").resolve("rest.truststore.p12"))) {
            trusted.load(in, secrets.get(SslPasswords.TRUSTSTORE).toCharArray());
        }
        TrustManagerFactory trust =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static HttpResponse<String> get(HttpClient http, String url)
            throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Path savepointDir(String printed) {
        return Path.of(URI.create(printed.trim()));
    }

    /** A few hundred payments over two partitions; returns their transaction ids. */
    private static Set<String> produce() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", layout.bootstrap()))) {
            admin.createTopics(TOPICS.stream().map(t -> new NewTopic(t, 2, (short) 1)).toList())
                    .all()
                    .get();
        }
        BinaryMessageEncoder<Transaction> encoder =
                AvroRecordSerializer.encoderFor(Transaction.class);
        TransactionGenerator generator = new TransactionGenerator(11L, 12L, 20, 0.03);
        long start = System.currentTimeMillis() - 10 * 60_000L;
        Set<String> sent = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer =
                KafkaClients.byteProducer(layout.bootstrap())) {
            for (int i = 0; i < PAYMENTS; i++) {
                long time = start + i * 1_000L;
                Transaction txn = generator.next(time).transaction();
                producer.send(
                        new ProducerRecord<>(
                                "secure.transactions",
                                null,
                                time,
                                txn.getAccountId().getBytes(StandardCharsets.UTF_8),
                                encoder.encode(txn).array()));
                sent.add(txn.getTransactionId());
            }
            producer.flush();
        }
        return sent;
    }

    private static Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    private static String password(SecureRandom random) {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The weir launcher's class path, which the Kafka process runs from. */
    private static String launcherClasspath() throws IOException {
        return String.join(
                File.pathSeparator,
                CLI_TARGET.resolve("weir-cli-0.1.0-SNAPSHOT.jar").toString(),
                JOB_JAR.toString(),
                Files.readString(CLI_TARGET.resolve("provided-classpath.txt")).trim());
    }
}
