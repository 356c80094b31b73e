package dev.weir.models.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.models.ModelBundle;
import dev.weir.models.Scorer;
import dev.weir.models.Storage;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import dev.weir.models.testing.S3TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry on {@code s3://}, through Flink's S3 file system plugin, against a real S3 server:
 * what it writes are objects in the server's bucket, and what it reads comes back from there.
 */
class ModelRegistryS3Test {

    private static final String BUCKET = "weir-models";

    @TempDir static Path serverDir;

    private static S3TestServer s3;
    private static ModelBundle trained;

    private String prefix;
    private ModelRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3TestServer.start(serverDir, BUCKET);
        S3TestServer.initializeFlinkFileSystems(Configuration.fromMap(s3.flinkSettings()));
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
        trained =
                new Trainer(new TrainerConfig(List.of(4), 1, 0.01, 128, 0.2, 1L))
                        .train("m", "x", List.of("f"), x, y, t);
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
        prefix = "registry-" + UUID.randomUUID();
        registry = new ModelRegistry("s3://" + BUCKET + "/" + prefix);
    }

    @Test
    void versionsAreObjectsInTheBucketAndLoadBackAgainstTheirChecksum() throws Exception {
        ModelPointer v1 = registry.register(trained, null);
        // The same profile, written without indentation: other bytes, another checksum.
        ModelPointer v2 =
                registry.register(
                        trained,
                        new com.fasterxml.jackson.databind.ObjectMapper()
                                .writeValueAsString(trained.profile()));

        assertThat(v1.location()).isEqualTo("s3://" + BUCKET + "/" + prefix + "/m/1");
        assertThat(registry.root()).isEqualTo("s3://" + BUCKET + "/" + prefix);
        assertThat(registry.names()).containsExactly("m");
        assertThat(registry.versions("m")).containsExactly("1", "2");
        assertThat(registry.pointer("m", "1")).isEqualTo(v1);
        // Written through the S3 API: the server holds them as objects of the bucket.
        Path objects = s3.bucketFolder(BUCKET).resolve(prefix).resolve("m").resolve("1");
        assertThat(objects.resolve(ModelRegistry.CHECKSUM_FILE)).hasContent(v1.checksum());
        assertThat(objects.resolve(ModelBundle.MODEL_FILE)).isNotEmptyFile();
        assertThat(objects.resolve(ModelRegistry.PROFILE_FILE)).isNotEmptyFile();

        ModelBundle loaded = ModelRegistry.load(v1);
        assertThat(loaded.metadata().version()).isEqualTo("1");
        assertThat(new Scorer(loaded).score(new double[] {1.5}))
                .isEqualTo(new Scorer(trained).score(new double[] {1.5}));
        assertThat(loaded.profile()).usingRecursiveComparison().isEqualTo(trained.profile());
        // The explicit profile replaced the trained one and is covered by the checksum.
        assertThat(v2.checksum()).isNotEqualTo(v1.checksum());
        assertThat(ModelRegistry.load(v2).metadata().version()).isEqualTo("2");
    }

    @Test
    void aliasesMoveAndRollBack() {
        registry.register(trained, null);
        registry.register(trained, null);
        registry.register(trained, null);
        assertThatThrownBy(() -> registry.champion("m")).hasMessageContaining("no champion");

        registry.promote("m", "1");
        registry.setChallenger("m", "2");
        assertThat(registry.aliases("m")).isEqualTo(new ModelRegistry.Aliases("1", "2", List.of()));
        registry.promote("m", "2");
        registry.promote("m", "3");
        // Another registry object, as another process would read it.
        ModelRegistry reader = new ModelRegistry("s3://" + BUCKET + "/" + prefix);
        assertThat(reader.aliases("m"))
                .isEqualTo(new ModelRegistry.Aliases("3", null, List.of("1", "2")));
        assertThat(reader.champion("m").location()).endsWith("/m/3");
        registry.rollback("m");
        assertThat(reader.champion("m").version()).isEqualTo("2");
        assertThatThrownBy(() -> registry.promote("m", "9")).hasMessageContaining("no version 9");
    }

    @Test
    void aVersionWithoutItsChecksumIsNotThereAndItsNumberIsSkipped() throws Exception {
        registry.register(trained, null);
        // A writer that died after uploading the network, before the commit object.
        Path dead =
                Files.createDirectories(
                        s3.bucketFolder(BUCKET).resolve(prefix).resolve("m").resolve("2"));
        Files.write(dead.resolve(ModelBundle.MODEL_FILE), new byte[] {1, 2, 3});

        assertThat(registry.versions("m")).containsExactly("1");
        assertThatThrownBy(() -> registry.pointer("m", "2")).hasMessageContaining("no version 2");
        assertThat(registry.register(trained, null).version()).isEqualTo("3");
        assertThat(registry.versions("m")).containsExactly("1", "3");
    }

    @Test
    void aTamperedVersionIsRefused() throws Exception {
        ModelPointer v1 = registry.register(trained, null);
        Path model =
                s3.bucketFolder(BUCKET)
                        .resolve(prefix)
                        .resolve("m")
                        .resolve("1")
                        .resolve(ModelBundle.MODEL_FILE);
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(model, bytes);
        assertThatThrownBy(() -> ModelRegistry.load(v1)).hasMessageContaining("fails its checksum");
    }

    @Test
    void concurrentPromotionsInOneProcessLoseNoUpdate() throws Exception {
        for (int i = 0; i < 4; i++) {
            registry.register(trained, null);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int v = 1; v <= 4; v++) {
                String version = String.valueOf(v);
                futures.add(
                        pool.submit(
                                () ->
                                        new ModelRegistry("s3://" + BUCKET + "/" + prefix)
                                                .promote("m", version)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        // Each version promoted once: every promotion after the first pushed the champion it
        // replaced, so a lost update would shorten the history.
        ModelRegistry.Aliases aliases = registry.aliases("m");
        List<String> all = new ArrayList<>(aliases.history());
        all.add(aliases.champion());
        assertThat(all).containsExactlyInAnyOrder("1", "2", "3", "4");
    }

    @Test
    void aModelDirectoryOnS3() {
        var dir = Storage.path("s3://" + BUCKET + "/" + prefix + "/plain");
        assertThat(ModelBundle.exists(dir)).isFalse();
        trained.save(dir);
        assertThat(ModelBundle.exists(dir)).isTrue();
        assertThat(ModelBundle.readMetadata(dir).name()).isEqualTo("m");
        assertThat(ModelBundle.loadProfile(dir))
                .usingRecursiveComparison()
                .isEqualTo(trained.profile());
        assertThat(new Scorer(ModelBundle.load(dir)).score(new double[] {0.5}))
                .isEqualTo(new Scorer(trained).score(new double[] {0.5}));
    }
}
