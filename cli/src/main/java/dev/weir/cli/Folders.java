package dev.weir.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The commands' working folders: where they keep things by default, under {@code .weir} in the
 * current directory, and the folders they empty before a run (the demo's, a benchmark's).
 */
public final class Folders {

    /** Everything the commands keep by default. */
    public static final String HOME = ".weir";

    /** The model {@code weir train} writes. */
    public static final String MODEL = HOME + "/model";

    /**
     * The model {@code weir demo} scores with (trained on the demo's feature set, so kept apart
     * from {@link #MODEL}).
     */
    public static final String DEMO_MODEL = HOME + "/demo-model";

    /**
     * The model registry {@code weir train --registry} registers in, and {@code weir models} and
     * the governor read.
     */
    public static final String REGISTRY = HOME + "/registry";

    /** The demo's Iceberg warehouse. */
    public static final String WAREHOUSE = HOME + "/warehouse";

    private Folders() {}

    /** Deletes {@code path} and everything below it; nothing when it does not exist. */
    public static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
