package dev.weir.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FoldersTest {

    @TempDir Path dir;

    @Test
    void deletesAFolderWithEverythingBelowItAndNothingBeside() throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run.resolve("kafka").resolve("logs"));
        Files.writeString(run.resolve("kafka").resolve("logs").resolve("segment"), "bytes");
        Files.writeString(run.resolve("top"), "bytes");
        Path beside = Files.writeString(dir.resolve("run-beside"), "kept");

        Folders.deleteRecursively(run);

        assertThat(run).doesNotExist();
        assertThat(beside).hasContent("kept");
    }

    @Test
    void deletingAMissingFolderChangesNothing() {
        Folders.deleteRecursively(dir.resolve("never-made"));

        assertThat(dir).isEmptyDirectory();
    }
}
