package dev.weir.governor;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Reads the file-system model registry the rest of Weir writes ({@code
 * dev.weir.models.registry.ModelRegistry}), without depending on it: the layout is the contract.
 *
 * <pre>
 * ROOT/NAME/VERSION/CHECKSUM          hex SHA-256 of the version's files; present once the version is complete
 * ROOT/NAME/aliases.json              {"champion": "2", "challenger": "3", "history": ["1"]}
 * </pre>
 *
 * Aliases are replaced atomically by the registry, so a read sees either the old or the new file.
 */
public final class FileRegistry implements RegistryView {

    static final String CHECKSUM_FILE = "CHECKSUM";
    static final String ALIASES_FILE = "aliases.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path root;

    public FileRegistry(Path root) {
        this.root = root;
    }

    @Override
    public Aliases aliases(String model) {
        Path file = root.resolve(model).resolve(ALIASES_FILE);
        if (!Files.isRegularFile(file)) {
            return new Aliases(null, null, null);
        }
        try {
            return JSON.readValue(file.toFile(), Aliases.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public Optional<Pointer> pointer(String model, String version) {
        if (version == null || !version.matches("\\d+")) {
            return Optional.empty();
        }
        Path dir = root.resolve(model).resolve(version);
        Path checksum = dir.resolve(CHECKSUM_FILE);
        if (!Files.isRegularFile(checksum)) {
            return Optional.empty();
        }
        try {
            return Optional.of(
                    new Pointer(
                            model,
                            version,
                            dir.toAbsolutePath().toString(),
                            Files.readString(checksum).trim()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + checksum, e);
        }
    }
}
