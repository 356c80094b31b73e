package dev.weir.governor;

import static dev.weir.governor.Fixtures.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.models.ModelBundle;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import dev.weir.models.testing.S3TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The governor's view of a registry on {@code s3://}, written by the models module's registry
 * through Flink's S3 file system plugin onto a real S3 server, and read back the same way.
 */
class FileRegistryS3Test {

    private static final String BUCKET = "weir-models";

    @TempDir static Path serverDir;

    private static S3TestServer s3;
    private static ModelBundle trained;

    private String root;
    private ModelRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3TestServer.start(serverDir, BUCKET);
        // As the server starts: the S3 plugin from FLINK_PLUGINS_DIR (set by surefire to the
        // folder the build copies it to), here with the test server's endpoint.
        GovernorServer.initializeFileSystems(Configuration.fromMap(s3.flinkSettings()));
        trained = train();
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        // Later tests in this JVM get Flink's file systems without this server's settings.
        FileSystem.initialize(new Configuration(), null);
    }

    @BeforeEach
    void newRegistry() {
        root = "s3://" + BUCKET + "/registry-" + UUID.randomUUID();
        registry = new ModelRegistry(root);
    }

    @Test
    void readsTheAliasesAndCompleteVersionsTheRegistryWrote() throws Exception {
        for (int i = 0; i < 3; i++) {
            registry.register(trained, null);
        }
        registry.promote(MODEL, "1");
        registry.promote(MODEL, "2");
        registry.setChallenger(MODEL, "3");
        FileRegistry view = new FileRegistry(root);

        assertThat(view.root()).isEqualTo(root);
        assertThat(view.aliases(MODEL)).isEqualTo(new RegistryView.Aliases("2", "3", List.of("1")));
        for (String version : List.of("1", "2", "3")) {
            ModelPointer written = registry.pointer(MODEL, version);
            assertThat(written.location()).isEqualTo(root + "/" + MODEL + "/" + version);
            assertThat(view.pointer(MODEL, version)).contains(pointer(written));
        }
        assertThat(view.aliases("other")).isEqualTo(new RegistryView.Aliases(null, null, null));
        assertThat(view.pointer("other", "1")).isEmpty();
        assertThat(view.pointer(MODEL, "9")).isEmpty();

        // Read anew each time: a promotion made after the view was built is what it sees next.
        registry.promote(MODEL, "3");
        assertThat(view.aliases(MODEL))
                .isEqualTo(new RegistryView.Aliases("3", null, List.of("1", "2")));
    }

    @Test
    void aVersionIsVisibleOnlyOnceItsChecksumIsWritten() throws Exception {
        registry.register(trained, null);
        FileRegistry view = new FileRegistry(root);
        // A writer that uploaded the network and died before the commit object.
        Path objects = s3.bucketFolder(BUCKET).resolve(root.substring(root.lastIndexOf('/') + 1));
        Path dead = Files.createDirectories(objects.resolve(MODEL).resolve("2"));
        Files.write(dead.resolve(ModelBundle.MODEL_FILE), new byte[] {1, 2, 3});

        assertThat(view.pointer(MODEL, "1")).contains(pointer(registry.pointer(MODEL, "1")));
        assertThat(view.pointer(MODEL, "2")).isEmpty();

        ModelPointer next = registry.register(trained, null);
        assertThat(next.version()).isEqualTo("3");
        assertThat(view.pointer(MODEL, "3")).contains(pointer(next));
        assertThat(view.pointer(MODEL, "2")).isEmpty();
    }

    @Test
    void rollsBackToThePreviousChampionOnS3() {
        registry.register(trained, null);
        registry.register(trained, null);
        registry.promote(MODEL, "1");
        registry.promote(MODEL, "2");
        HealthPolicyEngine engine =
                new HealthPolicyEngine(
                        Policy.DEFAULT, dev.weir.gates.Gates.DEFAULT, new FileRegistry(root));

        HealthState state = new HealthState();
        Optional<HealthPolicyEngine.Decision> decision = Optional.empty();
        for (int w = 0; w < 3; w++) {
            engine.observe(state, Fixtures.drift(w, "2", "f", false));
            decision = engine.observe(state, Fixtures.performance(w, "2", 0.6, 400)).decision();
        }
        assertThat(decision)
                .get()
                .satisfies(
                        d -> {
                            assertThat(d.action()).isEqualTo(HealthPolicyEngine.Action.ROLLBACK);
                            assertThat(d.target()).isEqualTo(pointer(registry.pointer(MODEL, "1")));
                        });
    }

    private static RegistryView.Pointer pointer(ModelPointer p) {
        return new RegistryView.Pointer(p.name(), p.version(), p.location(), p.checksum());
    }

    /** A small model, enough for the registry to hold real files. */
    static ModelBundle train() {
        Random random = new Random(8);
        int n = 1_000;
        double[][] x = new double[n][];
        boolean[] y = new boolean[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = random.nextDouble() < 0.1;
            x[i] = new double[] {(y[i] ? 2 : 0) + random.nextGaussian()};
            t[i] = i;
        }
        return new Trainer(new TrainerConfig(List.of(4), 1, 0.01, 128, 0.2, 1L))
                .train(MODEL, "x", List.of("f"), x, y, t);
    }
}
