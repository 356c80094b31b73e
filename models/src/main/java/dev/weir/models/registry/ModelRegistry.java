package dev.weir.models.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.weir.models.ModelBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Models on a file system, by name and numbered version:
 *
 * <pre>
 * ROOT/NAME/1/model.zip, metadata.json, [profile.json], CHECKSUM
 * ROOT/NAME/aliases.json   {"champion": "2", "challenger": "3", "history": ["1"]}
 * </pre>
 *
 * A version is written into a temporary directory and renamed into place, so it appears whole or
 * not at all; it never changes afterwards. Aliases are rewritten into a temporary file and renamed
 * over the old one, under a lock, so readers see either the old or the new aliases.
 *
 * <p>{@code registry.register(bundle); registry.promote("fraud-mlp", "2");
 * registry.champion("fraud-mlp")}
 */
public final class ModelRegistry {

    public static final String CHECKSUM_FILE = "CHECKSUM";
    public static final String ALIASES_FILE = "aliases.json";
    public static final String PROFILE_FILE = "profile.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> CHECKED_FILES =
            List.of(ModelBundle.MODEL_FILE, ModelBundle.METADATA_FILE, PROFILE_FILE);

    private final Path root;

    public ModelRegistry(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Which versions the aliases name, and the champions before the current one. */
    public record Aliases(String champion, String challenger, List<String> history) {
        public Aliases {
            history = history == null ? List.of() : List.copyOf(history);
        }

        static Aliases empty() {
            return new Aliases(null, null, List.of());
        }
    }

    /**
     * Registers a trained model as the next version of its name, with an optional reference profile
     * (JSON) for drift monitoring. The version number in the bundle's metadata is replaced by the
     * registry's.
     *
     * @return the pointer to the new version
     */
    public ModelPointer register(ModelBundle bundle, String profileJson) {
        String name = bundle.metadata().name();
        Path modelDir = root.resolve(name);
        try {
            Files.createDirectories(modelDir);
            try (FileLock ignored = lock(modelDir)) {
                String version =
                        String.valueOf(
                                versions(name).stream().mapToInt(Integer::parseInt).max().orElse(0)
                                        + 1);
                Path staging = Files.createTempDirectory(modelDir, ".staging-");
                var m = bundle.metadata();
                ModelBundle numbered =
                        new ModelBundle(
                                new dev.weir.models.ModelMetadata(
                                        m.name(),
                                        version,
                                        m.featureNames(),
                                        m.featureMeans(),
                                        m.featureStds(),
                                        m.threshold(),
                                        m.holdoutAuc(),
                                        m.holdoutPrecision(),
                                        m.holdoutRecall(),
                                        m.holdoutAucPr(),
                                        m.holdoutBrier(),
                                        m.holdoutEce(),
                                        m.trainingRows(),
                                        m.holdoutRows(),
                                        m.createdAt(),
                                        m.trainingSource()),
                                bundle.network(),
                                bundle.profile());
                numbered.save(staging);
                if (profileJson != null) {
                    // An explicit profile replaces the one computed at training.
                    Files.writeString(staging.resolve(PROFILE_FILE), profileJson);
                }
                String checksum = checksum(staging);
                Files.writeString(staging.resolve(CHECKSUM_FILE), checksum + "\n");
                Path target = modelDir.resolve(version);
                move(staging, target);
                return new ModelPointer(
                        name, version, target.toAbsolutePath().toString(), checksum);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot register model " + name + " in " + root, e);
        }
    }

    /** Registered model names. */
    public List<String> names() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Complete versions of a model, oldest first. */
    public List<String> versions(String name) {
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(dir)) {
            return dirs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> Files.isRegularFile(p.resolve(CHECKSUM_FILE)))
                    .map(p -> p.getFileName().toString())
                    .sorted((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b)))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public ModelPointer pointer(String name, String version) {
        Path dir = root.resolve(name).resolve(version);
        if (!Files.isRegularFile(dir.resolve(CHECKSUM_FILE))) {
            throw new IllegalArgumentException(
                    "no version "
                            + version
                            + " of model "
                            + name
                            + " in "
                            + root
                            + " (versions: "
                            + versions(name)
                            + ")");
        }
        try {
            return new ModelPointer(
                    name,
                    version,
                    dir.toAbsolutePath().toString(),
                    Files.readString(dir.resolve(CHECKSUM_FILE)).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Aliases aliases(String name) {
        Path file = root.resolve(name).resolve(ALIASES_FILE);
        if (!Files.isRegularFile(file)) {
            return Aliases.empty();
        }
        try {
            return JSON.readValue(file.toFile(), Aliases.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The champion's pointer. */
    public ModelPointer champion(String name) {
        String version = aliases(name).champion();
        if (version == null) {
            throw new IllegalArgumentException(
                    "model " + name + " in " + root + " has no champion (weir models promote)");
        }
        return pointer(name, version);
    }

    /** Makes {@code version} the champion; the previous champion goes on the rollback history. */
    public Aliases promote(String name, String version) {
        pointer(name, version);
        return updateAliases(
                name,
                a -> {
                    List<String> history = new ArrayList<>(a.history());
                    if (a.champion() != null && !a.champion().equals(version)) {
                        history.add(a.champion());
                    }
                    String challenger = version.equals(a.challenger()) ? null : a.challenger();
                    return new Aliases(version, challenger, history);
                });
    }

    /** Makes the previous champion the champion again. */
    public Aliases rollback(String name) {
        return updateAliases(
                name,
                a -> {
                    if (a.history().isEmpty()) {
                        throw new IllegalStateException(
                                "model " + name + " has no earlier champion to roll back to");
                    }
                    List<String> history = new ArrayList<>(a.history());
                    String previous = history.remove(history.size() - 1);
                    return new Aliases(previous, a.challenger(), history);
                });
    }

    /** Sets the challenger, or clears it with null. */
    public Aliases setChallenger(String name, String version) {
        if (version != null) {
            pointer(name, version);
        }
        return updateAliases(name, a -> new Aliases(a.champion(), version, a.history()));
    }

    /**
     * Loads the version a pointer names after checking its files against the checksum.
     *
     * @throws IllegalStateException when a file is missing or altered
     */
    public static ModelBundle load(ModelPointer pointer) {
        Path dir = Path.of(pointer.location());
        String actual;
        try {
            actual = checksum(dir);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read model "
                            + pointer.name()
                            + " v"
                            + pointer.version()
                            + " at "
                            + dir
                            + ": "
                            + e.getMessage(),
                    e);
        }
        if (!actual.equals(pointer.checksum())) {
            throw new IllegalStateException(
                    "model "
                            + pointer.name()
                            + " v"
                            + pointer.version()
                            + " at "
                            + dir
                            + " fails its checksum (expected "
                            + pointer.checksum()
                            + ", found "
                            + actual
                            + ")");
        }
        return ModelBundle.load(dir);
    }

    /** SHA-256 over the version's files, in a fixed order, each prefixed by its name. */
    static String checksum(Path dir) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (String file : CHECKED_FILES) {
                Path path = dir.resolve(file);
                if (!Files.exists(path)) {
                    if (file.equals(PROFILE_FILE)) {
                        continue;
                    }
                    throw new IOException(file + " is missing");
                }
                digest.update(file.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                try (InputStream in = Files.newInputStream(path)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        digest.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Aliases updateAliases(String name, java.util.function.UnaryOperator<Aliases> change) {
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(
                    "no model " + name + " in " + root + " (models: " + names() + ")");
        }
        try (FileLock ignored = lock(dir)) {
            Aliases updated = change.apply(aliases(name));
            Path tmp = Files.createTempFile(dir, ".aliases-", ".json");
            JSON.writeValue(tmp.toFile(), updated);
            move(tmp, dir.resolve(ALIASES_FILE));
            return updated;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the aliases of " + name, e);
        }
    }

    /** Threads of this JVM queue on an in-process lock; other processes on the file lock. */
    private static final java.util.concurrent.ConcurrentHashMap<
                    Path, java.util.concurrent.locks.ReentrantLock>
            LOCAL = new java.util.concurrent.ConcurrentHashMap<>();

    private static FileLock lock(Path dir) throws IOException {
        java.util.concurrent.locks.ReentrantLock local =
                LOCAL.computeIfAbsent(
                        dir.toAbsolutePath().normalize(),
                        k -> new java.util.concurrent.locks.ReentrantLock());
        local.lock();
        FileChannel channel;
        FileLock lock;
        try {
            channel =
                    FileChannel.open(
                            dir.resolve(".lock"),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
            lock = channel.lock();
        } catch (IOException | RuntimeException e) {
            local.unlock();
            throw e;
        }
        return new FileLock(channel, 0, Long.MAX_VALUE, false) {
            @Override
            public boolean isValid() {
                return lock.isValid();
            }

            @Override
            public void release() throws IOException {
                try {
                    lock.release();
                    channel.close();
                } finally {
                    local.unlock();
                }
            }
        };
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(
                    from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException(
                    "the registry's file system cannot rename atomically: " + e.getMessage(), e);
        }
    }
}
