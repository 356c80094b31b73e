package dev.weir.cli;

import static dev.weir.cli.WeirRun.weir;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.demo.EmbeddedKafka;
import dev.weir.cli.kafka.KafkaClients;
import dev.weir.gates.GateCheck;
import dev.weir.gates.Promotion;
import dev.weir.gates.Stage;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import dev.weir.schemas.MonitoringKind;
import dev.weir.schemas.MonitoringRecord;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.message.BinaryMessageDecoder;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weir governor}: the retrain listener's new version passes the to_test gates before it
 * becomes the challenger (on a real registry directory and a real broker), and gates the governor
 * or the listener cannot judge stop them at start.
 */
class GovernorCommandTest {

    private static final String CONTROL = "weir.model-control";
    private static final String MONITORING = "weir.monitoring";
    private static final String REASON = "drift in 5 of the last 6 windows";

    @TempDir Path dir;

    @Test
    void aRetrainedVersionBecomesTheChallengerOnlyPastTheToTestGates() throws Exception {
        String registryRoot = dir.resolve("registry").toString();
        // The pipeline's own feature set, which the listener trains on too.
        Path features = dir.resolve("features.yaml");
        java.nio.file.Files.writeString(
                features,
                dev.weir.jobs.config.FeatureSets.bundledYaml(
                        dev.weir.jobs.config.FeatureSets.DEMO));
        WeirRun v1 =
                weir(
                        "train",
                        "--registry",
                        registryRoot,
                        "--features",
                        features.toString(),
                        "--events",
                        "1000",
                        "--accounts",
                        "100",
                        "--epochs",
                        "1",
                        "--hidden",
                        "4");
        assertThat(v1.code()).as(v1.out() + v1.err()).isZero();
        ModelRegistry registry = new ModelRegistry(registryRoot);
        String name = registry.names().get(0);

        try (EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(1, CONTROL, MONITORING);
            ModelsCommand.publish(
                    bootstrap,
                    CONTROL,
                    ModelControl.newBuilder()
                            .setCommand(ModelCommand.REQUEST_RETRAIN)
                            .setModelName(name)
                            .setVersion("1")
                            .setIssuedAt(Instant.now())
                            .setReason(REASON)
                            .build());

            // No value has a million hold-out rows: the fairness gate has no evidence, and fails.
            Path refusing =
                    gates(
                            "to_test:\n"
                                    + "  fairness: {min_disparate_impact: 0.5, min_group_count:"
                                    + " 1000000}\n");
            String refused = listenUntil(bootstrap, registryRoot, refusing, features, 1);
            assertThat(refused)
                    .contains(name + " v2: construct -> test, 1 gate(s)\n")
                    .contains(
                            "  FAIL fairness.min_disparate_impact: needs >= 0.5000; no evidence: no"
                                    + " segment value with at least 1000000 rows and a figure\n")
                    .contains("refused: 1 gate(s) failed; v2 stays in construct\n")
                    .contains("sent the refusal to " + MONITORING);
            assertThat(registry.versions(name)).containsExactly("1", "2");
            assertThat(registry.stage(name, "2")).isEqualTo(Stage.CONSTRUCT);
            assertThat(registry.aliases(name).challenger()).isNull();
            assertThat(registry.promotions(name)).isEmpty();

            // A listener started anew reads the request again; with gates v3 passes, it is
            // promoted into test.
            Path accepting = gates("to_test:\n  min_auc: 0.0\n");
            String accepted = listenUntil(bootstrap, registryRoot, accepting, features, 2);
            assertThat(accepted)
                    .contains(name + " v3: construct -> test, 1 gate(s)\n")
                    .contains("  PASS min_auc: ")
                    .contains("v3 is the challenger of " + name);
            assertThat(registry.aliases(name))
                    .isEqualTo(new ModelRegistry.Aliases("1", "3", List.of()));
            assertThat(registry.stage(name, "2")).isEqualTo(Stage.CONSTRUCT);
            dev.weir.models.ModelMetadata v3 =
                    ModelRegistry.load(registry.pointer(name, "3")).metadata();
            assertThat(v3.featureNames())
                    .isEqualTo(dev.weir.jobs.config.FeatureSets.demo().vectorNames());
            assertThat(v3.trainingSource()).endsWith(" 3000 events after a warm-up of 60 s");
            double auc = v3.holdoutAuc();
            Promotion promotion = registry.promotions(name).get(0);
            assertThat(registry.promotions(name)).containsExactly(promotion);
            assertThat(promotion)
                    .extracting(
                            Promotion::version,
                            Promotion::from,
                            Promotion::to,
                            Promotion::by,
                            Promotion::forced,
                            Promotion::reason,
                            Promotion::ungated)
                    .containsExactly(
                            "3",
                            Stage.CONSTRUCT,
                            Stage.TEST,
                            "retrain-listener",
                            false,
                            "retrained on request: " + REASON,
                            null);
            assertThat(promotion.gates())
                    .extracting(GateCheck::gate, GateCheck::passed, GateCheck::measured)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("min_auc", true, auc));

            List<ModelControl> commands = read(bootstrap, CONTROL, ModelControl.getDecoder());
            assertThat(commands)
                    .extracting(ModelControl::getCommand, ModelControl::getVersion)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(ModelCommand.REQUEST_RETRAIN, "1"),
                            org.assertj.core.groups.Tuple.tuple(ModelCommand.SET_CHALLENGER, "3"));
            assertThat(commands.get(1).getChecksum())
                    .isEqualTo(registry.pointer(name, "3").checksum());

