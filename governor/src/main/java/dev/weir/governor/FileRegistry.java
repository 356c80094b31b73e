package dev.weir.governor;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weir.gates.ModelEvidence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Reads the model registry the rest of Weir writes ({@code dev.weir.models.registry.ModelRegistry})
 * on any file system Flink reaches (a local path, {@code file://}, {@code s3://}, {@code hdfs://}),
 * through Flink's {@link FileSystem} with this process's plugins, as {@code
 * dev.weir.models.Storage} does. It does not depend on the models module (which brings DL4J and its
 * natives): the layout is the contract.
 *
 * <pre>
 * ROOT/NAME/VERSION/CHECKSUM          hex SHA-256 of the version's files; written last, once: the version is complete
 * ROOT/NAME/VERSION/metadata.json    hold-out measures and fairness (read for the promotion gates)
 * ROOT/NAME/aliases.json              {"champion": "2", "challenger": "3", "history": ["1"]}
 * </pre>
 *
 * The registry replaces the aliases whole (a rename on a local disk, one upload on an object
 * store), so a read sees either the old or the new file. Pointers name a version's location as the
 * registry does: a local path plainly, else its URI.
 */
public final class FileRegistry implements RegistryView {

    static final String CHECKSUM_FILE = "CHECKSUM";
    static final String ALIASES_FILE = "aliases.json";
    static final String METADATA_FILE = "metadata.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path root;

    /** A registry in a local directory. */
    public FileRegistry(java.nio.file.Path root) {
        this.root = localPath(root);
    }

    /** A registry at a location: a local path or a URI such as {@code s3://bucket/registry}. */
    public FileRegistry(String location) {
        URI uri = new Path(location).toUri();
        this.root =
                uri.getScheme() == null
                        ? localPath(java.nio.file.Path.of(location))
                        : new Path(uri);
    }

    /** The registry's location: a local path, or a URI such as {@code s3://bucket/registry}. */
    public String root() {
        return location(root);
    }

    @Override
    public Aliases aliases(String model) {
        if (!isName(model)) {
            return new Aliases(null, null, null);
        }
        Path file = new Path(new Path(root, model), ALIASES_FILE);
        try {
            if (!isFile(file)) {
                return new Aliases(null, null, null);
            }
            return JSON.readValue(read(file), Aliases.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + location(file), e);
        }
    }

    @Override
    public Optional<Pointer> pointer(String model, String version) {
        if (!isName(model) || version == null || !version.matches("\\d+")) {
            return Optional.empty();
        }
        Path dir = new Path(new Path(root, model), version);
        Path checksum = new Path(dir, CHECKSUM_FILE);
        try {
            if (!isFile(checksum)) {
                return Optional.empty();
            }
            return Optional.of(
                    new Pointer(
                            model,
                            version,
                            location(dir),
                            new String(read(checksum), StandardCharsets.UTF_8).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + location(checksum), e);
        }
    }

    @Override
    public Optional<ModelEvidence> evidence(String model, String version) {
        Optional<Pointer> pointer = pointer(model, version);
        if (pointer.isEmpty()) {
            return Optional.empty();
        }
        Path file = new Path(new Path(new Path(root, model), version), METADATA_FILE);
        try {
            return Optional.of(ModelEvidence.fromMetadataJson(read(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + location(file), e);
        }
    }

    /** One path segment: names come from monitoring records and must not leave the registry. */
    private static boolean isName(String model) {
        return model != null
                && !model.isEmpty()
                && !model.equals(".")
                && !model.equals("..")
                && model.chars().noneMatch(c -> c == '/' || c == '\\' || c == ':');
    }

    private static Path localPath(java.nio.file.Path local) {
        return new Path(local.toAbsolutePath().normalize().toUri());
    }

    private static String location(Path path) {
        String scheme = path.toUri().getScheme();
        boolean local = scheme == null || scheme.equals("file");
        return local ? java.nio.file.Path.of(path.toUri().getPath()).toString() : path.toString();
    }

    private static boolean isFile(Path path) throws IOException {
        FileSystem fs = path.getFileSystem();
        return fs.exists(path) && !fs.getFileStatus(path).isDir();
    }

    private static byte[] read(Path path) throws IOException {
        try (FSDataInputStream in = path.getFileSystem().open(path)) {
            return in.readAllBytes();
        }
    }
}
