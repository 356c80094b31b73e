package dev.weir.governor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weir.models.ModelBundle;
import dev.weir.models.registry.ModelPointer;
import dev.weir.models.registry.ModelRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileRegistryTest {

    @TempDir Path root;

    @Test
    void readsAliasesAndCompleteVersionsOnly() throws Exception {
        Path m = Files.createDirectories(root.resolve("m"));
        Files.createDirectories(m.resolve("1"));
        Files.writeString(m.resolve("1").resolve("CHECKSUM"), "aa\n");
        Files.createDirectories(m.resolve("2")); // no CHECKSUM yet: incomplete
        Files.writeString(
                m.resolve("aliases.json"),
                "{\"champion\":\"2\",\"challenger\":\"3\",\"history\":[\"1\"],\"extra\":1}");
        FileRegistry r = new FileRegistry(root);
        assertThat(r.aliases("m")).isEqualTo(new RegistryView.Aliases("2", "3", List.of("1")));
        assertThat(r.aliases("none")).isEqualTo(new RegistryView.Aliases(null, null, List.of()));
        assertThat(r.pointer("m", "1"))
                .contains(
                        new RegistryView.Pointer(
                                "m", "1", m.resolve("1").toAbsolutePath().toString(), "aa"));
        assertThat(r.pointer("m", "2")).isEmpty();
        assertThat(r.pointer("m", "../m/1")).isEmpty();
        assertThat(r.pointer("../" + root.getFileName() + "/m", "1")).isEmpty();
        assertThat(r.aliases("../" + root.getFileName() + "/m"))
                .isEqualTo(new RegistryView.Aliases(null, null, List.of()));
    }

    @Test
    void aLocationStringIsALocalPathOrAFileUri() throws Exception {
        Path v1 = Files.createDirectories(root.resolve("m").resolve("1"));
        Files.writeString(v1.resolve("CHECKSUM"), "aa\n");
        RegistryView.Pointer expected =
                new RegistryView.Pointer("m", "1", v1.toAbsolutePath().toString(), "aa");
        assertThat(new FileRegistry(root.toString()).pointer("m", "1")).contains(expected);
        assertThat(new FileRegistry(root.toUri().toString()).pointer("m", "1")).contains(expected);
        assertThat(new FileRegistry(root.toString()).root()).isEqualTo(root.toString());
    }

    @Test
    void readsWhatTheModelRegistryWritesOnALocalDisk() {
        ModelRegistry registry = new ModelRegistry(root);
        ModelBundle trained = FileRegistryS3Test.train();
        registry.register(trained, null);
        registry.register(trained, null);
        registry.promote(Fixtures.MODEL, "1");
        registry.promote(Fixtures.MODEL, "2");
        FileRegistry view = new FileRegistry(root);

        assertThat(view.aliases(Fixtures.MODEL))
                .isEqualTo(new RegistryView.Aliases("2", null, List.of("1")));
        for (String version : List.of("1", "2")) {
            ModelPointer p = registry.pointer(Fixtures.MODEL, version);
            assertThat(view.pointer(Fixtures.MODEL, version))
                    .contains(
                            new RegistryView.Pointer(
                                    p.name(), p.version(), p.location(), p.checksum()));
        }
    }
}
