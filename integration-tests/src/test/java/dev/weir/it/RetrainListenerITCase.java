package dev.weir.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.cli.GovernorCommand;
import dev.weir.cli.ModelsCommand;
import dev.weir.models.ModelBundle;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.schemas.ModelCommand;
import dev.weir.schemas.ModelControl;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The other end of the governor's retraining requests, on a real broker and registry: a {@code
 * REQUEST_RETRAIN} command leads to a newly trained version, registered, judged by the to_test
 * gates and made the challenger, and a {@code SET_CHALLENGER} command for running pipelines with
 * its pointer.
 */
class RetrainListenerITCase {

    @TempDir Path dir;

    @Test
    void aRetrainingRequestBecomesARegisteredChallenger() throws Exception {
        String topic = TestEnvironment.uniqueName("control");
        String monitoring = TestEnvironment.uniqueName("monitoring");
        TestEnvironment.kafka().createTopics(1, topic, monitoring);
        String bootstrap = TestEnvironment.kafka().bootstrapServers();
        ModelRegistry registry = new ModelRegistry(dir.resolve("registry"));
        ModelPointer v1 = registry.register(ModelBundle.load(TestEnvironment.model()), null);
        registry.promote(v1.name(), v1.version());
        // The new version must pass the to_test gates before it becomes the challenger.
        Path gates = dir.resolve("gates.yaml");
        java.nio.file.Files.writeString(gates, "to_test:\n  min_auc: 0.5\n");

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
                                            registry.root().toString(),
                                            "--topic",
                                            topic,
                                            "--events",
                                            "4000",
                                            "--gates",
                                            gates.toString(),
                                            "--monitoring-topic",
                                            monitoring
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
            // The listener reads the topic from its beginning: a request sent before its consumer
            // has joined is read all the same.
            ModelsCommand.publish(
                    bootstrap,
                    topic,
                    ModelControl.newBuilder()
                            .setCommand(ModelCommand.REQUEST_RETRAIN)
                            .setModelName(v1.name())
                            .setVersion(v1.version())
                            .setIssuedAt(Instant.now())
                            .setReason("drift in 5 of the last 6 windows")
                            .build());

            AtomicReference<ModelControl> published = new AtomicReference<>();
            Eventually.until(
                    "a challenger published, or the listener failed",
                    Duration.ofMinutes(3),
                    () -> {
                        PipelineITCase.readCommitted(bootstrap, topic, ModelControl.class).stream()
                                .filter(c -> c.getCommand() == ModelCommand.SET_CHALLENGER)
                                .findFirst()
                                .ifPresent(published::set);
                        return published.get() != null || failure.get() != null;
                    });
            ModelControl challenger = published.get();
            assertThat(failure.get()).as(log.toString(StandardCharsets.UTF_8)).isNull();
            assertThat(challenger).as(log.toString(StandardCharsets.UTF_8)).isNotNull();
            assertThat(registry.versions(v1.name())).containsExactly("1", "2");
            assertThat(registry.aliases(v1.name()).champion()).isEqualTo("1");
            assertThat(registry.aliases(v1.name()).challenger()).isEqualTo("2");
            ModelPointer v2 = registry.pointer(v1.name(), "2");
            assertThat(challenger.getVersion()).isEqualTo("2");
            assertThat(challenger.getLocation()).isEqualTo(v2.location());
            assertThat(challenger.getChecksum()).isEqualTo(v2.checksum());
            assertThat(challenger.getReason()).contains("drift in 5 of the last 6 windows");
            // Recorded as a promotion into test, with the gate it passed.
            assertThat(registry.promotions(v1.name()))
                    .singleElement()
                    .satisfies(
                            p -> {
                                assertThat(p.version()).isEqualTo("2");
                                assertThat(p.to()).isEqualTo(dev.weir.gates.Stage.TEST);
                                assertThat(p.gates())
                                        .extracting(dev.weir.gates.GateCheck::gate)
                                        .containsExactly("min_auc");
                            });
            // The registry's checksum check passes: the challenger loads as the pipeline would load
            // it.
            assertThat(ModelRegistry.load(v2).metadata().featureNames())
                    .isEqualTo(ModelBundle.load(TestEnvironment.model()).metadata().featureNames());
            List<ModelControl> all =
                    PipelineITCase.readCommitted(bootstrap, topic, ModelControl.class);
            assertThat(all)
                    .extracting(ModelControl::getCommand)
                    .containsExactly(ModelCommand.REQUEST_RETRAIN, ModelCommand.SET_CHALLENGER);
        } finally {
            stop.set(true);
            listener.join(10_000);
        }
    }
}