            List<MonitoringRecord> audit =
                    read(bootstrap, MONITORING, MonitoringRecord.getDecoder());
            assertThat(audit)
                    .extracting(MonitoringRecord::getKind)
                    .containsOnly(MonitoringKind.MODEL);
            assertThat(audit)
                    .extracting(MonitoringRecord::getModelVersion, MonitoringRecord::getNote)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(
                                    "2",
                                    "refused construct -> test by retrain-listener: FAIL"
                                            + " fairness.min_disparate_impact: needs >= 0.5000; no"
                                            + " evidence: no segment value with at least 1000000"
                                            + " rows and a figure (v2 stays in construct):"
                                            + " retrained on request: "
                                            + REASON),
                            org.assertj.core.groups.Tuple.tuple(
                                    "3",
                                    "promotion construct -> test by retrain-listener: retrained on"
                                            + " request: "
                                            + REASON));
            assertThat(audit.get(0).getValues()).isEmpty();
            assertThat(audit.get(0).getThresholds())
                    .containsExactlyEntriesOf(
                            java.util.Map.of("gate.fairness.min_disparate_impact", 0.5));
            assertThat(audit.get(1).getValues()).containsEntry("gate.min_auc", auc);
        }
    }

    @Test
    void gatesTheGovernorOrTheListenerCannotJudgeStopThemAtStart() throws Exception {
        Path batch =
                gates(
                        "to_test:\n  batch_scores: {min_rows: 10}\n"
                                + "to_live:\n  batch_scores: {table: scores_q4, min_rows: 10}\n");
        WeirRun governor =
                weir(
                        "governor",
                        "start",
                        "--gates",
                        batch.toString(),
                        "--dir",
                        dir.resolve("governor").toString(),
                        "--root",
                        dir.toString());
        assertThat(governor.code()).as(governor.out()).isEqualTo(2);
        assertThat(governor.err())
                .contains(
                        "--gates "
                                + batch
                                + ": to_live.batch_scores (table scores_q4) cannot be judged by"
                                + " the governor: it reads no batch scores, so the gate would"
                                + " refuse every promotion; remove to_live.batch_scores from the"
                                + " gates file and start the governor again (weir models promote"
                                + " --to live --gates FILE judges batch scores by hand)");
        assertThat(dir.resolve("governor")).doesNotExist();

        WeirRun listener =
                weir(
                        "governor",
                        "retrain-listener",
                        "--gates",
                        batch.toString(),
                        "--bootstrap",
                        "127.0.0.1:9",
                        "--registry",
                        dir.resolve("registry").toString());
        assertThat(listener.code()).as(listener.out()).isEqualTo(2);
        assertThat(listener.err())
                .contains(
                        "--gates "
                                + batch
                                + ": to_test.batch_scores (table scores_backfill) cannot be"
                                + " judged by the retrain listener");
        assertThat(listener.out()).doesNotContain("waiting for retraining requests");
    }

    /**
     * Runs a retrain listener with {@code gates} until the monitoring topic holds {@code records}
     * records; returns what it printed.
     */
    private String listenUntil(
            String bootstrap, String registry, Path gates, Path features, int records)
            throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Thread listener =
                new Thread(
                        () -> {
                            try {
                                GovernorCommand.retrainListener(
                                        new String[] {
                                            "--bootstrap",
                                            bootstrap,
                                            "--registry",
                                            registry,
                                            "--topic",
                                            CONTROL,
                                            "--events",
                                            "3000",
                                            "--gates",
                                            gates.toString(),
                                            "--features",
                                            features.toString(),
                                            "--warm-up",
                                            "1min"
                                        },
                                        new PrintStream(log, true, StandardCharsets.UTF_8),
                                        stop);
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        },
                        "retrain-listener");
        listener.start();
        try {
            Awaitility.await()
                    .atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () ->
                                    failure.get() != null
                                            || read(
                                                                    bootstrap,
                                                                    MONITORING,
                                                                    MonitoringRecord.getDecoder())
                                                            .size()
                                                    >= records);
        } finally {
            stop.set(true);
            listener.join(30_000);
        }
        String printed = log.toString(StandardCharsets.UTF_8);
        assertThat(failure.get()).as(printed).isNull();
        assertThat(listener.isAlive()).as("the listener stopped").isFalse();
        return printed;
    }

    private Path gates(String yaml) throws IOException {
        Path file = dir.resolve("gates-" + System.nanoTime() + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static <T> List<T> read(String bootstrap, String topic, BinaryMessageDecoder<T> d) {
        List<T> out = new ArrayList<>();
        KafkaClients.readToEnd(
                bootstrap,
                topic,
                Duration.ofSeconds(30),
                record -> {
                    try {
                        out.add(d.decode(record.value()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        return out;
    }
}
