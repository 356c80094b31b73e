package dev.weir.governor;

import static org.assertj.core.api.Assertions.assertThat;

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
    }
}
