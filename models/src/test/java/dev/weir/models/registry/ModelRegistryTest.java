package dev.weir.models.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weir.models.ModelBundle;
import dev.weir.models.Scorer;
import dev.weir.models.Trainer;
import dev.weir.models.TrainerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {

    private static ModelBundle trained;

    @TempDir Path root;

    @BeforeAll
    static void train() {
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

    @Test
    void versionsAreNumberedAndRoundTripWithTheirChecksum() {
        ModelRegistry registry = new ModelRegistry(root);
        ModelPointer v1 = registry.register(trained, null);
        ModelPointer v2 = registry.register(trained, null);
        assertThat(v1.version()).isEqualTo("1");
        assertThat(v2.version()).isEqualTo("2");
        assertThat(registry.versions("m")).containsExactly("1", "2");
        assertThat(registry.names()).containsExactly("m");
        assertThat(registry.pointer("m", "1")).isEqualTo(v1);

        ModelBundle loaded = ModelRegistry.load(v1);
        assertThat(loaded.metadata().version()).isEqualTo("1");
        assertThat(new Scorer(loaded).score(new double[] {1.5}))
                .isEqualTo(new Scorer(trained).score(new double[] {1.5}));
        // The training profile travels with the version and is covered by its checksum.
        assertThat(Files.exists(Path.of(v1.location()).resolve(ModelRegistry.PROFILE_FILE)))
                .isTrue();
        assertThat(loaded.profile()).usingRecursiveComparison().isEqualTo(trained.profile());
    }

    @Test
    void aliasesMoveAndRollBack() {
        ModelRegistry registry = new ModelRegistry(root);
        registry.register(trained, null);
        registry.register(trained, null);
        registry.register(trained, null);
        assertThatThrownBy(() -> registry.champion("m")).hasMessageContaining("no champion");

        registry.promote("m", "1");
        registry.setChallenger("m", "2");
        assertThat(registry.aliases("m")).isEqualTo(new ModelRegistry.Aliases("1", "2", List.of()));
        registry.promote("m", "2");
        assertThat(registry.aliases("m"))
                .isEqualTo(new ModelRegistry.Aliases("2", null, List.of("1")));
        registry.promote("m", "3");
        assertThat(registry.champion("m").version()).isEqualTo("3");
        registry.rollback("m");
        assertThat(registry.aliases("m"))
                .isEqualTo(new ModelRegistry.Aliases("2", null, List.of("1")));
        registry.rollback("m");
        assertThat(registry.champion("m").version()).isEqualTo("1");
        assertThatThrownBy(() -> registry.rollback("m"))
                .hasMessageContaining("no earlier champion");
        assertThatThrownBy(() -> registry.promote("m", "9")).hasMessageContaining("no version 9");
    }

    @Test
    void concurrentPromotionsLeaveConsistentAliases() throws Exception {
        ModelRegistry registry = new ModelRegistry(root);
        for (int i = 0; i < 4; i++) {
            registry.register(trained, null);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String version = String.valueOf(1 + i % 4);
                futures.add(pool.submit(() -> new ModelRegistry(root).promote("m", version)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        ModelRegistry.Aliases aliases = registry.aliases("m");
        assertThat(aliases.champion()).isIn("1", "2", "3", "4");
        // Every promotion but the first pushed the previous champion: no update was lost.
        assertThat(aliases.history().size()).isBetween(10, 39);
    }

    @Test
    void aTamperedVersionIsRefused() throws Exception {
        ModelRegistry registry = new ModelRegistry(root);
        ModelPointer v1 = registry.register(trained, null);
        Path model = Path.of(v1.location()).resolve(ModelBundle.MODEL_FILE);
        byte[] bytes = Files.readAllBytes(model);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(model, bytes);
        assertThatThrownBy(() -> ModelRegistry.load(v1)).hasMessageContaining("fails its checksum");
    }
}
