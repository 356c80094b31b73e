package dev.weir.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.models.ModelLineage.GateResult;
import dev.weir.models.registry.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata's lineage section: stamped at training, completed at registration, optional. */
class ModelLineageTest {

    private static ModelBundle trained;

    @TempDir Path dir;

    @BeforeAll
    static void train() {
        Random random = new Random(4);
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
    void trainingStampsTheCodeVersionOfThisBuild() {
        ModelLineage lineage = trained.metadata().lineage();
        assertThat(lineage.codeVersion()).isEqualTo(CodeVersion.current()).isNotBlank();
        assertThat(lineage.parent()).isNull();
        assertThat(lineage.gates()).isEmpty();
    }

    @Test
    void theBuildStampedTheCommitIdOrUnknownWithoutGit() {
        boolean inCheckout = false;
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            inCheckout |= Files.exists(d.resolve(".git"));
        }
        if (inCheckout) {
            assertThat(CodeVersion.current()).matches("[0-9a-f]{40}(-dirty)?");
        } else {
            assertThat(CodeVersion.current()).isEqualTo(CodeVersion.UNKNOWN);
        }
    }

    @Test
    void codeVersionFromTheStampedProperties() {
        Properties clean = new Properties();
        clean.setProperty("git.commit.id.full", "0123456789abcdef0123456789abcdef01234567");
        clean.setProperty("git.dirty", "false");
        assertThat(CodeVersion.of(clean)).isEqualTo("0123456789abcdef0123456789abcdef01234567");
        Properties dirty = new Properties();
        dirty.putAll(clean);
        dirty.setProperty("git.dirty", "true");
        assertThat(CodeVersion.of(dirty))
                .isEqualTo("0123456789abcdef0123456789abcdef01234567-dirty");
        assertThat(CodeVersion.of(new Properties())).isEqualTo(CodeVersion.UNKNOWN);
    }

    @Test
    void theSectionRoundTripsWithEveryField() throws Exception {
        ModelLineage full =
                new ModelLineage(
                        "0123456789abcdef0123456789abcdef01234567",
                        "5e1f00d",
                        "/etc/weir/features.yaml",
                        "3",
                        List.of(
                                new GateResult(
                                        "min-auc", true, "0.91 >= 0.85", "2026-01-02T03:04:05Z")));
        trained.withMetadata(trained.metadata().withLineage(full)).save(dir);
        assertThat(Files.readString(dir.resolve(ModelBundle.METADATA_FILE)))
                .contains("\"lineage\"")
                .contains("\"featureSetVersion\" : \"5e1f00d\"");
        assertThat(ModelBundle.readMetadata(dir).lineage()).isEqualTo(full);
    }

    @Test
    void metadataWithoutTheSectionStillLoads() throws Exception {
        trained.withMetadata(trained.metadata().withLineage(null)).save(dir);
        String json = Files.readString(dir.resolve(ModelBundle.METADATA_FILE));
        // As written before the section existed: no key at all.
        String before = json.replaceAll(",\\s*\"lineage\" : null", "");
        assertThat(before).doesNotContain("lineage");
        Files.writeString(dir.resolve(ModelBundle.METADATA_FILE), before);

        ModelMetadata old = ModelBundle.readMetadata(dir);
        assertThat(old.lineage()).isNull();
        assertThat(old.threshold()).isEqualTo(trained.metadata().threshold());
        assertThat(ModelBundle.load(dir).metadata().featureNames()).containsExactly("f");
    }

    @Test
    void aSectionWithoutGatesLoadsWithNone() throws Exception {
        trained.save(dir);
        String json = Files.readString(dir.resolve(ModelBundle.METADATA_FILE));
        String withoutGates = json.replaceAll(",\\s*\"gates\" : \\[\\s*\\]", "");
        assertThat(withoutGates).doesNotContain("gates").contains("codeVersion");
        Files.writeString(dir.resolve(ModelBundle.METADATA_FILE), withoutGates);
        assertThat(ModelBundle.readMetadata(dir).lineage().gates()).isEmpty();
    }

    @Test
    void registrationRecordsTheChampionOfTheMomentAsParent() {
        ModelRegistry registry = new ModelRegistry(dir.resolve("registry"));
        registry.register(trained, null);
        // No champion yet: no parent.
        assertThat(lineageOf(registry, "1").parent()).isNull();
        registry.promote("m", "1");
        registry.register(trained, null);
        registry.register(trained, null);
        assertThat(lineageOf(registry, "2").parent()).isEqualTo("1");
        assertThat(lineageOf(registry, "3").parent()).isEqualTo("1");
        registry.promote("m", "3");
        registry.register(trained.withMetadata(trained.metadata().withLineage(null)), null);
        // A bundle without a lineage section gets one holding only the parent.
        ModelLineage fourth = lineageOf(registry, "4");
        assertThat(fourth.parent()).isEqualTo("3");
        assertThat(fourth.codeVersion()).isNull();
        // The code version stamped at training is kept.
        assertThat(lineageOf(registry, "2").codeVersion()).isEqualTo(CodeVersion.current());
    }

    private static ModelLineage lineageOf(ModelRegistry registry, String version) {
        return ModelRegistry.load(registry.pointer("m", version)).metadata().lineage();
    }
}
